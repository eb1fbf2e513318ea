"""The store as people browse it (``datasette scorecard.db``, sqlite-utils): numbers stored as
numbers beside their exact text, foreign keys between runs, results, items and explanations,
and the ``latest_results`` view."""

import sqlite3

import pytest
import sqlite_utils
from click.testing import CliRunner

from scorecard.cli import cli
from scorecard.engine import result_hash
from scorecard.store import Store, numeric


def test_numeric_text():
    # exact text -> float for sorting; a fraction text as the engine writes it (289/3 = 96.333..)
    assert numeric("750.00") == 750.0 and numeric("4000.00") == 4000.0
    assert numeric("289/3") == pytest.approx(96.3333333)
    assert numeric(None) is None and numeric("") is None and numeric("n/a") is None


@pytest.fixture
def acc_db(tmp_path, contact_bundle):
    """The test bundle's sample month (the automotive contact centre's, frozen in
    tests/fixtures), evaluated twice (runs 1 and 2) into one store."""
    r = CliRunner().invoke(cli, ["init", "--org", contact_bundle.name,
                                 str(tmp_path / "acc")])
    assert r.exit_code == 0, r.output
    cfg = str(tmp_path / "acc" / "scorecard.toml")
    for _ in range(2):
        r = CliRunner().invoke(cli, ["evaluate", "-c", cfg, "-p", "2026-10"])
        assert r.exit_code == 0, r.output
    return tmp_path / "acc" / "scorecard.db"


def test_store_types_keys_and_views(acc_db):
    db = sqlite_utils.Database(acc_db)
    types = {c.name: c.type for c in db["results"].columns}
    # exact text of record, and a REAL companion to sort by
    assert types["payout"] == "TEXT" and types["payout_num"] == "REAL"
    assert types["score"] == "TEXT" and types["score_num"] == "REAL"
    assert types["rank"] == "INTEGER" and types["eligible"] == "INTEGER"
    assert {c.name: c.type for c in db["items"].columns}["points_num"] == "REAL"
    assert {c.name: c.type for c in db["explanations"].columns}["points_num"] == "REAL"
    # stored as numbers, not as text that looks like one
    assert {r["t"] for r in db.query("SELECT typeof(payout_num) t FROM results")} == {"real"}
    # sorting by the companion is numeric: as text '990.00' > '1960.00'
    top = list(db.query("SELECT payout, payout_num FROM results WHERE run_id = 1 "
                        "ORDER BY payout_num DESC LIMIT 2"))
    assert top[0]["payout"] == "1960.00" and top[0]["payout_num"] == 1960.0
    as_text = list(db.query("SELECT payout FROM results WHERE run_id = 1 "
                            "ORDER BY payout DESC LIMIT 1"))
    assert as_text[0]["payout"] != "1960.00"  # why the companion exists
    # foreign keys, as sqlite-utils (and datasette) read them
    # (a run link for datasette, and the compound key to the employee's result row)
    fks = {(fk.table, fk.columns, fk.other_table, fk.other_columns)
           for t in ("results", "items", "explanations") for fk in db[t].foreign_keys}
    assert fks == {(t, ("run_id",), "runs", ("id",)) for t in ("results", "items",
                                                               "explanations")} | {
        (t, ("run_id", "employee_id"), "results", ("run_id", "employee_id"))
        for t in ("items", "explanations")}
    # the view: only the newest run of the rule set and period
    assert "latest_results" in db.view_names()
    rows = list(db.query("SELECT * FROM latest_results"))
    assert {r["run_id"] for r in rows} == {2}
    assert len(rows) == db.execute("SELECT count(*) FROM results WHERE run_id = 2").fetchone()[0]
    assert {(r["org"], r["ruleset_site"], r["period"]) for r in rows} == {
        ("test-contact-centre", "main", "2026-10")}


def test_result_hash_ignores_the_companions(acc_db):
    # a run read back from the store, companions and all, still hashes to its stored hash
    store = Store(acc_db)
    run = store.run(1)
    results = store.results(1)
    assert "payout_num" in results[0]
    assert result_hash(results, store.items(1)) == run["result_hash"]


def test_keys_are_enforced(acc_db):
    store = Store(acc_db)
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("INSERT INTO items (run_id, employee_id, item_id) "
                           "VALUES (99, 'NOBODY', 'x')")


def test_an_older_store_gains_the_columns_and_views(tmp_path):
    # a store written before the companions existed: its rows keep NULL there (runs are
    # immutable), new runs get them
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE runs (id INTEGER PRIMARY KEY, created_at TEXT, org TEXT, site TEXT,
            bundle TEXT, dataset TEXT, period TEXT, ruleset_path TEXT, ruleset_text TEXT,
            ruleset_hash TEXT, data_fingerprint TEXT, plugins TEXT, scorecard_version TEXT,
            ledger INTEGER, result_hash TEXT, same_as INTEGER, employees INTEGER, label TEXT);
        CREATE TABLE results (run_id INTEGER, employee_id TEXT, score TEXT, payout TEXT,
            PRIMARY KEY (run_id, employee_id)) WITHOUT ROWID;
        INSERT INTO runs (id, org, site, dataset, period) VALUES (1, 'o', 's', 'd', '2026-10');
        INSERT INTO results VALUES (1, 'E1', '80.00', '800.00');
    """)
    con.commit()
    con.close()
    Store(path)
    db = sqlite_utils.Database(path)
    assert "payout_num" in {c.name for c in db["results"].columns}
    assert list(db.query("SELECT employee_id, payout, payout_num FROM latest_results")) == [
        {"employee_id": "E1", "payout": "800.00", "payout_num": None}]
