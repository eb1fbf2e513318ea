"""The monthly staff form (RULES.md §2b, DATA.md "Wholesale market"), evaluated with the bundle's
default rule set: five KPI rates × 0.12, three ability rubrics and conduct, three raters
averaged to 0.01 half up, then attendance / discipline / reward; grades, ranking at ≥ 70 and
pay = Q(role) × coefficient. Expected values are computed by hand in the comments.
"""

from decimal import Decimal

import pytest
from wholesale_helpers import evaluate, marks, ruleset

from scorecard.errors import DataError

EMPLOYEES = """\
F1,王芳,floor-3,floor_manager,
F2,李伟,floor-3,floor_manager,
F3,张娜,floor-3,floor_manager,
F4,刘敏,floor-3,floor_manager,
F5,陈静,floor-3,floor_manager,
F6,杨丽,floor-3,floor_manager,
F7,黄强,floor-3,floor_manager,
C1,朱娟,cs-centre,cs_staff,
"""

# Every rater's total = Σ KPI × 0.12 + Σ rubric; with all KPIs 80 and all rubrics 8 it is
# 0.12 × 400 + 32 = 48 + 32 = 80.
ASSESSMENTS = (
    marks("F1", "2026-10")
    # F2: self gives collection 81 and skill 9, the panel attitude 9, the rest 80 / 8:
    #   self 0.12 × 401 + 33 = 48.12 + 33 = 81.12; superior 80; panel 48 + 33 = 81
    #   mark = (81.12 + 80 + 81) / 3 = 242.12 / 3 = 80.70666… → 80.71 (half up; truncating
    #   would give 80.70)
    + marks("F2", "2026-10", collection=(81, 80, 80), skill=(9, 8, 8), attitude=(8, 8, 9))
    # F3: everyone gives plan completion 87.375 %: 0.12 × (87.375 + 320) = 48.885, + 32 =
    #   80.885 exactly → 80.89 half up (float: round(80.885, 2) == 80.88)
    + marks("F3", "2026-10", plan_completion=("87.375",) * 3)
    # F4: the same mark, 80.885 → 80.89, then 5 absence days × 20 = −100:
    #   total = 80.89 − 100 = −19.11. Rounding only the final −19.115 would give −19.12 (half
    #   up rounds away from zero): the form rounds the mark first, so −19.11.
    + marks("F4", "2026-10", plan_completion=("87.375",) * 3)
    + marks("F5", "2026-10")
    # F6: KPIs 75 → 0.12 × 375 = 45; rubrics 6, 6, 6, 7 = 25 → exactly 70.00: ranked
    + marks("F6", "2026-10", kpi=75, rubric=6, conduct=(7, 7, 7))
    # F7: as F6 but visits 74.75 → 0.12 × 374.75 = 44.97 → 69.97: below 70, not ranked
    + marks("F7", "2026-10", kpi=75, rubric=6, conduct=(7, 7, 7), visits=("74.75",) * 3)
    + marks("C1", "2026-10")
    # out of the period: ignored
    + marks("F1", "2026-09", kpi=10, rubric=1)
)

ATTENDANCE = """\
F4,2026-10,0,5,0,0
F5,2026-10,3,1,0.5,2
F5,2026-09,9,9,9,9
"""
# F5: late/early 3 × 2 + absence 1 × 20 + personal leave 0.5 × 2 + sick 2 × 1
#     = 6 + 20 + 1 + 2 = 29 deducted

CONDUCT = """\
F5,2026-10-02,verbal_warning
F5,2026-10-09,written_warning
F5,2026-10-16,decision
F5,2026-10-20,commendation
F5,2026-10-31,commendation
F5,2026-09-30,verbal_warning
F5,2026-11-01,commendation
"""
# F5: discipline 2 + 5 + 10 = 17 deducted; reward 2 × 5 = 10 added (the 09-30 warning and the
#     11-01 commendation are outside October) → 80 − 29 − 17 + 10 = 44


@pytest.fixture(scope="module")
def ev(tmp_path_factory):
    return evaluate(tmp_path_factory.mktemp("staff"), EMPLOYEES, assessments=ASSESSMENTS,
                    attendance=ATTENDANCE, conduct_events=CONDUCT)


def test_equal_marks_give_the_rater_total(ev):
    er = ev.result("F1")
    assert er.points("plan_completion") == Decimal("9.6")  # 80 × 0.12
    assert er.points("skill") == 8
    assert er.points("mark") == 80
    assert er.score == Decimal("80.00")
    assert er.grade.grade == "B" and er.grade.coefficient == 1
    assert er.payout == Decimal("2000.00")  # Q floor_manager 2000 × 1.0


def test_mark_average_rounds_half_up_to_hundredths(ev):
    er = ev.result("F2")
    assert er.score == Decimal("80.71")
    assert "rounded half-up to 0.01: 80.71" in er.text()
    assert "collection: marks self 81, superior 80, panel 80" in er.text()


def test_mark_third_decimal_exactly_five_rounds_up(ev):
    assert round(0.12 * 407.375 + 32, 2) == 80.88  # what float arithmetic would report
    er = ev.result("F3")
    assert er.points("mark") == Decimal("80.89")
    assert er.score == Decimal("80.89")


def test_mark_is_rounded_before_the_adjustments(ev):
    er = ev.result("F4")
    assert er.adjustment("attendance").points == -100
    assert er.score == Decimal("-19.11")
    assert er.grade.grade == "E" and er.payout == Decimal("0.00")


def test_attendance_discipline_and_reward(ev):
    er = ev.result("F5")
    assert er.adjustment("attendance").points == -29
    assert er.adjustment("discipline").points == -17
    assert er.adjustment("reward").points == 10
    assert er.score == Decimal("44.00")
    text = er.text()
    assert "late_early 3 × -2 + absence_days 1 × -20 + personal_leave_days 0.5 × -2 + " \
           "sick_leave_days 2 × -1 = −29" in text
    assert "conduct_events.csv:7" not in text  # the 09-30 warning (line 7) is not October's


def test_ranking_only_from_seventy(ev):
    exactly = ev.result("F6")
    assert exactly.score == Decimal("70.00")
    assert exactly.grade.grade == "C" and exactly.grade.eligible
    assert exactly.payout == Decimal("1600.00")  # 2000 × 0.8
    below = ev.result("F7")
    assert below.score == Decimal("69.97")
    assert below.grade.grade == "D" and not below.grade.eligible and below.grade.rank is None
    assert "below 70: not ranked" in below.text()
    assert below.payout == Decimal("1000.00")  # 2000 × 0.5
    # eligible staff (C1 80, F1 80, F2 80.71, F3 80.89, F6 70): F3 1st, F2 2nd, F1 and C1
    # share 3rd, F6 5th
    ranks = {e: ev.result(e).grade.rank for e in ("F3", "F2", "F1", "C1", "F6")}
    assert ranks == {"F3": 1, "F2": 2, "F1": 3, "C1": 3, "F6": 5}


def test_cs_staff_use_the_same_form_with_their_own_q(ev):
    er = ev.result("C1")
    assert er.scorecard.id == "staff"
    assert er.payout == Decimal("1500.00")  # Q cs_staff 1500 × 1.0 (grade B)


def test_a_mark_of_three_is_accepted_as_data_md_defines_value(tmp_path):
    # DATA.md: rubric values 1–10. Self gives skill 3: self total 0.12 × 400 + 3 + 8 + 8 + 8 = 75,
    # superior and panel 80 → mark (75 + 80 + 80) / 3 = 78.333… → 78.33 (half up)
    ev = evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n",
                  assessments=marks("F1", "2026-10", skill=(3, 8, 8)))
    assert str(ev.result("F1").score) == "78.33"


@pytest.mark.parametrize("mark", ["0", "11", "50"])
def test_a_rubric_mark_outside_1_to_10_is_refused(tmp_path, mark):
    # lines 2–16 hold the KPI marks, so F1's self mark for skill is line 17
    bad = marks("F1", "2026-10", skill=(mark, 8, 8))
    with pytest.raises(DataError) as e:
        evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n", assessments=bad)
    assert f"assessments.csv:17:value: {mark} is outside 1..10 for skill" in e.value.message


def test_a_site_can_refuse_the_rubric_gap_at_three(tmp_path):
    # the form's five levels leave 3 without a level; a site lists the marks it accepts
    text = ruleset(**{'item_value = "skill"\n':
                      'item_value = "skill"\nallowed = [1, 2, 4, 5, 6, 7, 8, 9, 10]\n'})
    # lines 2–16 hold the KPI marks, so F1's self mark for skill is line 17
    bad = marks("F1", "2026-10", skill=(3, 8, 8))
    with pytest.raises(DataError) as e:
        evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n", ruleset=text, assessments=bad)
    assert "assessments.csv:17:value" in e.value.message
    assert "3 is not a mark the rubric of skill allows" in e.value.message


def test_every_rater_must_mark_every_item(tmp_path):
    rows = [r for r in marks("F1", "2026-10").splitlines() if r != "F1,2026-10,panel,skill,8"]
    with pytest.raises(DataError) as e:
        evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n", assessments="\n".join(rows) + "\n")
    assert "F1 has no panel mark for skill in 2026-10" in e.value.message


def test_a_rate_above_100_is_refused_at_ingest(tmp_path):
    with pytest.raises(DataError) as e:
        evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n",
                 assessments=marks("F1", "2026-10", visits=(80, 101, 80)))
    assert "assessments.csv" in e.value.message and "101" in e.value.message


def test_the_worked_example_of_the_docs(tmp_path):
    # docs/orgs/wholesale-market.md "Worked example": mark 80.71 (see F2 above), then
    # late/early 1 × 2, a verbal warning 2, a commendation +5, one late simple complaint −1,
    # a refused ruling −3 and a reputation fine of 80 CNY:
    # 80.71 − 2 − 2 + 5 − 1 − 3 = 77.71 → C, pay 2000 × 0.8 = 1600, fines 80 beside
    ev = evaluate(
        tmp_path, "F2,李伟,floor-3,floor_manager,\n",
        assessments=marks("F2", "2026-10", collection=(81, 80, 80), skill=(9, 8, 8),
                          attitude=(8, 8, 9)),
        attendance="F2,2026-10,1,0,0,0\n",
        conduct_events="F2,2026-10-03,verbal_warning\nF2,2026-10-20,commendation\n",
        complaints="W1,F2,2026-10-06 15:00,simple,in_person,2026-10-07 10:00,0\n",
        penalties="F2,2026-10-08,reputation_harm,,80\nF2,2026-10-09,refused_ruling,3,\n")
    er = ev.result("F2")
    assert er.points("mark") == Decimal("80.71")
    assert er.score == Decimal("77.71")
    assert er.grade.grade == "C" and er.grade.eligible
    assert er.payout == Decimal("1600.00") and er.fines == Decimal("80.00")
    assert "penalties.csv:3" in er.text()


def test_no_marks_in_the_month_is_not_a_score_of_zero(tmp_path):
    # F9 has no assessment row in October (on leave): reported as not scored, no grade, no pay,
    # instead of a total of 0 from the complaint item alone
    ev = evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\nF9,孙军,floor-3,floor_manager,\n",
                  assessments=marks("F1", "2026-10") + marks("F9", "2026-09"),
                  complaints="W1,F9,2026-10-06 15:00,simple,in_person,2026-10-07 10:00,0\n")
    er = ev.result("F9")
    assert er.status == "no_activity" and er.score is None and er.payout is None
    assert "not scored" in er.text()
    assert ev.result("F1").score == Decimal("80.00")


def test_the_marks_rounding_step_is_checked_when_loading(tmp_path):
    from wholesale_helpers import ruleset

    from scorecard.errors import RuleSetError

    with pytest.raises(RuleSetError) as e:
        evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n",
                 ruleset=ruleset(**{'round = "0.01"': 'round = "0.05"'}),
                 assessments=marks("F1", "2026-10"))
    assert "scorecards.staff.items[9].round" in e.value.message
    assert "expected a step such as" in e.value.message
