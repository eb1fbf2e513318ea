"""Exposure and opening the store (issue 14): files holding pay are 0600, one organisation's
rule set never shows another's runs, dataset keys do not collide, and a --db that cannot be a
store is an error (exit 2), never a traceback nor a new empty database."""

import json
import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner
from test_store_tamper import make_ruleset

from scorecard.cli import cli
from scorecard.errors import ScorecardError
from scorecard.private import open_private, private_output, write_private
from scorecard.ruleset import load_ruleset
from scorecard.store import Store


def cli_run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_store_and_its_wal_and_shm_are_owner_only(tmp_path):
    old = os.umask(0o022)  # the usual umask: files would be 0644
    try:
        cfg = make_ruleset(tmp_path / "t")
        store = Store(tmp_path / "t" / "scorecard.db")
        with store.transaction() as conn:  # a write: -wal and -shm exist while it is open
            conn.execute("CREATE TABLE probe (x)")
        for name in ("scorecard.db", "scorecard.db-wal", "scorecard.db-shm"):
            assert mode(tmp_path / "t" / name) == 0o600, name
        store.conn.close()
        assert cli_run("evaluate", "-c", cfg, "-p", "2026-10").exit_code == 0
        assert mode(tmp_path / "t" / "scorecard.db") == 0o600
    finally:
        os.umask(old)


def test_private_helpers_create_owner_only_files(tmp_path):
    old = os.umask(0o022)
    try:
        write_private(tmp_path / "a.csv", "pay\n")
        with open_private(tmp_path / "b.html", "w", encoding="utf-8") as f:
            f.write("<p>pay</p>")
        (tmp_path / "c.txt").write_text("old")
        os.chmod(tmp_path / "c.txt", 0o644)
        with open_private(tmp_path / "c.txt", "w") as f:  # an existing file is tightened
            f.write("new")
        with private_output(tmp_path / "d.xlsx") as tmp:
            tmp.write_bytes(b"PK")
        with pytest.raises(RuntimeError), private_output(tmp_path / "e.xlsx") as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the writer failed")
    finally:
        os.umask(old)
    for name in ("a.csv", "b.html", "c.txt", "d.xlsx"):
        assert mode(tmp_path / name) == 0o600, name
    assert (tmp_path / "c.txt").read_text() == "new"
    assert not (tmp_path / "e.xlsx").exists()  # nothing half written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.html", "c.txt", "d.xlsx"]


@pytest.fixture
def two_orgs(tmp_path):
    """One store holding a run of org "alpha" (run 1) and of org "beta" (run 2)."""
    db = tmp_path / "shared.db"
    a = make_ruleset(tmp_path / "a", org="alpha")
    b = make_ruleset(tmp_path / "b", org="beta")
    for cfg in (a, b):
        r = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--db", db)
        assert r.exit_code == 0, r.output
    return a, b, db


def test_report_of_another_organisations_run_is_refused(two_orgs):
    a, b, db = two_orgs
    r = cli_run("report", "-c", a, "--db", db, "--run", 2)
    assert r.exit_code == 2
    assert "run 2 belongs to another organisation, not to 'alpha'" in r.output
    assert "beta" not in r.output  # not even its name
    e = cli_run("explain", "E1", "-c", a, "--db", db, "--run", 2)
    assert e.exit_code == 2 and "belongs to another organisation" in e.output
    own = cli_run("report", "-c", a, "--db", db, "--run", 1)
    assert own.exit_code == 0, own.output
    # without a rule set the store's owner sees every run, as before
    assert cli_run("report", "--db", db, "--run", 2).exit_code == 0


def test_runs_lists_only_the_rule_sets_org_and_site(two_orgs):
    a, b, db = two_orgs
    ra = cli_run("runs", "-c", a, "--db", db)
    assert ra.exit_code == 0
    assert "alpha" in ra.output and "beta" not in ra.output
    everything = cli_run("runs", "--db", db)
    assert "alpha" in everything.output and "beta" in everything.output
    allorgs = cli_run("report", "--db", db, "--all-orgs", "--format", "json")
    assert [r["org"] for r in json.loads(allorgs.stdout)] == ["alpha", "beta"]


def test_another_site_of_the_same_org_is_refused_too(tmp_path):
    db = tmp_path / "shared.db"
    a = make_ruleset(tmp_path / "a", org="same")
    b = make_ruleset(tmp_path / "b", org="same")
    b.write_text(b.read_text().replace('site = "main"', 'site = "north"'))
    for cfg in (a, b):
        assert cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--db", db).exit_code == 0
    r = cli_run("report", "-c", a, "--db", db, "--run", 2)
    assert r.exit_code == 2 and "run 2 belongs to another site ('north')" in r.output


def test_dataset_keys_of_similar_names_do_not_collide(tmp_path):
    """Names flattened to the same slug keep their own source tables (and data)."""
    a = make_ruleset(tmp_path / "a", org="automotive-contact-centre")
    b = make_ruleset(tmp_path / "b", org="automotive contact centre")
    # b's data differs: E1 has 10 in October
    (tmp_path / "b" / "events.csv").write_text("employee_id,at,n\nE1,2026-10-01 09:00,10\n",
                                               encoding="utf-8")
    ra, rb = load_ruleset(a), load_ruleset(b)
    assert ra.dataset != rb.dataset
    assert ra.dataset.startswith("automotive_contact_centre_main_")  # readable, + a hash
    db = tmp_path / "shared.db"
    out = {}
    for cfg in (a, b, a):  # a again after b was ingested: a's own tables, unchanged
        r = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--db", db, "--format", "json")
        assert r.exit_code == 0, r.output
        out[cfg] = {x["employee_id"]: x["score"] for x in json.loads(r.stdout)["results"]}
    assert out[a] == {"E1": "7.00", "E2": "5.00"}  # 3 + 4; 5
    assert out[b] == {"E1": "10.00", "E2": None}  # E2 has no row in b: no activity, unscored


@pytest.mark.parametrize("command", [["runs"], ["report"], ["explain", "E1"], ["verify"]])
def test_read_only_commands_do_not_create_a_missing_store(tmp_path, command):
    db = tmp_path / "scorcard.db"  # mistyped
    r = cli_run(*command, "--db", db)
    assert r.exit_code == 2, r.output
    assert f"{db}: no such store; check --db" in r.output
    assert not db.exists()


def test_db_that_cannot_be_a_store(tmp_path):
    cfg = make_ruleset(tmp_path / "t")
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    cases = {
        tmp_path: "is a directory",  # said by --db's option, or by the store itself
        tmp_path / "missing" / "s.db": f"the directory {tmp_path / 'missing'} does not exist",
        "/etc/passwd": "/etc/passwd: not a SQLite database",
        text: f"{text}: not a SQLite database",
    }
    for db, message in cases.items():
        for args in (["evaluate", "-c", cfg, "-p", "2026-10"], ["ingest", "-c", cfg],
                     ["runs"]):
            r = cli_run(*args, "--db", db)
            assert r.exit_code == 2, (db, args, r.output)
            assert message in r.output, (db, args, r.output)
            assert "Traceback" not in r.output
    assert text.read_text() == "not a database\n"
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ScorecardError, match="is a directory; --db names the database file"):
        Store(tmp_path)  # the library says it too (for callers that are not the CLI)


def test_a_sqlite_file_that_is_not_a_store_is_left_alone(tmp_path):
    other = tmp_path / "crm.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (id)")
    conn.commit()
    conn.close()
    cfg = make_ruleset(tmp_path / "t")
    r = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--db", other)
    assert r.exit_code == 2
    assert "a SQLite database, but not a scorecard store (it has customers" in r.output
    conn = sqlite3.connect(other)
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == ["customers"]
    conn.close()
