"""Benchmark: ingest and evaluation of the automotive contact-centre rule set at scale.

Generates a seeded contacts.csv in the automotive shape (DATA.md), then in one run on one SQLite
file measures, side by side with baselines measured in the same run:

* ingest: ``scorecard.ingest.ingest`` (CSV parsing + coercion + validation + insert, one
  transaction) against raw ``executemany`` of the same already-parsed rows (insert only, one
  transaction) and against ``csv.reader`` + ``executemany`` of the text cells (parse + insert);
* evaluation: ``scorecard.engine.evaluate`` of one month of the multi-month store, with the ledger
  and without, plus ``record()`` (writing the run), against one hand-written SQL query computing
  the same per-agent aggregates (breaches per efficiency item, satisfaction rate, QA counts) —
  and checks the two agree;
* plugin hook calls (must be per rule, independent of the number of employees);
* peak RSS of the process.

Run: ``python benchmarks/bench.py --rows 1000000`` (10,000,000 is the reference size: 20k agents
× 12 months). Timings are wall-clock; no number here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from scorecard_automotive import BUNDLE
from scorecard_automotive.generate import (
    QA_ITEMS,
    _ids,
    write_contacts_csv,
    write_employees_csv,
)

from scorecard.columns import make_converter
from scorecard.engine import evaluate, record
from scorecard.ingest import ingest
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store, source_table

CHUNK = 200_000  # rows parsed (untimed) per timed executemany of the raw baseline


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def month_keys(start: str, months: int) -> list[str]:
    y, m = map(int, start.split("-"))
    out = []
    for i in range(months):
        yy, mm = divmod(m - 1 + i, 12)
        out.append(f"{y + yy:04d}-{mm + 1:02d}")
    return out


def write_small_files(data: Path, agents: int, months: list[str], seed: int):
    """qa_findings (0-3 findings per agent-month) and supervisor_marks (10 per month)."""
    rng = random.Random(f"{seed}/bench-small")
    ids = _ids(agents)
    qa = []
    for mk in months:
        for eid in ids:
            for _ in range(rng.randint(0, 3)):
                qa.append((eid, f"{mk}-{rng.randint(1, 28):02d} {rng.randint(8, 19):02d}:"
                                f"{rng.randrange(60):02d}:00", rng.choice(QA_ITEMS),
                           rng.choice((1, 1, 1, 2))))
    with open(data / "qa_findings.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("employee_id", "observed_at", "item", "count"))
        w.writerows(qa)
    marks = set()
    for mk in months:
        for eid in rng.sample(ids, min(10, agents)):
            marks.add((eid, mk, rng.choice(QA_ITEMS), rng.randint(5, 10)))
    with open(data / "supervisor_marks.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("employee_id", "period", "item", "mark"))
        w.writerows(sorted(marks))
    return len(qa), len(marks)


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


# -- ingest baselines -------------------------------------------------------------------------
def raw_parsed_insert(conn, rs, csv_path: Path) -> tuple[float, int]:
    """Insert-only baseline: rows are parsed and coerced with scorecard's own converters outside
    the clock, CHUNK at a time; only executemany into a plain table (one transaction) is timed."""
    cols = rs.columns["contacts"]
    names = list(cols)
    convs = [make_converter(cols[c]) for c in names]
    conn.execute("DROP TABLE IF EXISTS bench_raw_parsed")
    conn.execute(f"CREATE TABLE bench_raw_parsed (_line INTEGER, {', '.join(names)})")
    sql = f"INSERT INTO bench_raw_parsed VALUES ({', '.join('?' * (len(names) + 1))})"
    spent, n = 0.0, 0
    conn.execute("BEGIN")
    with open(csv_path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        pos = [header.index(c) for c in names]
        batch = []
        for line, cells in enumerate(r, 2):
            batch.append((line, *[conv(cells[p]) if cells[p] else None
                                  for conv, p in zip(convs, pos, strict=True)]))
            if len(batch) == CHUNK:
                t = time.perf_counter()
                conn.executemany(sql, batch)
                spent += time.perf_counter() - t
                n += len(batch)
                batch = []
        t = time.perf_counter()
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        spent += time.perf_counter() - t
        n += len(batch)
    return spent, n


def raw_text_insert(conn, csv_path: Path) -> tuple[float, int]:
    """Parse + insert baseline: csv.reader straight into executemany of the text cells."""
    t = time.perf_counter()
    with open(csv_path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        conn.execute("DROP TABLE IF EXISTS bench_raw_text")
        conn.execute(f"CREATE TABLE bench_raw_text ({', '.join(header)})")
        conn.execute("BEGIN")
        cur = conn.executemany(
            f"INSERT INTO bench_raw_text VALUES ({', '.join('?' * len(header))})", r)
        conn.execute("COMMIT")
    return time.perf_counter() - t, cur.rowcount


# -- evaluation baseline ----------------------------------------------------------------------
def hand_sql(rs, period: Period) -> tuple[str, list]:
    """The same per-agent aggregates as the default rule set, written by hand in one query
    (limits are RULES.md section 1 defaults, as in the bundle's scorecard.toml)."""
    c = source_table(rs.dataset, "contacts")
    q = source_table(rs.dataset, "qa_findings")
    e = source_table(rs.dataset, "employees")
    end = period.end_ts
    qa_cols = ", ".join(f"SUM(CASE WHEN item = '{i}' THEN [count] ELSE 0 END) AS [{i}]"
                        for i in QA_ITEMS)
    sql = f"""
    WITH c AS (
      SELECT employee_id,
        SUM(coalesce(first_response_at, {end}) - received_at >
            CASE WHEN busy = 1 THEN 300 WHEN channel = 'phone' THEN 20
                 WHEN channel = 'online' THEN 60 ELSE 86400 END) AS response_breaches,
        SUM(coalesce(closed_at, {end}) - first_response_at >
            CASE WHEN complexity = 'simple' THEN 900 ELSE 86400 END) AS handling_breaches,
        SUM(satisfied = 1) AS satisfied, COUNT(satisfied) AS surveyed, COUNT(*) AS contacts
      FROM [{c}] WHERE received_at >= ? AND received_at < ? GROUP BY employee_id),
    q AS (
      SELECT employee_id, {qa_cols}
      FROM [{q}] WHERE observed_at >= ? AND observed_at < ? GROUP BY employee_id)
    SELECT e.employee_id, c.response_breaches, c.handling_breaches, c.satisfied, c.surveyed,
           {', '.join(f'q.[{i}]' for i in QA_ITEMS)}
    FROM [{e}] e LEFT JOIN c ON c.employee_id = e.employee_id
    LEFT JOIN q ON q.employee_id = e.employee_id ORDER BY e.employee_id"""
    return sql, [period.start_ts, end, period.start_ts, end]


def check_agreement(ev, rows) -> str:
    """Compare the engine's measures with the hand-written query, employee by employee."""
    bad = 0
    for row in rows:
        eid, resp, hand, sat, surveyed, *qa = row
        er = ev.result(eid)
        rate = er.item("resolution").measure
        got = (er.item("response_time").measure.value, er.item("handling_time").measure.value,
               rate.data["numerator"], rate.data["denominator"],
               *[er.item(i).measure.value for i in QA_ITEMS])
        want = (resp or 0, hand or 0, sat or 0, surveyed or 0, *[v or 0 for v in qa])
        if tuple(Fraction(x) for x in got) != tuple(Fraction(x) for x in want):
            bad += 1
    return "yes" if bad == 0 else f"NO: {bad} employee(s) differ"


def expected_hook_calls(rs, ev) -> int:
    """One call per item metric, per item scorer, per penalty, grading and payout of each
    scorecard that has employees: independent of the number of employees."""
    used = {er.scorecard.id for er in ev.results}
    n = 0
    for sc_id in used:
        sc = rs.scorecards[sc_id]
        n += sum(1 + (it.score is not None) for it in sc.items) + len(sc.penalties)
        n += (sc.grading is not None) + (sc.payout is not None)
    return n


# -- main -------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="contacts to generate")
    ap.add_argument("--agents", type=int, default=None,
                    help="agents (default rows / 500: 20,000 at 10,000,000 rows)")
    ap.add_argument("--months", type=int, default=12, help="months the contacts span")
    ap.add_argument("--start", default="2026-01", help="first month")
    ap.add_argument("--month", default=None, help="month to evaluate (default: the middle one)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=None, help="work directory (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args(argv)
    agents = args.agents or max(10, args.rows // 500)
    months = month_keys(args.start, args.months)
    month = args.month or months[len(months) // 2]

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="scorecard-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    data.mkdir(exist_ok=True)
    try:
        return run(args, agents, months, month, work, data)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args, agents, months, month, work, data) -> int:
    out = sys.stdout
    print(f"scorecard benchmark: {args.rows:,} contacts, {agents:,} agents, {len(months)} "
          f"month(s) from {months[0]}, seed {args.seed}; evaluating {month}", file=out)
    gen_s, _ = timed(write_contacts_csv, data / "contacts.csv", args.rows, agents, len(months),
                     args.seed, start_month=months[0])
    write_employees_csv(data / "employees.csv", agents, args.seed)
    n_qa, n_marks = write_small_files(data, agents, months, args.seed)
    (work / "scorecard.toml").write_text(BUNDLE.ruleset_path.read_text(encoding="utf-8"),
                                         encoding="utf-8")
    print(f"generated in {gen_s:.1f} s ({args.rows / gen_s:,.0f} rows/s); qa_findings "
          f"{n_qa:,} rows, supervisor_marks {n_marks:,} rows", file=out)
    rss = {"after generation": peak_rss_mb()}

    rs = load_ruleset(work / "scorecard.toml")
    db = work / "bench.db"
    for p in work.glob("bench.db*"):
        p.unlink()
    store = Store(db)
    ingest_s, report = timed(ingest, store, rs, only_changed=False)
    total_rows = sum(n for _, n in report.values())
    rss["after ingest"] = peak_rss_mb()

    # baselines on the same SQLite file, same PRAGMAs (the store's connection)
    conn = store.conn
    parsed_s, parsed_n = raw_parsed_insert(conn, rs, data / "contacts.csv")
    text_s, text_n = raw_text_insert(conn, data / "contacts.csv")
    conn.execute("DROP TABLE bench_raw_parsed")
    conn.execute("DROP TABLE bench_raw_text")
    rss["after ingest baselines"] = peak_rss_mb()

    period = Period.parse(month)
    ev_l_s, ev = timed(evaluate, store, rs, period, ledger=True, ingest_first=False)
    rss["after evaluation (ledger)"] = peak_rss_mb()
    rec_s, _ = timed(record, store, ev, ledger=True)
    ledger_lines = sum(len(er.lines) for er in ev.results)
    rss["after record (ledger)"] = peak_rss_mb()
    hooks = ev.counters.get("hook_calls", 0)
    expected = expected_hook_calls(rs, ev)
    employees = len(ev.results)
    del ev
    ev_n_s, ev_n = timed(evaluate, store, rs, period, ledger=False, ingest_first=False)
    hooks_n = ev_n.counters.get("hook_calls", 0)
    sql, params = hand_sql(rs, period)
    sql_s, rows = timed(lambda: conn.execute(sql, params).fetchall())
    agree = check_agreement(ev_n, rows)
    month_rows = conn.execute(
        f"SELECT count(*) FROM [{source_table(rs.dataset, 'contacts')}] WHERE received_at >= ? "
        f"AND received_at < ?", [period.start_ts, period.end_ts]).fetchone()[0]
    rss["after evaluation (no ledger)"] = peak_rss_mb()
    store.conn.close()
    db_mb = db.stat().st_size / 1e6

    w = 44

    def row(label, a, b, ratio):
        print(f"  {label:<{w}} {a:>16} {b:>16} {ratio:>8}", file=out)

    print("", file=out)
    print(f"  {'':<{w}} {'scorecard':>16} {'baseline':>16} {'ratio':>8}", file=out)
    print("  ingest (contacts.csv; rows/s, higher is better)", file=out)
    c_rows = report["contacts"][1]
    ing_rate = c_rows / ingest_s
    row("vs raw executemany, parsed rows (insert only)", f"{ing_rate:,.0f}",
        f"{parsed_n / parsed_s:,.0f}", f"{ing_rate / (parsed_n / parsed_s):.2f}x")
    row("vs csv.reader + executemany of text", f"{ing_rate:,.0f}", f"{text_n / text_s:,.0f}",
        f"{ing_rate / (text_n / text_s):.2f}x")
    print(f"  evaluation of {month} ({month_rows:,} contacts, {employees:,} agents; seconds, "
          f"lower is better)", file=out)
    row("evaluate, ledger vs hand-written SQL", f"{ev_l_s:.2f}", f"{sql_s:.2f}",
        f"{ev_l_s / sql_s:.2f}x")
    row("evaluate, no ledger vs hand-written SQL", f"{ev_n_s:.2f}", f"{sql_s:.2f}",
        f"{ev_n_s / sql_s:.2f}x")
    row("record run with ledger (not in the ratios)", f"{rec_s:.2f}", "", "")
    print("", file=out)
    print(f"  ingest: {total_rows:,} rows in all sources in {ingest_s:.2f} s (scorecard: CSV "
          f"parsing + coercion + validation + insert into the clustered table; baselines: "
          f"{parsed_s:.2f} s insert only, {text_s:.2f} s parse + insert of text)", file=out)
    print(f"  store file: {db_mb:,.0f} MB; ledger lines: {ledger_lines:,}", file=out)
    print(f"  results agree with the hand-written SQL: {agree}", file=out)
    per_rule = "yes" if hooks == expected == hooks_n else "NO"
    print(f"  hook calls: {hooks} with ledger, {hooks_n} without, for {employees:,} agents "
          f"(expected {expected}: one per rule) — per rule, not per employee: {per_rule}",
          file=out)
    print("  peak RSS: " + "; ".join(f"{k} {v:,.0f} MB" for k, v in rss.items()), file=out)
    return 0 if agree == "yes" and per_rule == "yes" else 1


if __name__ == "__main__":
    raise SystemExit(main())
