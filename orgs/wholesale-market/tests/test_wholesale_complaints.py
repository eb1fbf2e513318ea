"""Complaint handling (RULES.md §2a, seed 001 §3.4–3.5): deadlines per complexity and channel,
late complaints as service-quality complaints unless flagged hard in advance, ranged penalties
checked against their ranges, media exposure escalating within the calendar year, fines in CNY
reported beside the pay. Every employee's marks give a mark of exactly 80 (all KPIs 80, all
rubrics 8: 0.12 × 400 + 32), so the totals below are 80 ± the complaint rules.
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
S1,马杰,floor-3,floor_supervisor,
"""

MARKS = "".join(marks(e, p) for e in ("F1", "F2", "F3", "F4", "F5", "S1")
                for p in ("2026-08", "2026-10"))

# Deadlines (first matching case, RULES.md 2a / DATA.md): phone or letter (passed on by the
# centre) → 3 days (72 h); simple → settled the same calendar date; complex → 48 h. Met at exactly
# the limit.
COMPLAINTS = """\
W01,F1,2026-10-05 10:00,simple,in_person,2026-10-05 23:59,0
W02,F1,2026-10-06 22:00,simple,in_person,2026-10-07 00:10,0
W03,F1,2026-10-08 09:00,complex,in_person,2026-10-10 09:00,0
W04,F1,2026-10-08 09:00,complex,in_person,2026-10-10 09:01,0
W05,F1,2026-10-12 09:00,complex,phone,2026-10-15 09:00,0
W06,F1,2026-10-12 09:00,complex,letter,2026-10-15 09:01,0
W07,F1,2026-10-12 09:00,complex,phone,2026-10-16 09:00,1
W08,F1,2026-10-20 10:00,simple,phone,2026-10-21 09:00,0
W09,F1,2026-10-30 12:00,complex,in_person,,0
W10,F1,2026-10-31 09:00,simple,in_person,,0
W11,F1,2026-09-30 10:00,simple,in_person,2026-10-02 10:00,0
W12,F1,2026-10-22 10:00,simple,in_person,2026-10-23 10:00,
"""
# W01 same date (met)            W02 next date (late)
# W03 complex exactly 48 h (met) W04 48 h 1 min (late)
# W05 phone 72 h (met)           W06 letter 72 h 1 min (late)
# W07 phone 96 h, late, but pre-notified as hard: listed, not counted
# W08 simple by phone, settled after 23 h: the phone/letter case comes first, 3 days (met)
# W09 open, due 11-01 12:00, after the period's end: not (yet) late
# W10 open at the period's end, due by the end of 10-31: late
# W11 received in September: not October's
# W12 blank flag = not pre-notified (the column's default): late
# → 5 service-quality complaints (W02 W04 W06 W10 W12) × −1 = −5 → F1 = 80 − 5 = 75

PENALTIES = """\
F2,2026-10-08,reputation_harm,,80
S1,2026-10-08,reputation_harm,2,
F2,2026-10-09,refused_ruling,3,
F2,2026-10-21,no_follow_up,2,
F3,2026-08-15,media_exposure,10,
F3,2026-10-12,media_exposure,50,
F4,2025-12-20,media_exposure,,
F4,2026-10-05,media_exposure,,
F5,2026-10-05,media_exposure,,
F5,2026-10-25,media_exposure,,
"""


@pytest.fixture(scope="module")
def ev(tmp_path_factory):
    return evaluate(tmp_path_factory.mktemp("complaints"), EMPLOYEES, assessments=MARKS,
                    complaints=COMPLAINTS, penalties=PENALTIES)


def test_late_complaints_are_service_quality_complaints(ev):
    er = ev.result("F1")
    assert er.item("service_quality").measure.value == 5
    assert er.points("service_quality") == -5
    assert er.score == Decimal("75.00")
    text = er.text()
    for late in ("W02", "W04", "W06", "W10", "W12"):
        assert f"service_quality: {late} " in text
    for met in ("W01", "W03", "W05", "W08", "W09", "W11"):
        assert f" {met} " not in text


def test_late_complaint_pre_flagged_hard_is_listed_but_costs_nothing(ev):
    er = ev.result("F1")
    assert er.item("late_pre_notified").measure.value == 1
    assert er.points("late_pre_notified") == 0
    assert not er.item("late_pre_notified").item.in_total
    assert "late_pre_notified: W07 (phone/letter passed on by the centre" in er.text()


def test_points_per_service_quality_complaint_is_a_parameter(tmp_path):
    text = ruleset(**{'score = { type = "scale", factor = -1, clamp = false }':
                      'score = { type = "scale", factor = -2, clamp = false }'})
    ev = evaluate(tmp_path, "F1,王芳,floor-3,floor_manager,\n", ruleset=text,
                  assessments=marks("F1", "2026-10"), complaints=COMPLAINTS)
    assert ev.result("F1").score == Decimal("70.00")  # 80 − 5 × 2


def test_reputation_harm_fines_the_person_and_costs_the_supervisor_points(ev):
    f2 = ev.result("F2")
    # F2: fine 80 CNY (reported beside the pay), refused ruling −3, no follow-up −2
    assert f2.adjustment("complaint_penalties").points == -5
    assert f2.fines == Decimal("80.00")
    assert f2.score == Decimal("75.00")  # 80 − 3 − 2
    assert f2.payout == Decimal("1600.00")  # C: 2000 × 0.8; the fine is not netted
    assert "fines 80.00 CNY reported beside, not netted" in f2.text()
    s1 = ev.result("S1")
    assert s1.scorecard.id == "floor_supervisor"
    assert s1.score == Decimal("78.00")  # 80 − 2
    assert s1.payout == Decimal("2400.00")  # Q floor_supervisor 3000 × 0.8


def test_second_media_exposure_in_the_year_costs_fifty(ev):
    # F3: August's exposure (read from history) is the first of 2026, October's the second
    f3 = ev.result("F3")
    assert f3.adjustment("media_exposure").points == -50
    assert f3.score == Decimal("30.00")
    assert "is occurrence 2 in 2026: −50" in f3.text()
    # F4: the December 2025 exposure belongs to another year: October's is the first, −10
    assert ev.result("F4").adjustment("media_exposure").points == -10
    # F5: two in the same month: −10 − 50
    assert ev.result("F5").adjustment("media_exposure").points == -60
    assert ev.result("F5").score == Decimal("20.00")


def test_first_media_exposure_in_its_own_month(tmp_path):
    ev = evaluate(tmp_path, EMPLOYEES, period="2026-08", assessments=MARKS,
                  penalties=PENALTIES)
    assert ev.result("F3").adjustment("media_exposure").points == -10
    assert ev.result("F3").score == Decimal("70.00")


@pytest.mark.parametrize("row, where, why", [
    ("F1,2026-10-09,refused_ruling,6,", "penalties.csv:2:points", "outside the rule's range 1–5"),
    ("F1,2026-10-09,no_follow_up,0.5,", "penalties.csv:2:points", "outside the rule's range 1–5"),
    ("F1,2026-10-09,reputation_harm,,120", "penalties.csv:2:fine",
     "outside the rule's range 50–100"),
    ("S1,2026-10-09,reputation_harm,4,", "penalties.csv:2:points",
     "outside the rule's range 1–3"),
    ("F1,2026-10-09,reputation_harm,2,", "penalties.csv:2", "reputation_harm"),
    # §3.5.8 product quality: product_quality_range 1–5 (5 and 1 are accepted: golden case 06)
    ("F1,2026-10-09,product_quality,6,", "penalties.csv:2:points", "outside the rule's range 1–5"),
    ("F1,2026-10-09,product_quality,0.99,", "penalties.csv:2:points",
     "outside the rule's range 1–5"),
    ("F1,2026-10-09,product_quality,,", "penalties.csv:2", "product_quality: give points (1–5)"),
])
def test_penalty_outside_its_range_is_rejected(tmp_path, row, where, why):
    with pytest.raises(DataError) as e:
        evaluate(tmp_path, EMPLOYEES, assessments=MARKS, penalties=row + "\n")
    assert where in e.value.message and why in e.value.message


def test_media_exposure_points_come_from_the_rule(tmp_path):
    # DATA.md: the points of a media exposure come from the rule; the file's 10 on the second
    # exposure of the year is shown, and −50 applies: 80 − 50 = 30
    rows = "F3,2026-08-15,media_exposure,10,\nF3,2026-10-12,media_exposure,10,\n"
    ev = evaluate(tmp_path, EMPLOYEES, assessments=MARKS, penalties=rows)
    f3 = ev.result("F3")
    assert f3.adjustment("media_exposure").points == -50
    assert f3.score == Decimal("30.00")
    assert "is occurrence 2 in 2026: −50 (the file says 10; the rule's points apply)" in f3.text()


def test_media_exposure_points_can_be_required_to_agree(tmp_path):
    text = ruleset(**{'on_mismatch = "rule"': 'on_mismatch = "error"'})
    rows = "F3,2026-08-15,media_exposure,10,\nF3,2026-10-12,media_exposure,10,\n"
    with pytest.raises(DataError) as e:
        evaluate(tmp_path, EMPLOYEES, ruleset=text, assessments=MARKS, penalties=rows)
    assert "penalties.csv:3:points" in e.value.message
    assert "costs 50 by the rule" in e.value.message


def test_product_quality_points_within_the_range(tmp_path):
    # 80 − 5 (the range's top) − 1 (its bottom) − 2.5 = 71.50
    rows = ("F1,2026-10-09,product_quality,5,\nF1,2026-10-10,product_quality,1,\n"
            "F1,2026-10-11,product_quality,2.5,\n")
    ev = evaluate(tmp_path, EMPLOYEES, assessments=MARKS, penalties=rows)
    f1 = ev.result("F1")
    assert f1.adjustment("complaint_penalties").points == Decimal("-8.5")
    assert f1.score == Decimal("71.50")
    assert "verified product-quality complaint" in f1.text()


def test_product_quality_range_is_a_parameter(tmp_path):
    text = ruleset(**{'product_quality = { points = [1, 5]': 'product_quality = { points = [2, 8]'})
    rows = "F1,2026-10-09,product_quality,8,\n"
    ev = evaluate(tmp_path, EMPLOYEES, ruleset=text, assessments=MARKS, penalties=rows)
    assert ev.result("F1").score == Decimal("72.00")  # 80 − 8
    with pytest.raises(DataError) as e:
        evaluate(tmp_path / "2", EMPLOYEES, ruleset=text, assessments=MARKS,
                 penalties="F1,2026-10-09,product_quality,1,\n")
    assert "penalties.csv:2:points" in e.value.message and "range 2–8" in e.value.message


LEASED = """\
complaint_id,employee_id,received_at,complexity,channel,settled_at,pre_notified_hard,leased_shop
L1,F1,2026-10-05 10:00,simple,in_person,2026-10-06 09:00,0,1
L2,F1,2026-10-07 10:00,simple,in_person,2026-10-08 09:00,0,0
L3,F1,2026-10-07 11:00,simple,in_person,2026-10-08 09:00,0,
L4,F1,2026-10-09 10:00,simple,in_person,2026-10-10 09:00,1,1
L5,F1,2026-10-12 10:00,simple,in_person,2026-10-12 11:00,0,是
"""


def test_leased_shop_disputes_are_listed_and_never_penalised(tmp_path):
    from scorecard_wholesale import BUNDLE
    from wholesale_helpers import files

    from scorecard.testing import bundle_ruleset_text, evaluate_files

    f = files("F1,王芳,floor-3,floor_manager,\n", assessments=marks("F1", "2026-10"))
    f["data/complaints.csv"] = LEASED
    ev = evaluate_files(tmp_path, bundle_ruleset_text(BUNDLE), f, "2026-10")
    f1 = ev.result("F1")
    # late: L1 (leased: not counted), L2, L3 (blank = 0: counted), L4 (leased and hard: neither)
    assert f1.points("service_quality") == -2  # L2, L3 × −1
    assert f1.item("late_pre_notified").measure.value == 0  # L4 is a leased shop's
    assert f1.item("leased_shop").measure.value == 3  # L1, L4, L5 listed
    assert f1.points("leased_shop") == 3 and not f1.item("leased_shop").item.in_total
    assert f1.score == Decimal("78.00")  # 80 − 2
    text = f1.text()
    for cid in ("L1", "L4", "L5"):
        assert f"leased_shop: {cid}" in text


def test_complaints_without_the_leased_shop_column_evaluate_as_before(ev):
    # COMPLAINTS above has no leased_shop column (an older export): nothing is a leased shop
    assert ev.result("F1").item("leased_shop").measure.value == 0
    assert ev.result("F1").score == Decimal("75.00")
