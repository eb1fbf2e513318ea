"""team_score: a manager's item rolled up from the results of the employees whose manager_id is
the manager, on another scorecard, for the same period. Values computed by hand."""

from fractions import Fraction
from pathlib import Path

import pytest

from scorecard.engine import evaluate, record
from scorecard.errors import RuleSetError, ScorecardError
from scorecard.periods import Period
from scorecard.ruleset import load_ruleset
from scorecard.store import Store
from scorecard.testing import write_files

RULESET = """
[ruleset]
org = "team"
period = "month"

[sources.employees]
path = "employees.csv"
key = "employee_id"

[sources.employees.columns]
employee_id = "str"
name = "str"
role = "enum:agent|lead"
manager_id = { type = "str", required = false, optional = true }

[sources.marks]
path = "marks.csv"
period_by = "period"

[sources.marks.columns]
employee_id = "str"
period = "period"
mark = "decimal"

[sources.typed]
path = "typed.csv"
period_by = "period"
optional = true

[sources.typed.columns]
employee_id = "str"
period = "period"
staff_mean = "decimal"

[scorecards.agent]
roles = ["agent"]

[[scorecards.agent.items]]
id = "mark"
type = "lookup"
source = "marks"
column = "mark"

[scorecards.agent.grading]
type = "bands"
bands = [{ grade = "A", min = 90 }, { grade = "B", min = 80 }, { grade = "C" }]

[scorecards.lead]
roles = ["lead"]
# a lead's items are the team's results, not rows of their own: scored without activity rows
on_no_activity = "base"

[[scorecards.lead.items]]
id = "team_mean"
type = "team_score"
scorecards = ["agent"]
stat = "mean"
fallback = { source = "typed", column = "staff_mean" }

[[scorecards.lead.items]]
id = "share_80"
type = "team_score"
in_total = false
scorecards = ["agent"]
stat = "share_at_least"
threshold = 80

[[scorecards.lead.items]]
id = "in_a"
type = "team_score"
in_total = false
scorecards = ["agent"]
stat = "count_grade"
grades = ["A"]
"""

# L1 leads A1, A2, A3 and A4; L2 leads nobody (its typed-in staff mean is used); A4 has no
# mark this month (no score: left out of the roll-up and listed).
EMPLOYEES = """\
employee_id,name,role,manager_id
L1,Lee,lead,
L2,Lin,lead,
A1,Ann,agent,L1
A2,Bo,agent,L1
A3,Cy,agent,L1
A4,Di,agent,L1
"""
MARKS = """\
employee_id,period,mark
A1,2026-10,90
A2,2026-10,80
A3,2026-10,79.99
"""
TYPED = "employee_id,period,staff_mean\nL2,2026-10,77.5\n"


def setup(tmp_path, employees=EMPLOYEES, marks=MARKS):
    write_files(tmp_path, {"scorecard.toml": RULESET, "employees.csv": employees,
                           "marks.csv": marks, "typed.csv": TYPED})
    return load_ruleset(tmp_path / "scorecard.toml"), Store(Path(tmp_path) / "s.db")


def test_mean_share_and_grade_count_from_the_same_evaluation(tmp_path):
    rs, store = setup(tmp_path)
    ev = evaluate(store, rs, Period.parse("2026-10"), allow_empty=True)
    l1 = ev.result("L1")
    # mean = (90 + 80 + 79.99) / 3 = 249.99 / 3 = 83.33
    assert l1.item("team_mean").measure.value == Fraction("249.99") / 3
    assert str(l1.score) == "83.33"
    # share ≥ 80: A1 90 and A2 exactly 80 are in, A3 79.99 is not: 2 / 3 × 100
    assert l1.item("share_80").measure.value == Fraction(200, 3)
    # grade A (≥ 90): A1 only
    assert l1.item("in_a").measure.value == 1
    text = l1.text()
    assert "4 staff report to L1 (manager_id)" in text
    assert "from this evaluation (the run being recorded)" in text
    assert "left out: A4 (no score)" in text
    # L2: nobody reports to them: the typed-in value is the fallback
    l2 = ev.result("L2")
    assert l2.item("team_mean").measure.value == Fraction("77.5")
    assert "the typed-in staff_mean 77.5 is used (typed.csv:2)" in l2.text()
    assert l2.item("share_80").measure.value is None  # no team, no fallback: no data


def test_only_the_manager_reads_the_latest_stored_run_and_names_it(tmp_path):
    rs, store = setup(tmp_path)
    period = Period.parse("2026-10")
    first = record(store, evaluate(store, rs, period, allow_empty=True))
    # the marks change and the agents are evaluated again: the newer run is the one read
    write_files(tmp_path, {"marks.csv": MARKS.replace("A3,2026-10,79.99", "A3,2026-10,100")})
    rs = load_ruleset(tmp_path / "scorecard.toml")
    second = record(store, evaluate(store, rs, period, allow_empty=True))
    assert second.run_id == first.run_id + 1
    ev = evaluate(store, rs, period, only={"L1"}, allow_empty=True)
    l1 = ev.result("L1")
    # (90 + 80 + 100) / 3 = 90
    assert l1.item("team_mean").measure.value == 90
    assert f"from run {second.run_id}" in l1.text()
    assert l1.item("team_mean").measure.data["run"] == f"run {second.run_id}"


def test_a_period_not_evaluated_yet_is_a_clear_error(tmp_path):
    rs, store = setup(tmp_path)
    with pytest.raises(ScorecardError) as e:
        evaluate(store, rs, Period.parse("2026-10"), only={"L1"}, allow_empty=True)
    assert "has not been evaluated yet" in e.value.message
    assert "scorecard evaluate --period 2026-10" in e.value.message


def test_manager_column_must_be_declared(tmp_path):
    write_files(tmp_path, {"scorecard.toml": RULESET.replace(
        'manager_id = { type = "str", required = false, optional = true }\n', ""),
        "employees.csv": EMPLOYEES, "marks.csv": MARKS})
    with pytest.raises(RuleSetError) as e:
        load_ruleset(tmp_path / "scorecard.toml")
    assert "manager_column" in e.value.message and "manager_id" in e.value.message


def test_employees_without_the_manager_column_fall_back(tmp_path):
    # an employees file without manager_id (the column is optional): nobody has a team
    emps = "employee_id,name,role\nL2,Lin,lead\nA1,Ann,agent\n"
    rs, store = setup(tmp_path, employees=emps, marks="employee_id,period,mark\nA1,2026-10,90\n")
    ev = evaluate(store, rs, Period.parse("2026-10"), allow_empty=True)
    assert ev.result("L2").item("team_mean").measure.value == Fraction("77.5")
