"""Payouts: base by level × score / 100, position pay Q × band coefficient, floors and caps,
fines reported beside (netted only when the rule set says so), unknown levels."""

from decimal import Decimal

import pytest
from blockkit import run

from scorecard.errors import ScorecardError

SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
v = "decimal"

[sources.fines]
path = "fines.csv"
period_by = "period"
[sources.fines.columns]
employee_id = "str"
period = "period"
kind = "str"
fine = "decimal?"
"""
ITEM = """
[[scorecards.s.items]]
id = "v"
type = "lookup"
source = "kpi"
column = "v"

[[scorecards.s.penalties]]
id = "fined"
type = "ranged_per_event"
source = "fines"
points_column = ""
kinds = { harm = { fine = [50, 100] } }
"""
KPI = "employee_id,period,v\nE1,2026-10,85\nE2,2026-10,85.555\n"
FINES = "employee_id,period,kind,fine\nE1,2026-10,harm,50\n"


def _level(extra=""):
    return ITEM + f"""
[scorecards.s.payout]
type = "level_base"
bases = {{ junior = 1000, senior = 2000 }}
{extra}
"""


def test_level_base_and_fines_beside(tmp_path):
    ev = run(tmp_path, SRC, _level(), {"kpi.csv": KPI, "fines.csv": FINES})
    e1, e2 = ev.result("E1"), ev.result("E2")
    assert e1.payout == Decimal("850.00")  # 1000 × 85 / 100; the 50 fine is not netted
    assert e1.fines == Decimal("50.00")
    assert "fines 50.00 CNY reported beside, not netted" in e1.text()
    # the score is rounded first (85.555 → 85.56), then 2000 × 85.56 / 100 = 1711.2
    assert e2.payout == Decimal("1711.20")


def test_level_base_floor_cap_and_netting(tmp_path):
    ev = run(tmp_path, SRC, _level("floor = 900\ncap = 1500\nnet_fines = true"),
             {"kpi.csv": KPI, "fines.csv": FINES})
    # E1: 850 raised to the floor 900, then the 50 fine netted: 850
    assert ev.result("E1").payout == Decimal("850.00")
    assert "raised to the floor 900; fines 50.00 CNY netted" in ev.result("E1").text()
    assert ev.result("E2").payout == Decimal("1500.00")  # 1711.2 capped at 1500


def test_level_base_at_exactly_the_cap(tmp_path):
    kpi = "employee_id,period,v\nE1,2026-10,90\nE2,2026-10,75\n"
    ev = run(tmp_path, SRC, _level("cap = 900\nfloor = 900"),
             {"kpi.csv": kpi, "fines.csv": "employee_id,period,kind,fine\n"})
    # E1: 1000 × 90 / 100 = 900, exactly the floor and the cap: unchanged
    assert ev.result("E1").payout == Decimal("900.00")
    assert "capped" not in ev.result("E1").text() and "floor" not in ev.result("E1").text()
    assert ev.result("E2").payout == Decimal("900.00")  # 2000 × 75 / 100 = 1500, capped


def test_unknown_level_is_an_error(tmp_path):
    emps = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,expert\n"
    with pytest.raises(ScorecardError) as e:
        run(tmp_path, SRC, _level(), {"kpi.csv": KPI, "fines.csv": FINES}, employees=emps)
    assert "employees.csv:3: level 'expert' of E2 has no entry in scorecards.s.payout.bases" \
        in e.value.message
    assert "fix the employee's level or add it to the rule set" in e.value.message


def test_unknown_level_names_the_employees_file_the_rule_set_reads(tmp_path):
    # a site exporting its staff list as staff.csv: the error points at that file, line 3
    from blockkit import ruleset_text

    from scorecard.testing import evaluate_files

    emps = "employee_id,name,role,level\nE1,Ann,agent,junior\nE2,Bo,agent,expert\n"
    text = ruleset_text(SRC, _level()).replace('path = "employees.csv"', 'path = "staff.csv"')
    with pytest.raises(ScorecardError) as e:
        evaluate_files(tmp_path, text, {"staff.csv": emps, "kpi.csv": KPI, "fines.csv": FINES},
                       "2026-10")
    assert "staff.csv:3: level 'expert' of E2 has no entry in scorecards.s.payout.bases" \
        in e.value.message


POSITION = ITEM + """
[scorecards.s.grading]
type = "bands"
bands = [
  { grade = "A", min = 90, coefficient = 1.2 },
  { grade = "B", min = 80, coefficient = 1.0 },
  { grade = "E", coefficient = 0 },
]

[scorecards.s.payout]
type = "position_coefficient"
q = { agent = 3000 }
"""


def test_position_pay_q_times_coefficient(tmp_path):
    kpi = "employee_id,period,v\nE1,2026-10,90\nE2,2026-10,79.99\n"
    ev = run(tmp_path, SRC, POSITION, {"kpi.csv": kpi, "fines.csv": FINES})
    assert ev.result("E1").payout == Decimal("3600.00")  # 3000 × 1.2 (grade A at exactly 90)
    assert ev.result("E2").payout == Decimal("0.00")  # grade E: 3000 × 0, floor 0
    assert "Q 3000 (role agent) × coefficient 1.2 (grade A) = 3600 CNY" in ev.result("E1").text()


def test_netted_fines_above_the_bonus_give_a_negative_amount(tmp_path):
    kpi = "employee_id,period,v\nE1,2026-10,5\nE2,2026-10,0\n"
    fines = "employee_id,period,kind,fine\nE1,2026-10,harm,100\n"
    ev = run(tmp_path, SRC, _level("net_fines = true"), {"kpi.csv": kpi, "fines.csv": fines})
    # 1000 × 5 / 100 = 50, then the 100 fine netted: −50 (the floor 0 applies before fines)
    assert ev.result("E1").payout == Decimal("-50.00")
    assert ev.result("E2").payout == Decimal("0.00")  # 2000 × 0 / 100, no fines
