"""The ledger as evidence rows (scorecard.evidence): per-record lines kept as rows, rendered when
read, reading exactly as they did when each was formatted and stored one by one; sealed with the
run; shipped with a group run's rows; absent without the ledger."""

import json
import sqlite3
from fractions import Fraction

import pytest
from click.testing import CliRunner
from ledger_golden import EXPECTED, FIXTURE, MODES, ledger_text

from scorecard.cli import cli
from scorecard.engine import evaluate, evidence_rows, record, record_rows, result_rows, run_header
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store

EMPLOYEES = "employee_id,name,site,role,level\nE1,Ann,main,,junior\nE2,Bo,main,,junior\n"
# The test bundle's limits: phone 20 s, busy-period wait 5 min (busy_mode replace: the busy
# limit instead of the channel's); handling: simple 15 min from the first response.
#   B1 busy phone, waited 4 min (≤ 5 min: met)      B3 busy phone, 5 min 1 s > 5 min: breach
#   B4 phone, waited 21 s > 20 s: breach            B6 phone, 10 s, handled 16 min > 15 min
#   E2: one phone call answered in 5 s, handled in 5 min: no breach
CONTACTS = """\
contact_id,employee_id,channel,received_at,first_response_at,closed_at,complexity,busy,satisfied
B1,E1,phone,2026-10-05 09:00:00,2026-10-05 09:04:00,2026-10-05 09:10:00,simple,1,1
B3,E1,phone,2026-10-05 11:00:00,2026-10-05 11:05:01,2026-10-05 11:10:00,simple,1,1
B4,E1,phone,2026-10-05 12:00:00,2026-10-05 12:00:21,2026-10-05 12:10:00,simple,0,1
B6,E1,phone,2026-10-06 12:00:00,2026-10-06 12:00:10,2026-10-06 12:16:10,simple,0,1
C1,E2,phone,2026-10-05 12:00:00,2026-10-05 12:00:05,2026-10-05 12:05:05,simple,0,1
"""


@pytest.mark.parametrize("mode", MODES)
def test_whole_ledger_reads_as_before(tmp_path, contact_bundle, mode):
    """Every line of every employee of the test bundle's sample month (three busy modes, open
    ends added), in memory and as stored, against the ledger written by the code before
    (tests/fixtures/ledger, made by tests/ledger_golden.py)."""
    expected = (EXPECTED / f"contact_centre_{mode}.txt").read_text(encoding="utf-8")
    got = ledger_text(tmp_path, mode)
    assert got.splitlines() == expected.splitlines()


@pytest.fixture
def month(tmp_path, contact_bundle):
    d = tmp_path / "m"
    (d / "data").mkdir(parents=True)
    (d / "scorecard.toml").write_text((FIXTURE / "scorecard.toml").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    for name, text in {"employees.csv": EMPLOYEES, "contacts.csv": CONTACTS,
                       "qa_findings.csv": "employee_id,observed_at,item,count\n",
                       "supervisor_marks.csv": "employee_id,period,item,mark\n"}.items():
        (d / "data" / name).write_text(text, encoding="utf-8")
    return d


def cli_run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


BREACHES_E1 = [
    ("response_time", "contacts.csv:3", "response_time: B3 (busy-period wait) received "
     "2026-10-05 11:00:00, took ≈5.0167 min > limit 5 min: breach"),  # 301 s
    ("response_time", "contacts.csv:4", "response_time: B4 (phone answer) received "
     "2026-10-05 12:00:00, took 21 s > limit 20 s: breach"),
    ("handling_time", "contacts.csv:5", "handling_time: B6 (simple case) received "
     "2026-10-06 12:00:10, took 16 min > limit 15 min: breach"),
]


def test_breaches_are_evidence_rows_rendered_when_read(month):
    rs = load_ruleset(month / "scorecard.toml")
    store = Store(month / "scorecard.db")
    ev = evaluate(store, rs, Period.parse("2026-10"))
    e1, e2 = ev.result("E1"), ev.result("E2")
    # 2 response breaches (B3, B4), 1 handling breach (B6): 10 − 2 = 8 and 10 − 1 = 9
    assert (e1.item("response_time").measure.value, e1.points("response_time")) == (2, 8)
    assert (e1.item("handling_time").measure.value, e1.points("handling_time")) == (1, 9)
    # in memory: one placeholder per rule, the sentences when read
    assert sum(1 for ln in e1.lines if ln.text is None) == 2
    got = [(ln.rule, ln.ref, ln.text) for ln in e1.explained() if ln.text.endswith("breach")]
    assert got == BREACHES_E1
    record(store, ev)
    conn = store.conn
    # stored: one row per breach, with the source line, the id, the seconds taken and the limit
    assert conn.execute("SELECT employee_id, line, ref, value, lim, kind FROM evidence WHERE "
                        "run_id = ? ORDER BY grp, n", [ev.run_id]).fetchall() == [
        ("E1", 3, "B3", 301, 300, 0), ("E1", 4, "B4", 21, 20, 1), ("E1", 5, "B6", 960, 900, 0)]
    stored = [(ln["rule"], ln["ref"], ln["text"]) for ln in store.explanations(ev.run_id, "E1")]
    assert [x for x in stored if x[2].endswith("breach")] == BREACHES_E1
    assert [ln["seq"] for ln in store.explanations(ev.run_id, "E1")] == \
        list(range(1, len(stored) + 1))
    assert [x[2] for x in stored] == [ln.text for ln in e1.explained()]
    # an employee without a breach: placeholders that render nothing, no evidence row
    assert not [ln for ln in e2.explained() if "breach:" in ln.text or
                ln.text.endswith(": breach")]
    assert conn.execute("SELECT count(*) FROM evidence WHERE employee_id = 'E2'").fetchone() \
        == (0,)
    assert [ln["text"] for ln in store.explanations(ev.run_id, "E2")] == \
        [ln.text for ln in e2.explained()]
    assert any("0 breach(es) in 1 row(s)" in ln.text for ln in e2.explained())


def test_without_the_ledger_no_evidence_is_stored(month):
    r = cli_run("evaluate", "-c", month / "scorecard.toml", "-p", "2026-10", "--no-ledger")
    assert r.exit_code == 0, r.output
    conn = sqlite3.connect(month / "scorecard.db")
    assert conn.execute("SELECT count(*) FROM evidence").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM evidence_groups").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM explanations WHERE text IS NULL").fetchone() == \
        (0,)
    conn.close()


def _drop_triggers(conn):
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")\
            .fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')


@pytest.mark.parametrize("sql", [
    "UPDATE evidence SET value = 19 WHERE ref = 'B4'",  # 21 s made to look met
    "DELETE FROM evidence WHERE ref = 'B3'",
    "UPDATE evidence_groups SET args = replace(args, '20 s', '30 s')",
])
def test_a_tampered_evidence_row_is_reported(month, sql):
    cfg = month / "scorecard.toml"
    assert cli_run("evaluate", "-c", cfg, "-p", "2026-10").exit_code == 0
    db = month / "scorecard.db"
    conn = sqlite3.connect(db, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="immutable|sealed"):
        conn.execute(sql)  # refused while the triggers are there
    _drop_triggers(conn)
    conn.execute(sql)
    conn.close()
    ver = cli_run("verify", "--db", db)
    assert ver.exit_code == 1
    assert "its explanation lines were changed, added or removed (or the evidence rows " \
           "behind them)" in ver.output
    exp = cli_run("explain", "E1", "-c", cfg)
    assert exp.exit_code == 1 and "TAMPERED" in exp.output


def test_json_carries_evidence_as_data_and_sentences_on_request(month):
    cfg = month / "scorecard.toml"
    r = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--format", "json")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("\n") == 1  # compact: one line (docs/json.md)
    e1 = next(x for x in json.loads(r.stdout)["results"] if x["employee_id"] == "E1")
    assert e1["evidence"] == [
        {"rule": "response_time", "source": "contacts", "verdict": "breach",
         "columns": ["line", "ref", "at", "value", "limit", "case"],
         "rows": [[3, "B3", "2026-10-05 11:00:00", 301, 300, "busy-period wait"],
                  [4, "B4", "2026-10-05 12:00:00", 21, 20, "phone answer"]]},
        {"rule": "handling_time", "source": "contacts", "verdict": "breach",
         "columns": ["line", "ref", "at", "value", "limit", "case"],
         "rows": [[5, "B6", "2026-10-06 12:00:10", 960, 900, "simple case"]]}]
    e2 = next(x for x in json.loads(r.stdout)["results"] if x["employee_id"] == "E2")
    assert e2["evidence"] == []  # no breach, no counted row
    texts = [ln["text"] for ln in e1["explanation"]]
    # busy rows B1, B3 (1 over 5 min), phone rows B4, B6 (1 over 20 s)
    assert "response_time: 2 breach(es) in 4 row(s) — busy-period wait: 1/2 over 5 min; " \
           "phone answer: 1/2 over 20 s" in texts
    assert not [t for t in texts if t.endswith(": breach")]
    full = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--format", "json", "--ledger")
    assert full.exit_code == 0, full.output
    f1 = next(x for x in json.loads(full.stdout)["results"] if x["employee_id"] == "E1")
    assert "evidence" not in f1
    exp = cli_run("explain", "E1", "-c", cfg, "--format", "json")
    assert [ln["text"] for ln in f1["explanation"]] == \
        [ln["text"] for ln in json.loads(exp.stdout)["explanation"]]
    assert [(ln["rule"], ln["ref"], ln["text"]) for ln in f1["explanation"]
            if ln["text"].endswith(": breach")] == BREACHES_E1
    bad = cli_run("evaluate", "-c", cfg, "-p", "2026-10", "--ledger", "--no-ledger")
    assert bad.exit_code == 2 and "contradict" in bad.output


def test_evidence_travels_with_rows_made_in_another_store(month):
    """A group run's worker evaluates in an in-memory store and ships plain rows: the evidence
    goes with them and reads the same in the caller's store."""
    rs = load_ruleset(month / "scorecard.toml")
    mem = Store(":memory:")
    ev = evaluate(mem, rs, Period.parse("2026-10"))
    rows = result_rows(None, ev, ledger=True)
    shipped = json.loads(json.dumps(evidence_rows(ev, rows[2])))  # plain data, as pickled
    expected = {er.employee_id: [ln.text for ln in er.explained()] for er in ev.results}
    mem.conn.close()
    store = Store(month / "other.db")
    run_id = record_rows(store, run_header(rs), "2026-10", ev.fingerprints, rows,
                         evidence=shipped)[0]
    for eid, texts in expected.items():
        assert [ln["text"] for ln in store.explanations(run_id, eid)] == texts
    assert store.check_run(run_id) == []


FINDINGS_SRC = """
[sources.findings]
path = "findings.csv"
period_by = "at"
[sources.findings.columns]
employee_id = "str"
at = "timestamp"
case_id = "str?"
topic = "str"
weight = "decimal?"
n = "int"
"""
# line 2: ref F1, 1.50 kept as written; line 3: no case id (the ref reads "None", as the line
# always did); line 4: November, outside the period; line 5: E2's only row
FINDINGS = """\
employee_id,at,case_id,topic,weight,n
E1,2026-10-01 09:00,F1,tone,1.50,2
E1,2026-10-02 09:00,,hold "music",,1
E1,2026-11-01 09:00,F3,tone,1,1
E2,2026-10-03 09:00,F4,tone,2,1
"""


@pytest.mark.parametrize("sums, expected", [
    ("n", ["f: F1 ×2 (topic tone, weight 1.50)", 'f: None ×1 (topic hold "music", weight None)']),
    ("weight", ["f: F1 ×1.50 (topic tone, weight 1.50)",
                'f: None ×None (topic hold "music", weight None)']),
])
def test_counted_rows_are_evidence_rows_that_read_as_before(tmp_path, sums, expected):
    from blockkit import run

    card = f"""
[[scorecards.s.items]]
id = "f"
type = "count"
source = "findings"
sum_column = "{sums}"
ref_column = "case_id"
describe = ["topic", "weight"]
"""
    ev = run(tmp_path, FINDINGS_SRC, card, {"findings.csv": FINDINGS})
    e1 = ev.result("E1")
    assert e1.item("f").measure.value == (3 if sums == "n" else Fraction(3, 2))  # 2 + 1; 1.50
    got = [(ln.text, ln.ref) for ln in e1.explained() if ln.rule == "f" and ln.ref]
    assert got == [(expected[0], "findings.csv:2"), (expected[1], "findings.csv:3")]
    record(ev.store, ev)
    assert [ln["text"] for ln in ev.store.explanations(ev.run_id, "E1")] == \
        [ln.text for ln in e1.explained()]
    assert ev.store.conn.execute("SELECT count(*) FROM evidence WHERE run_id = ?",
                                 [ev.run_id]).fetchone() == (3,)  # E1's two rows, E2's one


def test_a_group_run_stores_the_same_ledger(month, tmp_path):
    """scorecard sites (run_group): the site is evaluated in an in-memory store and its rows
    shipped to the caller's store; its breaches read as an evaluation recorded in place."""
    from scorecard import group

    rs = load_ruleset(month / "scorecard.toml")
    here = Store(tmp_path / "here.db")
    ev = record(here, evaluate(here, rs, Period.parse("2026-10")))
    expected = {e: [ln["text"] for ln in here.explanations(ev.run_id, e)] for e in ("E1", "E2")}
    assert any(t.endswith(": breach") for t in expected["E1"])
    run = group.run_group([str(month / "scorecard.toml")], "2026-10", workers=1,
                          db=tmp_path / "group.db")
    assert [o["ok"] for o in run.outcomes] == [True]
    there = Store(tmp_path / "group.db")
    run_id = run.run_ids[0]
    assert {e: [ln["text"] for ln in there.explanations(run_id, e)] for e in expected} == \
        expected
    assert there.conn.execute("SELECT count(*) FROM evidence WHERE run_id = ?",
                              [run_id]).fetchone() == (3,)  # B3, B4, B6
    assert there.check_run(run_id) == []
