"""Rater calibration on the staff form: spreads between self, superior and panel marks, items
flagged when the raters disagree by MORE than the item's max_spread (2 rubric points, 10 rate
points by default), and each rater's leniency (mean difference from the panel)."""

import json
from fractions import Fraction

import pytest
from click.testing import CliRunner
from wholesale_helpers import evaluate, marks

from scorecard.cli import cli
from scorecard.periods import Period
from scorecard_plugins.commands.calibration import calibrate

EMPLOYEES = "F1,王芳,floor-3,floor_manager,\nF2,李伟,floor-3,floor_manager,\n"
#          (self, superior, panel)   spread   threshold   flagged
# F1 skill       (10, 6, 8)             4          2          yes
# F1 attitude    (9, 8, 7)              2          2          no (not more than 2)
# F1 visits      (90, 80, 80)          10         10          no
# F1 plan        (91, 80, 80)          11         10          yes
# F2 every rater gives 80 / 8: spread 0 everywhere
ASSESSMENTS = marks("F1", "2026-10", skill=(10, 6, 8), attitude=(9, 8, 7), visits=(90, 80, 80),
                    plan_completion=(91, 80, 80)) + marks("F2", "2026-10")


@pytest.fixture()
def ev(tmp_path):
    return evaluate(tmp_path, EMPLOYEES, assessments=ASSESSMENTS)


def test_spreads_and_flags(ev):
    cal = calibrate(ev.store, ev.ruleset, Period.parse("2026-10"))
    flagged = {(s.employee_id, s.item): s.spread for s in cal.flagged}
    assert flagged == {("F1", "skill"): 4, ("F1", "plan_completion"): 11}
    assert len(cal.spreads) == 18  # 2 employees × 9 items
    attitude = next(s for s in cal.spreads if (s.employee_id, s.item) == ("F1", "attitude"))
    assert attitude.spread == 2 and not attitude.flagged


def test_leniency_is_the_mean_difference_from_the_panel(ev):
    cal = calibrate(ev.store, ev.ruleset, Period.parse("2026-10"))
    by = {(ln.rater, ln.item): ln for ln in cal.leniency}
    # skill: self F1 10 − 8 = +2, F2 0 → mean +1; superior F1 6 − 8 = −2, F2 0 → mean −1
    assert by[("self", "skill")].mean_difference == 1 and by[("self", "skill")].above == 1
    assert by[("superior", "skill")].mean_difference == -1
    assert by[("superior", "skill")].below == 1
    # overall, each difference in units of its item's threshold: self F1 plan 11/10 = 1.1,
    # skill 2/2 = 1, attitude 2/2 = 1, visits 10/10 = 1, everything else 0, over 18 pairs
    # → 4.1 / 18 = 41/180
    assert by[("self", "ALL (in thresholds)")].mean_difference == Fraction(41, 180)


def test_the_ledger_flags_the_disagreement(ev):
    text = ev.result("F1").text()
    assert "skill: CALIBRATION: raters disagree by 4 > 2" in text
    assert "plan_completion: CALIBRATION: raters disagree by 11 > 10" in text
    assert "attitude: CALIBRATION" not in text


def test_calibration_command(ev, tmp_path):
    config = str(tmp_path / "scorecard.toml")
    r = CliRunner().invoke(cli, ["calibration", "-c", config, "-p", "2026-10"])
    assert r.exit_code == 0, r.output
    assert "2 of 18 marked item(s)" in r.output
    assert "self 10, superior 6, panel 8" in r.output
    r = CliRunner().invoke(cli, ["calibration", "-c", config, "-p", "2026-10", "--max-spread",
                                 "1", "--format", "json"])
    data = json.loads(r.output)
    # with a threshold of 1 for every item, F1's attitude (2) and visits (10) are flagged too
    assert data["flagged"] == 4
    assert {(s["employee_id"], s["item"]) for s in data["spreads"]} == {
        ("F1", "skill"), ("F1", "plan_completion"), ("F1", "attitude"), ("F1", "visits")}


def test_unknown_reference_rater_is_a_usage_error(ev, tmp_path):
    r = CliRunner().invoke(cli, ["calibration", "-c", str(tmp_path / "scorecard.toml"), "-p",
                                 "2026-10", "--reference", "boss"])
    assert r.exit_code == 2
    assert "no rater 'boss'" in r.output
