"""Completeness gates (scorecard.completeness and `evaluate`): quarantined rows make a run
incomplete (not publishable without a stated reason), a period the data covers only in part is
one warning and a `partial` run, `require_coverage` stops it, a closed period is refused.
The rule set and data are test_pay_cycle's (numbers worked out there)."""

from click.testing import CliRunner
from test_pay_cycle import CONTACTS, EMPLOYEES, LAPSES, RULESET

from scorecard import completeness, cycle
from scorecard.cli import cli
from scorecard.store import Store
from scorecard.testing import write_files


def setup(tmp_path, ruleset=RULESET, **over):
    files = {"scorecard.toml": ruleset, "employees.csv": EMPLOYEES, "contacts.csv": CONTACTS,
             "lapses.csv": LAPSES}
    files.update({f"{k}.csv": v for k, v in over.items()})
    write_files(tmp_path, files)
    return str(tmp_path / "scorecard.toml")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_quarantined_rows_make_the_run_incomplete(tmp_path):
    # three bad lapse rows: line 23 an impossible date (its period cannot be told: counted),
    # line 24 an unknown employee in August (counted), line 25 an unknown employee in July
    # (another period: not counted) → 2 rows may belong to August
    bad = LAPSES + ("E1,2026-08-32 09:00,greeting\nE9,2026-08-10 09:00,thanks\n"
                    "E9,2026-07-10 09:00,thanks\n")
    cfg = setup(tmp_path, lapses=bad)
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 2 and "--quarantine" in r.output  # the hint names a real option
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08", "--quarantine", "--format", "csv")
    assert r.exit_code == 0, r.output
    # the good rows are scored as before: E1 89, E2 90 (the bad rows are set aside)
    assert "E1,Ann,agent,junior,89.00,B,890.00" in r.stdout
    assert "warning: 2 row(s) set aside by --quarantine may belong to 2026-08 (lapses 2; e.g. " \
           "lapses.csv:23: " in r.stderr
    assert r.stderr.count("set aside by --quarantine") == 1
    c = completeness.for_run(Store(tmp_path / "scorecard.db"), 1)
    assert (c["status"], c["quarantined"]) == ("incomplete", 2)
    assert [s["quarantined"] for s in c["sources"]] == [0, 2]
    # runs and explain say what the run stands on
    r = invoke("runs", "-c", cfg)
    assert "incomplete; data 2026-08-03 .. 2026-08-31 (21/21 working days); 2 row(s) " \
           "quarantined; 1 with no activity" in r.output
    r = invoke("explain", "E1", "-c", cfg, "-p", "2026-08")
    assert "data: incomplete; " in r.output
    r = invoke("publish", "-c", cfg, "-p", "2026-08", "--by", "Li")
    assert r.exit_code == 2
    assert "run 1 is incomplete: 2 row(s) set aside by --quarantine may belong to 2026-08; it " \
           "can be inspected but not published" in r.output
    r = invoke("publish", "-c", cfg, "-p", "2026-08", "--by", "Li", "--accept-incomplete",
               "E9 left in July; the bad date is a duplicate")
    assert r.exit_code == 0, r.output
    pub = cycle.period_status(Store(tmp_path / "scorecard.db"), _rs(cfg), "2026-08").publication
    assert pub["reason"] == "E9 left in July; the bad date is a duplicate"


def _rs(cfg):
    from scorecard.ruleset import load_ruleset

    return load_ruleset(cfg)


def test_partial_month_is_one_warning_and_marked(tmp_path):
    # contacts only on Mon 08-03 .. Wed 08-05: August 2026 has 21 working days (no holiday;
    # weekdays 3–7, 10–14, 17–21, 24–28, 31), the data covers 3 of them: 3/21 = 14.3 %
    short = "employee_id,at\nE1,2026-08-03 09:00\nE2,2026-08-05 10:00\n"
    cfg = setup(tmp_path, contacts=short)
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 0, r.output
    assert "warning: partial data: the data covers 2026-08-03 .. 2026-08-05: 3 of 21 working " \
           "days of 2026-08 (14.3 %); the run is marked partial" in r.stderr
    c = completeness.for_run(Store(tmp_path / "scorecard.db"), 1)
    assert (c["status"], c["coverage"], c["covered_days"]) == ("partial", "1/7", 3)


def test_rows_spilling_over_the_boundary_are_partial(tmp_path):
    # September: only E3's contact on Tue 09-01. September 2026 has 22 working days (30 − 7
    # weekend days − Mid-Autumn 09-25; Sun 09-20 is a make-up working day): 1/22 = 4.5 %
    cfg = setup(tmp_path)
    r = invoke("evaluate", "-c", cfg, "-p", "2026-09")
    assert r.exit_code == 0, r.output
    assert "the data covers 2026-09-01 .. 2026-09-01: 1 of 22 working days of 2026-09 (4.5 %)" \
        in r.stderr
    assert "note: 2 employee(s) with no activity in 2026-09: E1, E2" in r.stderr


def test_require_coverage_stops_below_and_stores_nothing(tmp_path):
    text = RULESET.replace('period = "month"', 'period = "month"\nrequire_coverage = 0.9')
    short = "employee_id,at\nE1,2026-08-03 09:00\nE2,2026-08-05 10:00\n"
    cfg = setup(tmp_path, ruleset=text, contacts=short)
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 2
    assert "ruleset.require_coverage = 0.9: the data covers 2026-08-03 .. 2026-08-05: 3 of 21 " \
           "working days of 2026-08 (14.3 %), below 90 %; nothing was stored" in r.output
    assert Store(tmp_path / "scorecard.db").runs() == []
    # the full month (08-03 .. 08-31: every working day but none) passes
    setup(tmp_path, ruleset=text)
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 0, r.output
    assert "partial" not in r.stderr


def test_evaluate_prints_check_warnings_once(tmp_path):
    # bands with a gap are a check warning, not an error: evaluate runs and says it once
    text = RULESET.replace('{ grade = "A", min = 90 }, { grade = "B", min = 80 }, '
                           '{ grade = "C" }', '{ grade = "A", min = 90 }, { grade = "B", '
                           'min = 80 }, { grade = "C", min = 70 }')
    cfg = setup(tmp_path, ruleset=text)
    r = invoke("check", cfg)
    warnings = [ln for ln in r.output.splitlines() if ln.startswith("warning")]
    assert warnings
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 0, r.output
    for w in warnings:
        assert r.stderr.count(w.split(": ", 1)[1]) == 1


def test_evaluate_after_close_is_refused_until_reopened(tmp_path):
    cfg = setup(tmp_path)
    assert invoke("evaluate", "-c", cfg, "-p", "2026-08").exit_code == 0
    assert invoke("publish", "-c", cfg, "-p", "2026-08", "--by", "Li").exit_code == 0
    r = invoke("close", "-c", cfg, "-p", "2026-08", "--by", "Zhao")
    assert r.exit_code == 0, r.output
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 2
    assert "t / main 2026-08 was closed by Zhao at " in r.output
    assert len(Store(tmp_path / "scorecard.db").runs()) == 1  # no new run
    r = invoke("reopen", "-c", cfg, "-p", "2026-08", "--reason", "late export", "--by", "Zhao")
    assert r.exit_code == 0, r.output
    r = invoke("evaluate", "-c", cfg, "-p", "2026-08")
    assert r.exit_code == 0, r.output
    assert len(Store(tmp_path / "scorecard.db").runs()) == 2
