"""[scorecards.X.annual] names a registered year-end scheme: ranked_year by default (tables
written before annual types keep working), its keys owned and checked by the plugin."""

from fractions import Fraction

import pytest

from scorecard.annual import AnnualRow
from scorecard.errors import RuleSetError
from scorecard.registry import get_registry
from scorecard.ruleset import load_ruleset
from scorecard.testing import write_files

RULESET = """
[ruleset]
org = "t"

[sources.employees]
path = "employees.csv"
[sources.employees.columns]
employee_id = "str"
name = "str"
role = "str"

[sources.marks]
path = "marks.csv"
period_by = "period"
[sources.marks.columns]
employee_id = "str"
period = "period"
score = "decimal"

[scorecards.s]
[[scorecards.s.items]]
id = "month"
type = "lookup"
source = "marks"
column = "score"

[scorecards.s.annual]
"""
FILES = {"employees.csv": "employee_id,name,role\nE1,a,x\n",
         "marks.csv": "employee_id,period,score\nE1,2026-10,90\n"}
MONTHS = tuple(f"2026-{m:02d}" for m in range(1, 13))


def load(tmp_path, annual_keys):
    write_files(tmp_path, {"scorecard.toml": RULESET + annual_keys, **FILES})
    return load_ruleset(tmp_path / "scorecard.toml")


def test_a_table_without_type_is_ranked_year_with_its_defaults(tmp_path):
    spec = load(tmp_path, 'star_tiebreak = ["month"]\n').scorecards["s"].annual
    assert spec.type == "ranked_year" and spec.star_tiebreak == ("month",)
    assert (spec.params.excellent_pct, spec.params.fail_below, spec.params.consecutive) == (
        10, 60, 3)
    assert spec.params.labels_zh == {}  # no built-in grade names: the rule set's words


def test_unknown_scheme_and_keys_are_located(tmp_path):
    with pytest.raises(RuleSetError) as e:
        load(tmp_path, 'type = "rankd_year"\n')
    assert "scorecards.s.annual.type" in e.value.message and "ranked_year" in e.value.message
    with pytest.raises(RuleSetError) as e:
        load(tmp_path, 'fail_pct = 101\n')  # the plugin's own check, at load
    assert "scorecards.s.annual.fail_pct: a percentage between 0 and 100" in e.value.message
    with pytest.raises(RuleSetError) as e:
        load(tmp_path, 'labels_zh = { excelent = "优" }\n')
    assert "scorecards.s.annual.labels_zh.excelent" in e.value.message


def test_ranked_year_grades_with_its_labels(tmp_path):
    spec = load(tmp_path, 'labels_zh = { good = "良", pass = "合", fail = "差" }\n'
                ).scorecards["s"].annual
    scheme = get_registry().get("annual", "ranked_year")

    def row(eid, score):
        return AnnualRow(eid, eid, "x", "s", {p: Fraction(score) for p in MONTHS}, {})

    graded = {r.employee_id: r for r in scheme.grade_year(
        spec, MONTHS, [row("E1", 90), row("E2", 75), row("E3", 50)])}
    # G = 3: cut(10 %) = floor(0.3) = 0, so nobody is excellent; cut(40 %) = floor(1.2) = 1.
    # E1 90: rank 1 ≤ 1 and 12 of 12 months ≥ 70 (more than half): good
    # E2 75: rank 2 > 1: pass;  E3 50: three months in a row below 60: fail
    assert [(graded[e].grade, graded[e].grade_zh) for e in ("E1", "E2", "E3")] == [
        ("good", "良"), ("pass", "合"), ("fail", "差")]
    assert graded["E1"].total == 90 and graded["E3"].rank_bottom == 1
