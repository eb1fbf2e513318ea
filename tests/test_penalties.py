"""Penalties and adjustments: fixed points per event, attendance/discipline/reward weights,
ranged points and fines chosen per case, escalation by occurrence within a calendar year."""

from decimal import Decimal
from fractions import Fraction

import pytest
from blockkit import run

from scorecard.errors import DataError, RuleSetError

BASE_SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
v = "decimal"
"""
KPI = "employee_id,period,v\nE1,2026-10,90\nE2,2026-10,90\n"
BASE_ITEM = """
[[scorecards.s.items]]
id = "base"
type = "lookup"
source = "kpi"
column = "v"
"""

# -- event points --------------------------------------------------------------------------
DISC_SRC = BASE_SRC + """
[sources.discipline]
path = "discipline.csv"
period_by = "day"
[sources.discipline.columns]
employee_id = "str"
day = "date"
kind = "enum:verbal|written|decision|commend|other"
count = "int?"
"""
EVENT_PEN = """
[[scorecards.s.penalties]]
id = "discipline"
type = "event_points"
source = "discipline"
count_column = "count"
points = { verbal = -2, written = -5, decision = -10, commend = 5 }
"""
DISC = """\
employee_id,day,kind,count
E1,2026-10-01,verbal,
E1,2026-10-31,verbal,
E1,2026-10-15,written,
E1,2026-10-20,commend,
E1,2026-11-01,decision,
E2,2026-10-05,verbal,3
E2,2026-10-06,other,
"""


def test_event_points_by_kind(tmp_path):
    ev = run(tmp_path, DISC_SRC, BASE_ITEM + EVENT_PEN, {"kpi.csv": KPI, "discipline.csv": DISC})
    e1, e2 = ev.result("E1"), ev.result("E2")
    # E1: −2 −2 −5 +5 = −4 (the November decision is outside the period)
    assert e1.adjustment("discipline").points == -4
    assert e1.score == Decimal("86.00")  # 90 − 4
    # E2: verbal ×3 = −6; "other" has no points in this rule
    assert e2.adjustment("discipline").points == -6
    assert "verbal ×3 (discipline.csv:7) −6" in e2.text()


# -- column weights ------------------------------------------------------------------------
ATT_SRC = BASE_SRC + """
[sources.attendance]
path = "attendance.csv"
period_by = "period"
[sources.attendance.columns]
employee_id = "str"
period = "period"
late = "int"
absence = "decimal"
personal = "decimal"
sick = "decimal"
"""


def _att(extra=""):
    return BASE_ITEM + f"""
[[scorecards.s.penalties]]
id = "attendance"
type = "column_weights"
source = "attendance"
weights = {{ late = -2, absence = -20, personal = -2, sick = -1 }}
{extra}
"""


def test_column_weights_attendance(tmp_path):
    att = "employee_id,period,late,absence,personal,sick\nE1,2026-10,1,0,2,3.5\n"
    ev = run(tmp_path, ATT_SRC, _att(), {"kpi.csv": KPI, "attendance.csv": att})
    # E1: 1×2 + 0×20 + 2×2 + 3.5×1 = 9.5 deducted
    assert ev.result("E1").adjustment("attendance").points == Fraction("-9.5")
    assert ev.result("E1").score == Decimal("80.50")
    assert ev.result("E2").adjustment("attendance").points == 0  # no row: nothing deducted


def test_column_weights_bad_rows(tmp_path):
    att = "employee_id,period,late,absence,personal,sick\nE1,2026-10,1,0,2,3\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, ATT_SRC, _att('when_missing = "error"'),
            {"kpi.csv": KPI, "attendance.csv": att})
    assert "attendance.csv: no row for E2 in 2026-10; add it, or set when_missing = \"zero\"" \
        in e.value.message
    att = "employee_id,period,late,absence,personal,sick\nE1,2026-10,-1,0,0,0\n" \
          "E1,2026-10,0,0,0,0\n"
    with pytest.raises(DataError) as e:
        run(tmp_path / "b", ATT_SRC, _att(), {"kpi.csv": KPI, "attendance.csv": att})
    assert "attendance.csv:2:late: -1 is negative; a count cannot be, correct the cell" in \
        e.value.message


def test_column_weights_second_row_is_an_error(tmp_path):
    att = "employee_id,period,late,absence,personal,sick\nE1,2026-10,1,0,0,0\n" \
          "E1,2026-10,0,0,0,0\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, ATT_SRC, _att(), {"kpi.csv": KPI, "attendance.csv": att})
    assert "attendance.csv:3: a second row for E1 in 2026-10 (first at attendance.csv:2)" in \
        e.value.message


# -- ranged per event ----------------------------------------------------------------------
RANGED_SRC = BASE_SRC + """
[sources.cases]
path = "cases.csv"
period_by = "day"
[sources.cases.columns]
employee_id = "str"
day = "date"
kind = "enum:refuse|harm|note"
points = "decimal?"
fine = "decimal?"
"""
RANGED = BASE_ITEM + """
[[scorecards.s.penalties]]
id = "handling"
type = "ranged_per_event"
source = "cases"
[scorecards.s.penalties.kinds]
refuse = { points = [1, 5], label = "refused the centre's ruling" }
harm = { points = [1, 3], fine = [50, 100] }
"""


def test_ranged_points_and_fines_at_the_range_ends(tmp_path):
    cases = """\
employee_id,day,kind,points,fine
E1,2026-10-01,refuse,5,
E1,2026-10-02,harm,,50
E1,2026-10-03,note,,
E2,2026-10-04,harm,1,100
"""
    ev = run(tmp_path, RANGED_SRC, RANGED, {"kpi.csv": KPI, "cases.csv": cases})
    e1, e2 = ev.result("E1"), ev.result("E2")
    assert e1.adjustment("handling").points == -5
    assert e1.adjustment("handling").fines == 50
    assert e1.score == Decimal("85.00")  # the fine is money, reported beside: not in the score
    assert e1.fines == Decimal("50.00")
    assert e2.adjustment("handling").points == -1 and e2.fines == Decimal("100.00")


@pytest.mark.parametrize("row, reason", [
    ("refuse,6,", "cases.csv:2:points: refuse points 6 is outside the rule's range 1–5; the "
                  "evaluator must choose a value within it"),
    ("refuse,0.5,", "cases.csv:2:points: refuse points 0.5 is outside the rule's range 1–5"),
    ("harm,,101", "cases.csv:2:fine: harm fine 101 is outside the rule's range 50–100"),
    ("refuse,,", "cases.csv:2: refuse: give points (1–5) or a fine (none)"),
    ("refuse,2,60", "cases.csv:2:fine: refuse takes no fine in this rule set, got 60"),
])
def test_ranged_bad_values(tmp_path, row, reason):
    cases = f"employee_id,day,kind,points,fine\nE1,2026-10-01,{row}\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, RANGED_SRC, RANGED, {"kpi.csv": KPI, "cases.csv": cases})
    assert reason in e.value.message


def test_ranged_bad_range_declaration(tmp_path):
    card = RANGED.replace("points = [1, 5]", "points = [5, 1]")
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, RANGED_SRC, card, {"kpi.csv": KPI, "cases.csv": "employee_id\n"})
    assert "scorecards.s.penalties[0].kinds.refuse.points: expected [min, max]" in \
        e.value.message


# -- escalating ----------------------------------------------------------------------------
MEDIA_SRC = BASE_SRC + """
[sources.incidents]
path = "incidents.csv"
period_by = "day"
history = true
[sources.incidents.columns]
employee_id = "str"
day = "date"
kind = "enum:media|other"
points = "decimal?"
"""


def _media(extra=""):
    return BASE_ITEM + f"""
[[scorecards.s.penalties]]
id = "media"
type = "escalating"
source = "incidents"
kind = "media"
date_column = "day"
points = [10, 50]
{extra}
"""


INCIDENTS = """\
employee_id,day,kind,points
E1,2026-03-05,media,10
E1,2026-10-10,media,
E1,2026-10-12,other,
E2,2025-12-20,media,
E2,2026-10-01,media,-10
"""


def test_escalating_counts_earlier_months_of_the_year(tmp_path):
    ev = run(tmp_path, MEDIA_SRC, _media(), {"kpi.csv": KPI, "incidents.csv": INCIDENTS})
    # E1: March was the 1st (charged in March); October is the 2nd in 2026: −50
    assert ev.result("E1").adjustment("media").points == -50
    assert "is occurrence 2 in 2026: −50" in ev.result("E1").text()
    # E2: December 2025 belongs to the previous year; October is the 1st of 2026: −10
    assert ev.result("E2").adjustment("media").points == -10


def test_escalating_starts_again_in_january(tmp_path):
    kpi = "employee_id,period,v\nE1,2027-01,90\nE2,2027-01,90\n"
    rows = INCIDENTS + "E1,2026-12-31,media,\nE1,2027-01-01,media,\n"
    ev = run(tmp_path, MEDIA_SRC, _media(), {"kpi.csv": kpi, "incidents.csv": rows},
             period="2027-01")
    assert ev.result("E1").adjustment("media").points == -10  # 1st of 2027 (3 in 2026)


def test_escalating_beyond_the_list(tmp_path):
    rows = INCIDENTS + "E1,2026-10-20,media,\n"
    ev = run(tmp_path, MEDIA_SRC, _media(), {"kpi.csv": KPI, "incidents.csv": rows})
    assert ev.result("E1").adjustment("media").points == -100  # 2nd −50, 3rd repeats −50
    with pytest.raises(DataError) as e:
        run(tmp_path / "b", MEDIA_SRC, _media('after_last = "error"'),
            {"kpi.csv": KPI, "incidents.csv": rows})
    assert "incidents.csv:7: occurrence 3 of media in 2026: the rule gives only 2; add a " \
           "deduction to points or set after_last" in e.value.message


def test_escalating_points_in_the_file_must_agree(tmp_path):
    rows = INCIDENTS.replace("E1,2026-10-10,media,", "E1,2026-10-10,media,10")
    with pytest.raises(DataError) as e:
        run(tmp_path, MEDIA_SRC, _media(), {"kpi.csv": KPI, "incidents.csv": rows})
    assert "incidents.csv:3:points: media occurrence 2 in 2026 costs 50 by the rule, the file " \
           "says 10; leave it blank or correct it" in e.value.message


def test_escalating_on_mismatch_rule_applies_the_rules_points_and_says_so(tmp_path):
    # the file says 10 for E1's 2nd media case of 2026; the rule's 50 applies, the ledger shows 10
    rows = INCIDENTS.replace("E1,2026-10-10,media,", "E1,2026-10-10,media,10")
    ev = run(tmp_path, MEDIA_SRC, _media('on_mismatch = "rule"'),
             {"kpi.csv": KPI, "incidents.csv": rows})
    assert ev.result("E1").adjustment("media").points == -50
    assert "is occurrence 2 in 2026: −50 (the file says 10; the rule's points apply)" in \
        ev.result("E1").text()


def test_event_count_zero_is_no_event_and_negative_is_an_error(tmp_path):
    disc = "employee_id,day,kind,count\nE1,2026-10-01,verbal,0\nE1,2026-10-02,written,\n"
    ev = run(tmp_path, DISC_SRC, BASE_ITEM + EVENT_PEN, {"kpi.csv": KPI, "discipline.csv": disc})
    assert ev.result("E1").adjustment("discipline").points == -5  # 0 verbal; blank count = 1
    disc = "employee_id,day,kind,count\nE1,2026-10-01,verbal,-1\n"
    with pytest.raises(DataError) as e:
        run(tmp_path / "b", DISC_SRC, BASE_ITEM + EVENT_PEN,
            {"kpi.csv": KPI, "discipline.csv": disc})
    assert "discipline.csv:2:count: count -1 is negative; correct the cell" in e.value.message


def test_escalating_without_a_points_column(tmp_path):
    src = MEDIA_SRC.replace('points = "decimal?"\n', "")
    rows = "employee_id,day,kind\nE1,2026-10-10,media\nE1,2026-10-11,media\n"
    ev = run(tmp_path, src, _media('points_column = ""'), {"kpi.csv": KPI, "incidents.csv": rows})
    assert ev.result("E1").adjustment("media").points == -60  # 1st −10, 2nd −50

