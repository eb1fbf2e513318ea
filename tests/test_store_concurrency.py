"""The store under concurrency (issue 14): real processes at once on one store; each bounded in
time and cleaned up. See docs/reliability.md."""

import multiprocessing
import os
import sqlite3
import sys
import time

import pytest

from scorecard.store import Store

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks real processes (Linux)")

RULESET = """
[ruleset]
org = "conc"
site = "main"

[sources.employees]
path = "employees.csv"
key = "employee_id"
[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"

[sources.events]
path = "events.csv"
period_by = "at"
[sources.events.columns]
employee_id = "str"
at = "timestamp"
kind = "enum:a|b|c|d"
n = "int"

[scorecards.s]
"""
# eight items, each its own query: without one snapshot an evaluation could read some of them
# from one ingest and the rest from another
for _k in "abcd":
    RULESET += f"""
[[scorecards.s.items]]
id = "count_{_k}"
type = "count"
source = "events"
match = {{ kind = "{_k}" }}
[[scorecards.s.items]]
id = "sum_{_k}"
type = "count"
source = "events"
match = {{ kind = "{_k}" }}
sum_column = "n"
"""

EMPLOYEES = 40


def write_version(d, version: int, extra: int = 0):
    """Version 1 and 2 of the data: every employee's every item differs between them
    (``extra`` rows per employee make a slower ingest)."""
    d.mkdir()
    (d / "scorecard.toml").write_text(RULESET, encoding="utf-8")
    emp = ["employee_id,name,role"] + [f"E{i:03},N{i},agent" for i in range(EMPLOYEES)]
    (d / "employees.csv").write_text("\n".join(emp) + "\n", encoding="utf-8")
    rows = ["employee_id,at,kind,n"]
    for i in range(EMPLOYEES):
        for j in range(10 + version * 5 + i % 3 + extra):
            rows.append(f"E{i:03},2026-10-{1 + j % 28:02} 09:00,{'abcd'[j % 4]},{version + j}")
    (d / "events.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _child(args, out):
    """A real process running the real command line (forked: no interpreter start-up)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    code = 0
    try:
        from scorecard.cli import cli

        cli.main(args=[str(a) for a in args], prog_name="scorecard")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_at_once(commands, tmp, timeout=120):
    """Start every command as its own process at once; returns [(exit code, output)]."""
    ctx = multiprocessing.get_context("fork")
    procs = []
    for n, args in enumerate(commands):
        out = tmp / f"out{n}.txt"
        p = ctx.Process(target=_child, args=(args, out))
        procs.append((p, out))
    for p, _ in procs:
        p.start()
    deadline = time.monotonic() + timeout
    results = []
    try:
        for p, out in procs:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():
                raise AssertionError(f"a process did not finish in {timeout} s")
            results.append((p.exitcode, out.read_text(encoding="utf-8")))
    finally:
        for p, _ in procs:
            if p.is_alive():
                p.kill()
                p.join(5)
    return results


def serial_hashes(tmp):
    """{data fingerprint: result hash} of each data version evaluated alone (in this process:
    it also imports what the forked processes then need, so each of them is quick)."""
    from click.testing import CliRunner

    from scorecard.cli import cli

    out = {}
    for v in ("v1", "v2"):
        db = tmp / f"serial-{v}.db"
        res = CliRunner().invoke(cli, ["evaluate", "-c", str(tmp / v / "scorecard.toml"), "-p",
                                       "2026-10", "--db", str(db)])
        assert res.exit_code == 0, res.output
        conn = sqlite3.connect(db)
        fp, rh = conn.execute("SELECT data_fingerprint, result_hash FROM runs").fetchone()
        conn.close()
        out[fp] = rh
    assert len(set(out.values())) == 2  # the two versions give different results
    return out


def test_two_ingests_and_four_evaluations_at_once_store_only_whole_runs(tmp_path):
    write_version(tmp_path / "v1", 1)
    write_version(tmp_path / "v2", 2)
    serial = serial_hashes(tmp_path)
    started = time.monotonic()
    for round_ in range(20):
        db = tmp_path / f"round{round_}.db"  # a new store each round: creating it races too
        c1, c2 = (tmp_path / v / "scorecard.toml" for v in ("v1", "v2"))
        commands = [["ingest", "-c", c1, "--db", db, "--force"],
                    ["ingest", "-c", c2, "--db", db, "--force"]]
        commands += [["evaluate", "-c", c, "-p", "2026-10", "--db", db, "--format", "json"]
                     for c in (c1, c2, c1, c2)]
        results = run_at_once(commands, tmp_path)
        for code, text in results:
            assert code == 0, f"round {round_}: {text}"
            assert "Traceback" not in text
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            runs = conn.execute("SELECT id, data_fingerprint, result_hash FROM runs ORDER BY id")\
                .fetchall()
        # four evaluations, four runs, ids from the inserts themselves: 1..4
        assert [r[0] for r in runs] == [1, 2, 3, 4], round_
        for run_id, fp, rh in runs:
            # each run read one version of the data, whole, and says which
            assert fp in serial, (round_, run_id)
            assert rh == serial[fp], f"round {round_}: run {run_id} mixes data versions"
        store = Store(db, create=False)
        problems, checked = store.verify()
        assert problems == [] and all(v == [] for v in checked.values())
        store.conn.close()
    # bounded: a stuck lock would show here (each process is also bounded by run_at_once)
    assert time.monotonic() - started < 600


def _hold_write_lock(db, seconds, ready):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()
    os._exit(0)


class lock_held:
    """Another process holding the store's write lock for ``seconds`` (a process, not a thread:
    SQLite's locks are per process, and a forked child must not inherit an open connection)."""

    def __init__(self, db, seconds):
        ctx = multiprocessing.get_context("fork")
        self.ready = ctx.Event()
        self.proc = ctx.Process(target=_hold_write_lock, args=(db, seconds, self.ready))

    def __enter__(self):
        self.proc.start()
        assert self.ready.wait(30), "the lock holder did not start"
        return self

    def __exit__(self, *exc):
        self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


def test_a_writer_waits_for_another_and_says_so(tmp_path):
    write_version(tmp_path / "v1", 1)
    db = tmp_path / "s.db"
    Store(db).conn.close()  # closed before forking: a child must not inherit a connection
    with lock_held(db, 2.5):
        [(code, text)] = run_at_once([["ingest", "-c", tmp_path / "v1" / "scorecard.toml",
                                       "--db", db]], tmp_path)
    assert code == 0, text
    assert "waiting: another process is writing to" in text
    assert "events: ingested" in text


def test_a_writer_that_cannot_write_in_time_stops_clearly_and_keeps_nothing(tmp_path,
                                                                           monkeypatch):
    write_version(tmp_path / "v1", 1)
    db = tmp_path / "s.db"
    Store(db).conn.close()  # closed before forking: a child must not inherit a connection
    monkeypatch.setenv("SCORECARD_BUSY_TIMEOUT", "1.5")
    with lock_held(db, 5):
        [(code, text)] = run_at_once([["evaluate", "-c", tmp_path / "v1" / "scorecard.toml",
                                       "-p", "2026-10", "--db", db]], tmp_path)
    assert code == 1, text
    assert "waiting: another process is writing to" in text
    assert "is busy: another process kept it locked for more than 1.5 s; nothing of this " \
           "command was stored" in text
    assert "Traceback" not in text
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM _ingests").fetchone() == (0,)


def test_a_run_finished_while_another_writes_is_kept(tmp_path):
    """The evaluation's results wait for the lock instead of being lost (they were, after 5 s,
    as a 'database is locked' traceback)."""
    write_version(tmp_path / "v1", 1)
    cfg = tmp_path / "v1" / "scorecard.toml"
    db = tmp_path / "s.db"
    [(code, text)] = run_at_once([["ingest", "-c", cfg, "--db", db]], tmp_path)
    assert code == 0, text
    with lock_held(db, 3):
        [(code, text)] = run_at_once([["evaluate", "-c", cfg, "-p", "2026-10", "--db", db]],
                                     tmp_path)
    assert code == 0, text
    assert "run 1 stored" in text


def test_kill_9_at_any_moment_leaves_whole_runs_only(tmp_path):
    """Ingests and evaluations killed (SIGKILL) at moments spread over their work: the store
    stays consistent, only whole sealed runs are in it, and evaluating again gives the run a
    serial evaluation gives."""
    write_version(tmp_path / "v1", 1, extra=150)
    write_version(tmp_path / "v2", 2, extra=150)
    serial = serial_hashes(tmp_path)
    db = tmp_path / "killed.db"
    ctx = multiprocessing.get_context("fork")
    delays = [0.02, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 1.2]
    for n, delay in enumerate(delays):
        cfg = tmp_path / ("v1", "v2")[n % 2] / "scorecard.toml"
        args = (["ingest", "-c", cfg, "--db", db, "--force"] if n % 3 == 0 else
                ["evaluate", "-c", cfg, "-p", "2026-10", "--db", db])
        p = ctx.Process(target=_child, args=(args, tmp_path / f"kill{n}.txt"))
        p.start()
        time.sleep(delay)
        p.kill()
        p.join(10)
        assert not p.is_alive()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        runs = conn.execute("SELECT id, data_fingerprint, result_hash FROM runs").fetchall()
    for run_id, fp, rh in runs:
        assert rh == serial[fp], run_id  # a run that is there is whole
    store = Store(db)
    problems, checked = store.verify()
    store.conn.close()
    assert problems == [] and all(v == [] for v in checked.values())
    [(code, text)] = run_at_once([["evaluate", "-c", tmp_path / "v1" / "scorecard.toml", "-p",
                                   "2026-10", "--db", db]], tmp_path)
    assert code == 0, text
    with sqlite3.connect(db) as conn:
        fp, rh = conn.execute("SELECT data_fingerprint, result_hash FROM runs ORDER BY id DESC "
                              "LIMIT 1").fetchone()
    assert rh == serial[fp]
