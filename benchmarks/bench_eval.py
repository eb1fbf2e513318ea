"""Evaluation only, on a store kept by ``bench.py --keep``: CPU seconds of ``evaluate`` (with and
without the ledger, fused and unfused scans) against the hand-written SQL, the best of several
rounds run interleaved in one process, and where the time goes (``--stages``).

On a shared machine wall-clock ratios swing with the other work; CPU time of the best of
interleaved rounds is the steadier measure (SQLite runs in-process, so it counts the SQL too).

Run::

    python benchmarks/bench.py --rows 1000000 --out /tmp/b1m --keep
    python benchmarks/bench_eval.py /tmp/b1m --rounds 8 --stages

Compare with older code by putting its ``core`` and ``plugins`` first on ``PYTHONPATH``
(``git archive COMMIT core plugins | tar -x -C /tmp/old``). Nothing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import hand_sql  # noqa: E402 - the benchmark's own baseline query

from scorecard import engine  # noqa: E402
from scorecard.periods import Period  # noqa: E402
from scorecard.ruleset import load_ruleset  # noqa: E402
from scorecard.store import Store  # noqa: E402


def cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def stages(store, rs, period, ledger, rounds) -> dict:
    """CPU seconds per evaluation in each stage and rule type (timers around the engine's
    functions; the rules' time is part of their stage's)."""
    spent: dict[str, float] = defaultdict(float)

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.process_time() - t
        return wrapper

    saved = (engine.CARD_STAGES, engine._run_rule, engine._plan, engine.load_employees,
             engine.assess)
    run_rule = engine._run_rule

    def rule(run, kind, type_name, *rest):
        t = time.process_time()
        try:
            return run_rule(run, kind, type_name, *rest)
        finally:
            spent[f"  rule {kind} {type_name}"] += time.process_time() - t

    try:
        engine.CARD_STAGES = tuple((n, timed(f"stage {n}", f)) for n, f in saved[0])
        engine._run_rule = rule
        engine._plan = timed("fused scans (SQL)", saved[2])
        engine.load_employees = timed("load employees", saved[3])
        engine.assess = timed("completeness", saved[4])
        total = 0.0
        for _ in range(rounds):
            total += cpu(lambda: engine.evaluate(store, rs, period, ledger=ledger,
                                                 ingest_first=False))
    finally:
        (engine.CARD_STAGES, engine._run_rule, engine._plan, engine.load_employees,
         engine.assess) = saved
    out = {k: v / rounds for k, v in spent.items()}
    out["evaluate, in all"] = total / rounds
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path, help="the work directory of bench.py --keep")
    ap.add_argument("--month", default="2026-07", help="month to evaluate (bench.py's default)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--stages", action="store_true", help="also time the stages")
    args = ap.parse_args(argv)
    rs = load_ruleset(args.work / "scorecard.toml")
    store = Store(args.work / "bench.db")
    period = Period.parse(args.month)
    sql, params = hand_sql(rs, period)
    agents = len(engine.load_employees(store, rs))
    print(f"evaluation of {args.month} in {args.work}: {agents:,} agents; load average "
          f"{os.getloadavg()[0]:.1f}; CPU seconds, best of {args.rounds} interleaved rounds")
    engine.evaluate(store, rs, period, ledger=False, ingest_first=False)  # warm-up
    runs = {
        "hand-written SQL": lambda: store.conn.execute(sql, params).fetchall(),
        "evaluate without ledger": lambda: engine.evaluate(store, rs, period, ledger=False,
                                                           ingest_first=False),
        "evaluate with ledger": lambda: engine.evaluate(store, rs, period, ledger=True,
                                                        ingest_first=False),
    }
    if "fuse" in inspect.signature(engine.evaluate).parameters:  # older code has no fusion
        runs["evaluate without ledger, unfused"] = lambda: engine.evaluate(
            store, rs, period, ledger=False, ingest_first=False, fuse=False)
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.rounds):
        for name, fn in runs.items():
            best[name] = min(best[name], cpu(fn))
    base = best["hand-written SQL"]
    for name, t in best.items():
        print(f"  {name:<36} {t:8.4f} s  {t / base:6.2f}x")
    if args.stages:
        for ledger in (False, True):
            print(f"  where the time goes, {'with' if ledger else 'without'} ledger (CPU ms per "
                  f"evaluation):")
            for name, t in sorted(stages(store, rs, period, ledger, args.rounds).items(),
                                  key=lambda kv: -kv[1]):
                print(f"    {t * 1000:9.1f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
