"""Tamper evidence (issue 14): a recorded run is sealed; forgeries through SQL are refused by
triggers that hold for any connection (here a plain sqlite3 one, as a curious user's shell),
and a run changed anyway (triggers dropped) is reported as TAMPERED by every read, exit 1."""

import json
import sqlite3

import pytest
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.store import Store, make_append_only

RULESET = """
[ruleset]
org = "{org}"
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
n = "int"

[scorecards.s]
[[scorecards.s.items]]
id = "sum_n"
type = "count"
source = "events"
sum_column = "n"
"""
EMPLOYEES = "employee_id,name,role\nE1,Ann,agent\nE2,Bo,agent\n"
# E1: 3 + 4 = 7 in October; E2: 5
EVENTS = "employee_id,at,n\nE1,2026-10-01 09:00,3\nE1,2026-10-02 09:00,4\nE2,2026-10-03 09:00,5\n"


def cli_run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def make_ruleset(d, org="tamper"):
    d.mkdir(parents=True, exist_ok=True)
    (d / "scorecard.toml").write_text(RULESET.format(org=org), encoding="utf-8")
    (d / "employees.csv").write_text(EMPLOYEES, encoding="utf-8")
    (d / "events.csv").write_text(EVENTS, encoding="utf-8")
    return d / "scorecard.toml"


@pytest.fixture
def stored(tmp_path):
    """A store with runs 1 and 2 (the same evaluation twice)."""
    cfg = make_ruleset(tmp_path / "t")
    for _ in range(2):
        r = cli_run("evaluate", "-c", cfg, "-p", "2026-10")
        assert r.exit_code == 0, r.output
    return cfg, tmp_path / "t" / "scorecard.db"


def shell(db):
    """A plain connection, as `sqlite3 scorecard.db` is: no pragmas of ours."""
    return sqlite3.connect(db, isolation_level=None)


def rows(db, sql):
    conn = shell(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


FORGERIES = [
    # REPLACE deletes the old row without firing DELETE triggers: refused on INSERT
    "INSERT OR REPLACE INTO results (run_id, employee_id, name, score, payout) "
    "VALUES (1, 'E1', 'Ann', '100', '99999')",
    "REPLACE INTO runs (id, org, site, period, result_hash) VALUES (1, 'tamper', 'main', "
    "'2026-10', 'x')",
    # a fake employee added to a recorded run
    "INSERT INTO results (run_id, employee_id, name, score) VALUES (1, 'E9', 'Fake', '100')",
    "INSERT INTO items (run_id, employee_id, item_id, ord, points) VALUES (1, 'E1', 'bonus', 9, "
    "'50')",
    "INSERT INTO explanations (run_id, employee_id, seq, rule, text) VALUES (1, 'E1', 99, 'x', "
    "'forged')",
    "INSERT INTO results (run_id, employee_id, score) VALUES (1, 'E1', '100') "
    "ON CONFLICT (run_id, employee_id) DO UPDATE SET score = '100'",
    "INSERT OR REPLACE INTO run_seals (run_id, seal, rows_hash, ledger_hash, columns) VALUES "
    "(1, 'x', 'z', 'y', "
    "'{}')",
    "UPDATE results SET payout = '99999'",
    "DELETE FROM explanations",
    "DELETE FROM run_seals",
]


@pytest.mark.parametrize("sql", FORGERIES)
def test_every_forgery_of_a_recorded_run_is_refused(stored, sql):
    _, db = stored
    before = rows(db, "SELECT * FROM results ORDER BY run_id, employee_id")
    conn = shell(db)
    with pytest.raises(sqlite3.IntegrityError, match="immutable|sealed"):
        conn.execute(sql)
    conn.close()
    assert rows(db, "SELECT * FROM results ORDER BY run_id, employee_id") == before
    assert cli_run("verify", "--db", db).exit_code == 0


def _drop_triggers(conn):
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")\
            .fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')


def _tamper(db, *sql):
    conn = shell(db)
    _drop_triggers(conn)
    for s in sql:
        conn.execute(s)
    conn.close()


def test_a_changed_result_is_reported_tampered_by_every_read(stored):
    cfg, db = stored
    _tamper(db, "UPDATE results SET payout = '99999', score = '100' WHERE run_id = 2 AND "
                "employee_id = 'E1'")
    rep = cli_run("report", "-c", cfg)  # the latest run: 2
    assert rep.exit_code == 1
    assert "run 2 is TAMPERED: its results or item rows were changed" in rep.output
    assert "99999" not in rep.output
    exp = cli_run("explain", "E1", "-c", cfg, "--run", "2")
    assert exp.exit_code == 1 and "TAMPERED" in exp.output and "99999" not in exp.output
    listing = cli_run("runs", "-c", cfg)
    assert listing.exit_code == 1
    lines = {ln.split()[0]: ln for ln in listing.output.splitlines() if ln[:1].isdigit()}
    assert lines["1"].rstrip().endswith("sealed") and lines["2"].rstrip().endswith("TAMPERED")
    ver = cli_run("verify", "--db", db, "--format", "json")
    assert ver.exit_code == 1
    out = json.loads(ver.stdout)
    assert [(r["id"], r["status"]) for r in out["rows"]] == [(1, "sealed"), (2, "TAMPERED")]
    assert out["rows"][1]["problems"].startswith("its results or item rows were changed")
    assert out["problems"][0].startswith("sealing trigger(s) removed: ")
    assert "error: 1 run(s) TAMPERED, 1 store problem(s)" in ver.stderr
    # run 1 is untouched and still shown
    ok = cli_run("report", "-c", cfg, "--run", "1", "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert {r["employee_id"]: r["score"] for r in json.loads(ok.stdout)["results"]} == \
        {"E1": "7.00", "E2": "5.00"}  # 3 + 4; 5


@pytest.mark.parametrize("sql, problem", [
    ("INSERT INTO results (run_id, employee_id, name, score) VALUES (2, 'E9', 'Fake', '1')",
     "its results or item rows were changed, added or removed"),
    ("DELETE FROM items WHERE run_id = 2 AND employee_id = 'E2'",
     "its results or item rows were changed, added or removed"),
    ("UPDATE explanations SET text = 'forged' WHERE run_id = 2 AND seq = 1",
     "its explanation lines were changed"),
    ("UPDATE runs SET org = 'tamper', label = 'forged', employees = 3 WHERE id = 2",
     "its runs row (or the seal chain before it) was changed"),
    ("DELETE FROM run_seals WHERE run_id = 2", "it has no seal"),
])
def test_each_kind_of_change_is_named(stored, sql, problem):
    cfg, db = stored
    _tamper(db, sql)
    r = cli_run("report", "-c", cfg, "--run", "2")
    assert r.exit_code == 1
    assert problem in r.output


def test_a_forged_run_is_unsealed_and_reported(stored):
    """Inserting a whole new run with SQL is possible (it is not sealed yet), but it has no
    seal: every read reports it."""
    cfg, db = stored
    conn = shell(db)
    conn.execute("INSERT INTO runs (id, org, site, period, result_hash, employees) VALUES "
                 "(7, 'tamper', 'main', '2026-10', 'x', 1)")
    conn.execute("INSERT INTO results (run_id, employee_id, name, score) VALUES (7, 'E1', "
                 "'Ann', '100')")
    conn.close()
    r = cli_run("report", "-c", cfg)  # the latest run is now the forged 7
    assert r.exit_code == 1 and "run 7 is TAMPERED: it has no seal" in r.output
    assert cli_run("verify", "-c", cfg).exit_code == 1


def test_removing_a_whole_run_breaks_the_next_seal(stored):
    cfg, db = stored
    r = cli_run("evaluate", "-c", cfg, "-p", "2026-10")  # run 3
    assert r.exit_code == 0
    _tamper(db, "DELETE FROM explanations WHERE run_id = 2", "DELETE FROM items WHERE run_id = 2",
            "DELETE FROM results WHERE run_id = 2", "DELETE FROM run_seals WHERE run_id = 2",
            "DELETE FROM runs WHERE id = 2")
    ver = cli_run("verify", "--db", db, "--format", "json")
    assert ver.exit_code == 1
    status = {r["id"]: r["status"] for r in json.loads(ver.stdout)["rows"]}
    assert status == {1: "sealed", 3: "TAMPERED"}  # 3's seal chained to 2's


def test_verify_of_a_sound_store_exits_0_and_names_the_head_seal(stored):
    _, db = stored
    r = cli_run("verify", "--db", db)
    assert r.exit_code == 0, r.output
    assert "2 run(s) checked, 0 tampered; head seal " in r.output


def test_make_append_only_for_other_tables(tmp_path):
    """The helper other modules use for their own append-only tables (e.g. decisions)."""
    store = Store(tmp_path / "s.db")
    with store.transaction() as conn:
        conn.execute("CREATE TABLE decisions (id INTEGER PRIMARY KEY, run_id INTEGER, "
                     "employee_id TEXT, text TEXT, UNIQUE (run_id, employee_id))")
        make_append_only(conn, "decisions", "decisions")
        make_append_only(conn, "decisions", "decisions")  # idempotent
        conn.execute("INSERT INTO decisions (run_id, employee_id, text) VALUES (1, 'E1', 'ok')")
    store.conn.close()
    conn = shell(tmp_path / "s.db")
    conn.execute("INSERT INTO decisions (run_id, employee_id, text) VALUES (1, 'E2', 'ok')")
    for sql in ("UPDATE decisions SET text = 'x'", "DELETE FROM decisions",
                "INSERT OR REPLACE INTO decisions (id, run_id, employee_id, text) VALUES "
                "(1, 1, 'E1', 'x')",
                # a new id but the same unique (run_id, employee_id): REPLACE would delete 1
                "REPLACE INTO decisions (id, run_id, employee_id, text) VALUES (5, 1, 'E1', 'x')"):
        with pytest.raises(sqlite3.IntegrityError, match="decisions are immutable"):
            conn.execute(sql)
    assert conn.execute("SELECT id, employee_id, text FROM decisions ORDER BY id").fetchall() == \
        [(1, "E1", "ok"), (2, "E2", "ok")]
    conn.close()


def test_a_store_from_before_sealing_is_sealed_when_its_rows_match(tmp_path, stored):
    """An older store (no run_seals): its runs are sealed on first open if their rows match
    their result hash; a mismatching one stays unsealed and is reported."""
    cfg, db = stored
    conn = shell(db)
    _drop_triggers(conn)
    conn.execute("DROP TABLE run_seals")
    conn.execute("UPDATE results SET score = '1' WHERE run_id = 1 AND employee_id = 'E2'")
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    ver = cli_run("verify", "--db", db, "--format", "json")
    assert ver.exit_code == 1
    out = json.loads(ver.stdout)
    assert out["problems"] == []  # the triggers are back
    assert {r["id"]: r["status"] for r in out["rows"]} == {1: "TAMPERED", 2: "sealed"}


def test_a_runs_completeness_is_sealed_with_it(stored):
    """What a run stands on (complete / partial ...) is part of its seal: changed, the run is
    TAMPERED."""
    cfg, db = stored
    assert rows(db, "SELECT count(*) FROM run_completeness WHERE run_id = 2") == [(1,)]
    _tamper(db, "UPDATE run_completeness SET status = 'complete', coverage = '1', accepted = "
                "'forged' WHERE run_id = 2")
    r = cli_run("report", "-c", cfg, "--run", "2")
    assert r.exit_code == 1
    assert "its results or item rows were changed" in r.output
    assert cli_run("report", "-c", cfg, "--run", "1").exit_code == 0
