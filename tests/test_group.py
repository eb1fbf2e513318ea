"""Group runs (docs/scale.md): every site one task, in this process, in worker processes
(--workers) or on a Dask cluster (a real ``distributed.LocalCluster`` of 2 worker processes on
127.0.0.1, started once for the module, bounded in time and closed at the end, its processes
checked gone). Every store a parallel or distributed run writes is compared, table by table and
row by row, with the store a serial run writes; a site with bad data fails with its own error
while the others are stored; workers with other plugins are refused."""

import importlib.util
import json
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

# the group generator builds dealer sites from the after-sales and automotive bundles' own rule
# sets and sample generators: core tests without the bundles installed skip this module
pytest.importorskip("scorecard_aftersales", reason="group runs are tested on generated sites of "
                    "the after-sales and automotive bundles: pip install -e ./orgs/after-sales-csi")
pytest.importorskip("scorecard_automotive", reason="group runs are tested on generated sites of "
                    "the automotive bundle: pip install -e ./orgs/automotive-contact-centre")

from scorecard import engine, group
from scorecard.cli import cli
from scorecard.errors import ScorecardError

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("groupgen", ROOT / "benchmarks" / "groupgen.py")
groupgen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(groupgen)

TIMEOUT = 120  # seconds: a Dask run that takes longer fails its sites instead of hanging


@pytest.fixture(scope="module")
def dealers(tmp_path_factory):
    """Four after-sales dealers × 8 staff; the third has a rating of 9 on a 1..5 scale."""
    out = tmp_path_factory.mktemp("group")
    configs = [str(c) for c in groupgen.generate_group(out, sites=4, staff=8)]
    bad = Path(configs[2]).parent / "data" / "surveys.csv"
    lines = bad.read_text(encoding="utf-8").count("\n")
    with open(bad, "a", encoding="utf-8") as f:
        f.write("Q99999,S001,2026-10-05 10:00,9,4,4,4,4\n")
    return out, configs, lines + 1  # the bad row's line number in surveys.csv


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "20s"}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster, timeout=20) as client:
            pids = list(client.run(os.getpid).values())
        assert len(pids) == 2
        yield cluster.scheduler_address
    finally:
        cluster.close(timeout=30)
    # nothing left behind: the worker processes are gone
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


def _alive(pid) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def dump(db) -> dict:
    """Every table a group run writes, rows in key order, without the wall-clock columns."""
    con = sqlite3.connect(db)
    out = {}
    for table, order in (("runs", "id"), ("results", "run_id, employee_id"),
                         ("items", "run_id, employee_id, item_id"),
                         ("explanations", "run_id, employee_id, seq"),
                         ("group_runs", "id"), ("group_sites", "group_id, ord")):
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [table]).fetchone():
            continue
        cur = con.execute(f"SELECT * FROM {table} ORDER BY {order}")
        cols = [d[0] for d in cur.description]
        out[table] = [{c: v for c, v in zip(cols, row, strict=True) if c != "created_at"}
                      for row in cur]
    con.close()
    return out


@pytest.fixture(scope="module")
def serial(dealers, tmp_path_factory):
    """The reference: the group run serially, in this process."""
    _, configs, _ = dealers
    db = tmp_path_factory.mktemp("serial") / "group.db"
    run = group.run_group(configs, "2026-10", workers=1, db=db)
    assert run.executor == "this process"
    return db, run


def test_serial_run_stores_the_good_sites_and_reports_the_bad_one(dealers, serial):
    _, configs, line = dealers
    db, run = serial
    assert [o["ok"] for o in run.outcomes] == [True, True, False, True]
    bad = run.outcomes[2]
    assert "surveys.csv:" + str(line) in bad["error"] and "attitude" in bad["error"]
    assert bad["exit_code"] == 2 and run.exit_code == 2
    d = dump(db)
    # three runs, ids in the order the sites were given (1, 2, 3 for d0001, d0002, d0004)
    assert [(r["id"], r["site"]) for r in d["runs"]] == [(1, "d0001"), (2, "d0002"),
                                                         (3, "d0004")]
    assert all(r["employees"] == 8 and r["ledger"] == 1 for r in d["runs"])
    assert len(d["results"]) == 3 * 8
    assert d["group_runs"] == [{"id": 1, "period": "2026-10", "sites": 4, "failed": 1,
                                "label": None}]
    assert [(s["site"], s["status"], s["run_id"]) for s in d["group_sites"]] == [
        ("d0001", "ok", 1), ("d0002", "ok", 2), (None, "failed", None), ("d0004", "ok", 3)]
    assert "attitude" in d["group_sites"][2]["error"]


def test_a_site_run_stores_what_evaluate_stores(dealers, serial, tmp_path):
    """The group's run of a site is the run `scorecard evaluate` stores: same results, items,
    ledger, result hash, rule-set hash and data fingerprint."""
    _, configs, _ = dealers
    db = tmp_path / "one.db"
    r = CliRunner().invoke(cli, ["evaluate", "-c", configs[1], "-p", "2026-10", "--db", str(db),
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    one, grp = dump(db), dump(serial[0])
    keys = ("ruleset_path", "ruleset_hash", "ruleset_text", "data_fingerprint", "result_hash",
            "plugins", "employees", "org", "site", "dataset")
    assert {k: one["runs"][0][k] for k in keys} == {k: grp["runs"][1][k] for k in keys}
    for table in ("results", "items", "explanations"):
        mine = [{k: v for k, v in row.items() if k != "run_id"} for row in grp[table]
                if row["run_id"] == 2]
        theirs = [{k: v for k, v in row.items() if k != "run_id"} for row in one[table]]
        assert mine == theirs and theirs, table


def test_worker_processes_store_what_a_serial_run_stores(dealers, serial, tmp_path):
    _, configs, _ = dealers
    run = group.run_group(configs, "2026-10", workers=2, db=tmp_path / "p.db")
    assert run.executor == "2 worker processes"
    assert dump(tmp_path / "p.db") == dump(serial[0])


def test_a_local_dask_cluster_stores_what_a_serial_run_stores(dealers, serial, scheduler,
                                                               tmp_path):
    _, configs, _ = dealers
    run = group.run_group(configs, "2026-10", scheduler=scheduler, db=tmp_path / "d.db",
                          timeout=TIMEOUT)
    assert run.executor.startswith("dask")
    assert [o["ok"] for o in run.outcomes] == [True, True, False, True]
    assert dump(tmp_path / "d.db") == dump(serial[0])
    # shipped as bytes: the same store, and the error names the caller's file, not a temp one
    run = group.run_group(configs, "2026-10", scheduler=scheduler, db=tmp_path / "s.db",
                          ship_data=True, timeout=TIMEOUT)
    assert dump(tmp_path / "s.db") == dump(serial[0])
    assert str(Path(configs[2]).parent / "data" / "surveys.csv") in run.outcomes[2]["error"] \
        or "surveys.csv:" in run.outcomes[2]["error"]
    assert "scorecard-site-" not in run.outcomes[2]["error"]


def test_json_is_the_same_whatever_runs_it(dealers, serial, scheduler):
    _, configs, _ = dealers
    texts = []
    for how in (["--workers", "1"], ["--workers", "2"], ["--scheduler", scheduler]):
        r = CliRunner().invoke(cli, ["sites", *configs, "-p", "2026-10", "--format", "json",
                                     *how])
        assert r.exit_code == 2, r.output
        texts.append(r.stdout)
    assert texts[0] == texts[1] == texts[2]
    data = json.loads(texts[0])
    assert [s["site"] for s in data["sites"]] == ["d0001", "d0002", "d0004"]
    assert data["failed"][0]["config"] == configs[2]
    assert "attitude" in data["failed"][0]["error"]
    # the same numbers the stored runs hold: d0001's 8 scores, their mean
    scores = [r["score"] for r in dump(serial[0])["results"] if r["run_id"] == 1]
    assert data["sites"][0]["headcount"] == 8 and len(scores) == 8


def test_every_format_holds_the_good_sites_and_names_the_failed_one(dealers, tmp_path):
    _, configs, _ = dealers
    r = CliRunner().invoke(cli, ["sites", *configs, "-p", "2026-10", "-w", "1"])
    assert r.exit_code == 2
    for site in ("d0001", "d0002", "d0004"):
        assert f"\n{site} " in r.stdout
    assert "FAILED: 1 site(s)" in r.stdout and configs[2] in r.stdout
    out = tmp_path / "g.html"
    r = CliRunner().invoke(cli, ["sites", *configs, "-p", "2026-10", "-w", "1", "--format",
                                 "html", "-o", str(out)])
    assert r.exit_code == 2
    html = out.read_text(encoding="utf-8")
    assert "Failed sites (1)" in html and "d0004" in html and "attitude" in html


def test_sites_from_a_pattern_or_a_folder(dealers):
    out, configs, _ = dealers
    assert group.expand_sites([str(out / "dealers" / "*" / "scorecard.toml")]) == configs
    assert group.expand_sites([str(out / "dealers")]) == configs
    with pytest.raises(ScorecardError, match="no rule set matches"):
        group.expand_sites([str(out / "nowhere" / "*" / "scorecard.toml")])


def test_progress_lines_only_when_asked_or_on_a_terminal(dealers):
    _, configs, _ = dealers
    two = [configs[0], configs[1]]
    r = CliRunner().invoke(cli, ["sites", *two, "-p", "2026-10", "-w", "1"])
    assert r.exit_code == 0 and r.stderr == ""  # CliRunner's stderr is not a terminal
    r = CliRunner().invoke(cli, ["sites", *two, "-p", "2026-10", "-w", "1", "--progress"])
    assert "[1/2] " in r.stderr and "[2/2] " in r.stderr and "d0002 ok" in r.stderr
    assert "2 site(s) evaluated, 0 failed" in r.stderr
    assert "[1/2]" not in r.stdout


def test_workers_with_other_plugins_are_refused(dealers, scheduler, monkeypatch):
    _, configs, _ = dealers
    real = group.environment()
    fake = json.loads(json.dumps(real))
    fake["plugins"]["after-sales-csi"] = "9.9.9"
    # this process believes it has after-sales-csi 9.9.9; the workers report their own
    monkeypatch.setattr(group, "environment", lambda: fake)
    with pytest.raises(ScorecardError) as e:
        group.run_group(configs, "2026-10", scheduler=scheduler, timeout=TIMEOUT)
    msg = e.value.message
    assert "Dask worker tcp://127.0.0.1:" in msg
    assert f"plugin 'after-sales-csi' is 9.9.9 here, {real['plugins']['after-sales-csi']} " \
           f"there" in msg


def test_a_task_checks_its_worker_plugins_too(dealers):
    """A worker that joins after the check still refuses the task (the site fails, named)."""
    _, configs, _ = dealers
    fake = group.environment()
    fake["plugins"]["extra-metrics"] = "1.0"
    o = group.run_site(group.SiteTask(0, configs[0], "2026-10", False, fake))
    assert not o["ok"] and o["exit_code"] == 2
    assert "plugin 'extra-metrics' (1.0) is not installed there" in o["error"]


def test_scheduler_without_dask_says_how_to_install_it(dealers, monkeypatch):
    _, configs, _ = dealers
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    r = CliRunner().invoke(cli, ["sites", configs[0], "-p", "2026-10", "--scheduler",
                                 "tcp://127.0.0.1:8786"])
    assert r.exit_code == 2
    assert "pip install 'scorecard[dask]'" in r.output


def test_the_group_is_stored_all_or_nothing(dealers, tmp_path, monkeypatch):
    _, configs, _ = dealers
    real, calls = engine.record_rows, []

    def breaks_on_the_second_site(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*a, **k)

    monkeypatch.setattr(engine, "record_rows", breaks_on_the_second_site)
    db = tmp_path / "g.db"
    with pytest.raises(OSError):
        group.run_group([configs[0], configs[1]], "2026-10", workers=1, db=db)
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM group_runs").fetchone() == (0,)


def test_group_rows_are_immutable(serial):
    con = sqlite3.connect(serial[0])
    for sql in ("UPDATE group_sites SET status = 'ok'", "DELETE FROM group_runs"):
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            con.execute(sql)


def test_one_rule_set_compared_with_many_sites(dealers, scheduler):
    """compare A B1 B2 ...: each pair one task; serial, processes and Dask give the same
    comparisons; the broken site's comparison fails alone (its own data is read: --data b)."""
    from scorecard.compare import many_as_dict, render_many_text

    _, configs, line = dealers
    a = configs[0]
    outs = [many_as_dict(a, "2026-10", group.run_group(configs[1:], "2026-10", data="b",
                                                       compare_with=a, **kw))
            for kw in ({"workers": 1}, {"workers": 2},
                       {"scheduler": scheduler, "timeout": TIMEOUT})]
    assert outs[0] == outs[1] == outs[2]
    d = outs[0]
    assert [s["site"] for s in d["summary"]] == ["d0002", "d0004"]
    assert d["failed"][0]["config"] == configs[2]
    assert f"surveys.csv:{line}" in d["failed"][0]["error"]
    # d0002 vs d0001's rules on d0002's data: the two rule sets are the same (neither is a
    # fifth site), so nothing changes; d0005 would differ by its 28-day window
    assert d["summary"][0]["changed"] == 0 and d["summary"][0]["payout_delta"] in ("0", "0.00")
    assert d["comparisons"][0]["a"] == a and d["comparisons"][0]["b"] == configs[1]
    run = group.run_group(configs[1:], "2026-10", data="b", compare_with=a, workers=1)
    assert "FAILED: 1 comparison(s)" in render_many_text(a, run)


def test_compare_command_with_many_sites(dealers, tmp_path):
    _, configs, _ = dealers
    r = CliRunner().invoke(cli, ["compare", configs[0], *configs[1:], "-p", "2026-10", "--data",
                                 "b", "--format", "json", "-w", "2"])
    assert r.exit_code == 2, r.output
    d = json.loads(r.stdout)
    assert [s["b"] for s in d["summary"]] == [configs[1], configs[3]]
    assert [f["config"] for f in d["failed"]] == [configs[2]]
    r = CliRunner().invoke(cli, ["compare", configs[0], *configs[1:], "-p", "2026-10", "--data",
                                 "b", "--format", "csv", "-w", "1"])
    lines = r.stdout.splitlines()
    # one row per employee of the two comparisons that worked (8 staff each), B first
    assert lines[0].startswith("b,employee_id,") and len(lines) == 1 + 2 * 8
    out = tmp_path / "c.html"
    r = CliRunner().invoke(cli, ["compare", configs[0], *configs[1:], "-p", "2026-10", "--data",
                                 "b", "--format", "html", "-o", str(out), "-w", "1"])
    html = out.read_text(encoding="utf-8")
    assert "Failed (1)" in html and 'data-chart="payout-delta-per-head"' in html
    # two rule sets: compare as before (no summary, no group)
    r = CliRunner().invoke(cli, ["compare", configs[0], configs[1], "-p", "2026-10", "--format",
                                 "json"])
    assert r.exit_code == 0 and "summary" not in json.loads(r.stdout)


def test_the_generator_also_makes_contact_centres(tmp_path):
    """groupgen's automotive shape: each site its own agents and contacts, the fifth site with
    its own satisfaction target; every site evaluates."""
    pytest.importorskip("scorecard_automotive")
    configs = groupgen.generate_group(tmp_path, sites=5, staff=4, shape="automotive")
    assert 'score = { target = 85 }' in configs[4].read_text(encoding="utf-8")
    run = group.run_group([str(tmp_path / "dealers")], "2026-10", workers=1)
    assert [o["ok"] for o in run.outcomes] == [True] * 5, run.failed
    assert [o["summary"]["headcount"] for o in run.outcomes] == [4] * 5
    # the same seed writes the same files
    again = groupgen.generate_group(tmp_path / "again", sites=2, staff=4, shape="automotive")
    for a, b in zip(configs[:2], again, strict=True):
        for f in ("contacts.csv", "employees.csv"):
            assert (a.parent / "data" / f).read_bytes() == (b.parent / "data" / f).read_bytes()
