"""Annual roll-up, service star and history over stored monthly runs, computed by hand.

The month scores come straight from a recorded value (a ``lookup`` item) so each employee's twelve
scores are exactly what the test says; the roll-up then reads them back from the store like it
reads the bundle's runs.
"""

import json
from fractions import Fraction

from click.testing import CliRunner

from scorecard.annual import annual, history, stars
from scorecard.cli import cli
from scorecard.engine import evaluate, record
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store
from scorecard.testing import write_files

RULESET = """
[ruleset]
org = "annual-test"
period = "month"

[sources.employees]
path = "data/employees.csv"
key = "employee_id"
columns = { employee_id = "str", name = "str", site = "str?", role = "str" }

[sources.marks]
path = "data/marks.csv"
period_by = "period"

[sources.marks.columns]
employee_id = "str"
period = "period"
score = "decimal"
csi = "decimal?"
ftfr = "decimal?"
timeliness = "decimal?"

[scorecards.s]
[[scorecards.s.items]]
id = "csi"
type = "lookup"
in_total = false
source = "marks"
column = "csi"

[[scorecards.s.items]]
id = "ftfr"
type = "lookup"
in_total = false
source = "marks"
column = "ftfr"

[[scorecards.s.items]]
id = "timeliness"
type = "lookup"
in_total = false
source = "marks"
column = "timeliness"

[[scorecards.s.items]]
id = "month"
type = "lookup"
source = "marks"
column = "score"

[scorecards.s.annual]
excellent_pct = 10
excellent_min = 80
good_pct = 40
good_min = 70
most_share = 0.5
fail_pct = 10
fail_below = 60
consecutive = 3
total = "mean"
rank_round = "down"
missing = "no_grade"
star_tiebreak = ["csi", "ftfr", "timeliness"]
"""

# Twelve month scores each. G = 10 graded employees (E11 has no March score):
# cut(10 %) = floor(1.0) = 1, cut(40 %) = floor(4.0) = 4.
SCORES = {
    # mean (11×96 + 79)/12 = 1135/12 = 94.583…: rank 1 (top 10 %) but March 79 < 80 -> not
    # excellent; top 40 % and 12 of 12 ≥ 70 -> good
    "E01": [96, 96, 79] + [96] * 9,
    "E02": [90] * 12,  # mean 90, rank 2: good
    "E03": [85] * 12,  # mean 85, rank 3: good
    # mean (6×95 + 6×65)/12 = 80, rank 4 (top 40 %) but 6 of 12 ≥ 70 is not more than half: pass
    "E04": [95] * 6 + [65] * 6,
    "E05": [78] * 12,  # rank 5: outside the top 40 %: pass
    "E06": [77] * 12,
    "E07": [76] * 12,
    # 59, 59, 60 twice: 60 is not below 60, so never three in a row; mean (178 + 270)×2/12
    # = 74.666…, rank 8: pass
    "E09": [59, 59, 60, 90, 90, 90] * 2,
    # April-June 59, 59, 59.99: three consecutive below 60 -> fail although rank 9 is not in
    # the bottom 10 % (rank 2 from the bottom); mean (9×75 + 177.99)/12 = 71.0825
    "E08": [75, 75, 75, 59, 59, "59.99"] + [75] * 6,
    "E10": [65] * 12,  # mean 65: rank 10 = 1 from the bottom ≤ cut(10 %) = 1: fail
    "E11": [99, 99, None] + [99] * 9,  # no March score: no grade (missing = "no_grade")
}


def _write(tmp_path, scores=SCORES, extra_rows=()):
    emps = "employee_id,name,site,role\n" + "".join(f"{e},{e} name,main,advisor\n"
                                                    for e in scores)
    rows = ["employee_id,period,score,csi,ftfr,timeliness"]
    for e, vals in scores.items():
        for m, v in enumerate(vals, 1):
            if v is not None:
                rows.append(f"{e},2026-{m:02d},{v},,,")
    rows += list(extra_rows)
    write_files(tmp_path, {"scorecard.toml": RULESET, "data/employees.csv": emps,
                           "data/marks.csv": "\n".join(rows) + "\n"})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    return rs, Store(tmp_path / "scorecard.db")


def _run_months(rs, store, months=range(1, 13)):
    for m in months:
        record(store, evaluate(store, rs, Period.parse(f"2026-{m:02d}")))


def test_annual_grades(tmp_path):
    rs, store = _write(tmp_path)
    _run_months(rs, store)
    rep = annual(store, rs, 2026)
    grades = {r.employee_id: r.grade for r in rep.rows}
    assert grades == {"E01": "good", "E02": "good", "E03": "good", "E04": "pass",
                      "E05": "pass", "E06": "pass", "E07": "pass", "E08": "fail",
                      "E09": "pass", "E10": "fail", "E11": None}
    e01 = rep.row("E01")
    assert e01.total == Fraction(1135, 12) and e01.rank_top == 1
    e04 = rep.row("E04")
    assert e04.rank_top == 4 and "only 6 of 12 periods ≥ 70" in e04.reasons[-1]
    e08 = rep.row("E08")
    assert e08.total == Fraction("71.0825") and e08.rank_top == 9 and e08.rank_bottom == 2
    assert e08.reasons[-1] == ("fail: 3 consecutive periods below 60 (2026-04, 2026-05, "
                               "2026-06)")
    assert "within the bottom 10 % (rank 1 from the bottom ≤ 1 of 10)" in \
        rep.row("E10").reasons[-1]
    e11 = rep.row("E11")
    assert e11.total is None and e11.rank_top is None
    assert "2026-03 (no score in run 3 (no_activity))" in e11.reasons[0]
    assert rep.missing_periods == []


def test_excellent_needs_every_month_at_least_80(tmp_path):
    scores = dict(SCORES, E01=[96] * 12)  # same rank 1, no month below 80
    rs, store = _write(tmp_path, scores)
    _run_months(rs, store)
    r = annual(store, rs, 2026).row("E01")
    assert r.grade == "excellent"
    assert r.reasons[-1] == ("excellent: within the top 10 % (rank 1 ≤ 1) and every period ≥ 80")


def test_missing_month_in_the_store_is_reported_not_guessed(tmp_path):
    rs, store = _write(tmp_path)
    _run_months(rs, store, range(1, 12))  # December not evaluated
    rep = annual(store, rs, 2026)
    assert rep.missing_periods == ["2026-12"]
    assert all(r.grade is None for r in rep.rows)
    assert "2026-12 (no run)" in rep.row("E02").reasons[0]
    r = CliRunner().invoke(cli, ["annual", "-c", str(tmp_path / "scorecard.toml"),
                                 "--year", "2026", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "warning: no stored run for 2026-12" in r.stderr
    assert "different rule sets" not in r.stderr


def test_runs_made_with_different_rule_sets_are_noted(tmp_path):
    rs, store = _write(tmp_path)
    _run_months(rs, store, range(1, 7))
    text = (tmp_path / "scorecard.toml").read_text().replace("consecutive = 3",
                                                             "consecutive = 3  # changed")
    (tmp_path / "scorecard.toml").write_text(text)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    _run_months(rs, store, range(7, 13))
    rep = annual(store, rs, 2026)
    assert rep.mixed_rulesets and rep.row("E02").grade == "good"
    r = CliRunner().invoke(cli, ["annual", "-c", str(tmp_path / "scorecard.toml"),
                                 "--year", "2026"])
    assert r.exit_code == 0, r.output
    assert "note: the year's runs used different rule sets" in r.stderr
    assert "2026-01, 2026-02, 2026-03, 2026-04, 2026-05, 2026-06" in r.stderr


def test_evaluated_only_grades_from_the_months_there_are(tmp_path):
    rs, store = _write(tmp_path)
    text = (tmp_path / "scorecard.toml").read_text().replace('missing = "no_grade"',
                                                             'missing = "evaluated_only"')
    (tmp_path / "scorecard.toml").write_text(text)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    _run_months(rs, store)
    rep = annual(store, rs, 2026)
    e11 = rep.row("E11")
    # 11 months of 99: mean 99, rank 1 of G = 11; cut(10 %) = floor(1.1) = 1; every scored
    # month ≥ 80 -> excellent; March listed as not scored
    assert e11.total == 99 and e11.rank_top == 1 and e11.grade == "excellent"
    assert "not scored: 2026-03" in " ".join(e11.reasons)


def test_ties_and_rounding_up_in_a_small_group(tmp_path):
    scores = {"A": [90] * 12, "B": [90] * 12, "C": [70] * 12}
    rs, store = _write(tmp_path, scores)
    text = (tmp_path / "scorecard.toml").read_text().replace('rank_round = "down"',
                                                             'rank_round = "up"')
    (tmp_path / "scorecard.toml").write_text(text)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    _run_months(rs, store)
    rep = annual(store, rs, 2026)
    # G = 3: cut(10 %) = ceil(0.3) = 1; A and B tie at rank 1 -> both excellent;
    # C: rank 1 from the bottom ≤ ceil(0.3) = 1 -> fail
    assert [rep.row(e).grade for e in "ABC"] == ["excellent", "excellent", "fail"]
    # rounding down, nobody is in a 10 % group of 3 (floor(0.3) = 0): A and B are good (top
    # 40 %: floor(1.2) = 1, rank 1), C passes
    text = text.replace('rank_round = "up"', 'rank_round = "down"')
    (tmp_path / "scorecard.toml").write_text(text)
    rs = load_ruleset(tmp_path / "scorecard.toml")
    rep = annual(store, rs, 2026)
    assert [rep.row(e).grade for e in "ABC"] == ["good", "good", "pass"]


def test_star_ties_broken_by_csi_then_ftfr_then_timeliness(tmp_path):
    scores = {"A": [90], "B": [90], "C": [95.5], "D": [90]}
    rs, store = _write(tmp_path, {k: v for k, v in scores.items()})
    # rewrite January with tie-break values: C has the best score outright in January
    rows = ["employee_id,period,score,csi,ftfr,timeliness", "A,2026-01,90,85,80,",
            "B,2026-01,90,85,90,", "C,2026-01,89,99,99,", "D,2026-01,90,84,100,",
            "A,2026-02,90,85,90,100", "B,2026-02,90,85,90,100",
            # March: equal on score, CSI and FTFR; timeliness 99.99 < 100 decides (RULES.md
            # "star of the month": CSI, then first-time fix, then complaint timeliness)
            "A,2026-03,90,85,90,99.99", "B,2026-03,90,85,90,100", "D,2026-03,90,85,90,"]
    (tmp_path / "data/marks.csv").write_text("\n".join(rows) + "\n")
    _run_months(rs, store, [1, 2, 3])
    _, jan = stars(store, rs, Period.parse("2026-01"))
    # scores A = B = D = 90 > C 89; CSI A = B = 85 > D 84; FTFR B 90 > A 80: B is the star
    assert [r["employee_id"] for r in jan if r["star"]] == ["B"]
    assert [r["employee_id"] for r in jan] == ["B", "A", "D", "C"]
    _, feb = stars(store, rs, Period.parse("2026-02"))
    # A and B equal on score, CSI, FTFR and timeliness: they share the star
    assert [r["employee_id"] for r in feb if r["star"]] == ["A", "B"]
    _, mar = stars(store, rs, Period.parse("2026-03"))
    # timeliness B 100 > A 99.99 > D none (ranks last)
    assert [r["employee_id"] for r in mar] == ["B", "A", "D"]
    assert [r["employee_id"] for r in mar if r["star"]] == ["B"]
    r = CliRunner().invoke(cli, ["star", "-c", str(tmp_path / "scorecard.toml"), "-p",
                                 "2026-01", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [s["employee_id"] for s in json.loads(r.stdout)["stars"]] == ["B"]


def test_history_lists_each_period_latest_run_and_change(tmp_path):
    rs, store = _write(tmp_path)
    _run_months(rs, store, [1, 2, 3])
    _run_months(rs, store, [2])  # a second run of February: the latest one is shown
    h = history(store, rs, "E01")
    assert [(x["period"], x["run_id"], x["score"]) for x in h] == [
        ("2026-01", 1, "96.00"), ("2026-02", 4, "96.00"), ("2026-03", 3, "79.00")]
    # change from the previous month: 0, then 79 − 96 = −17
    assert [x["change"] for x in h] == [None, 0, -17]
    assert h[1]["runs_for_period"] == [2, 4]
    r = CliRunner().invoke(cli, ["history", "E11", "-c", str(tmp_path / "scorecard.toml"),
                                 "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("\ufeffperiod,run,earlier_runs,score,grade,change,status")
    assert lines[2].startswith("2026-02,4,2,99.00,")
    assert lines[3].startswith("2026-03,3,,,,,no_activity")
    r = CliRunner().invoke(cli, ["history", "E01", "-c", str(tmp_path / "scorecard.toml")])
    assert "2026-02  4 (earlier: 2)  96.00" in r.stdout
    r = CliRunner().invoke(cli, ["history", "NOBODY", "-c", str(tmp_path / "scorecard.toml")])
    assert r.exit_code == 2 and "no stored run" in r.output


def test_annual_table_is_validated(tmp_path):
    from scorecard.errors import RuleSetError

    write_files(tmp_path, {"scorecard.toml": RULESET.replace("excellent_pct = 10",
                                                             "excelent_pct = 10")})
    try:
        load_ruleset(tmp_path / "scorecard.toml")
        raise AssertionError("no error")
    except RuleSetError as e:
        assert "scorecards.s.annual.excelent_pct" in e.message
        assert "did you mean 'excellent_pct'" in e.message
    bad = RULESET.replace('["csi", "ftfr", "timeliness"]', '["cs"]')
    write_files(tmp_path, {"scorecard.toml": bad})
    try:
        load_ruleset(tmp_path / "scorecard.toml")
        raise AssertionError("no error")
    except RuleSetError as e:
        assert "scorecards.s.annual.star_tiebreak[0]" in e.message and "csi" in e.message


def test_quarterly_rule_set_rolls_up_four_quarters(tmp_path):
    text = RULESET.replace('period = "month"', 'period = "quarter"')
    emps = "employee_id,name,site,role\nQ1,a,main,x\nQ2,b,main,x\n"
    # Q1: 59, 59, 59, 90 -> three consecutive quarters below 60: fail (mean 66.75, rank 2)
    # Q2: 80 every quarter -> mean 80, rank 1 of 2; cut(10 %) = floor(0.2) = 0, so not
    # excellent; cut(40 %) = floor(0.8) = 0, so not good either: pass
    rows = ["employee_id,period,score,csi,ftfr,timeliness"]
    for q, (a, b) in enumerate([(59, 80), (59, 80), (59, 80), (90, 80)], 1):
        rows += [f"Q1,2026-Q{q},{a},,,", f"Q2,2026-Q{q},{b},,,"]
    write_files(tmp_path, {"scorecard.toml": text, "data/employees.csv": emps,
                           "data/marks.csv": "\n".join(rows) + "\n"})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    store = Store(tmp_path / "scorecard.db")
    for q in range(1, 5):
        record(store, evaluate(store, rs, Period.parse(f"2026-Q{q}")))
    rep = annual(store, rs, 2026)
    assert rep.periods == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert rep.row("Q1").grade == "fail" and "(2026-Q1, 2026-Q2, 2026-Q3)" in \
        rep.row("Q1").reasons[-1]
    assert rep.row("Q2").total == 80 and rep.row("Q2").grade == "pass"


def test_bundle_star_tiebreak_is_csi_ftfr_timeliness():
    from scorecard_aftersales import BUNDLE

    rs = load_ruleset(BUNDLE.path / "scorecard.toml")
    assert rs.scorecards["csi"].annual.star_tiebreak == ("csi", "ftfr", "timeliness")


def test_annual_as_a_workbook(tmp_path):
    import pytest
    from openpyxl import load_workbook

    rs, store = _write(tmp_path)
    _run_months(rs, store)
    out = tmp_path / "annual.xlsx"
    r = CliRunner().invoke(cli, ["annual", "-c", str(tmp_path / "scorecard.toml"),
                                 "--year", "2026", "--format", "xlsx", "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Annual", "Provenance"]
    ws = wb["Annual"]
    head = [c.value for c in ws[1]]
    assert head[:6] == ["employee", "name", "role", "total", "rank", "grade"]
    first = [c for c in ws[2]]
    # E01: total 1135 / 12 = 94.583..., a number shown with the score's 2 places; rank 1, good
    assert first[0].value == "E01" and first[3].value == pytest.approx(1135 / 12)
    assert first[3].number_format == "0.00" and first[4].value == 1
    assert first[5].value == "good"
    prov = dict(wb["Provenance"].iter_rows(values_only=True))
    assert prov["year"] == 2026 and prov["runs"].startswith("2026-01: run 1, 2026-02: run 2")
