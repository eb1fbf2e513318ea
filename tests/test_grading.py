"""Band tables: lower bounds inclusive, labels in English and Chinese, pay coefficients,
ranking eligibility (only scores ≥ ranking_min are ranked) and ties."""

from decimal import Decimal

import pytest
from blockkit import run

from scorecard.errors import RuleSetError, ScorecardError

SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
v = "decimal"
"""
EMPLOYEES = "employee_id,name,role,level\n" + "".join(
    f"E{i},N{i},agent,junior\n" for i in range(1, 7))
BANDS = """
[[scorecards.s.items]]
id = "v"
type = "lookup"
source = "kpi"
column = "v"

[scorecards.s.grading]
type = "bands"
ranking_min = 70
bands = [
  { grade = "A", min = 90, label = "excellent", label_zh = "优秀", coefficient = 1.2 },
  { grade = "B", min = 80, label = "good", label_zh = "良好", coefficient = 1.0 },
  { grade = "C", min = 70, label = "fair", label_zh = "合格", coefficient = 0.8 },
  { grade = "D", min = 60, coefficient = 0.5 },
  { grade = "E", coefficient = 0 },
]
"""


def _kpi(*scores):
    return {"kpi.csv": "employee_id,period,v\n" + "".join(
        f"E{i},2026-10,{s}\n" for i, s in enumerate(scores, start=1))}


def test_bands_at_their_bounds_and_ranking(tmp_path):
    ev = run(tmp_path, SRC, BANDS, _kpi("90", "89.995", "70", "69.99", "90", "0"),
             employees=EMPLOYEES)
    g = {e: ev.result(e).grade for e in ("E1", "E2", "E3", "E4", "E5", "E6")}
    assert ev.result("E2").score == Decimal("90.00")  # 89.995 rounds half-up to 90.00 first
    assert [g[e].grade for e in sorted(g)] == ["A", "A", "C", "D", "A", "E"]
    assert g["E1"].coefficient == Decimal("1.2") and g["E3"].label_zh == "合格"
    # ranked: the three 90s tie at 1, the 70 is 4th; 69.99 and 0 are below 70: not ranked
    assert [g[e].rank for e in ("E1", "E2", "E5", "E3")] == [1, 1, 1, 4]
    assert g["E4"].rank is None and not g["E4"].eligible
    assert "grade A excellent (优秀): score 90 ≥ 90, pay coefficient 1.2; ranked 1 of 4" in \
        ev.result("E1").text()
    assert "below 70: not ranked" in ev.result("E4").text()


def test_score_below_every_band(tmp_path):
    card = BANDS.replace('  { grade = "E", coefficient = 0 },\n', "")
    ev = run(tmp_path, SRC, card, _kpi("59.99", "60"), employees=EMPLOYEES.split("E3")[0])
    assert ev.result("E1").grade.grade is None
    assert "score 59.99 is below every band" in ev.result("E1").text()
    assert ev.result("E2").grade.grade == "D"


@pytest.mark.parametrize("old, new", [
    ('grade = "B", min = 80', 'grade = "B", min = 90'),  # equal bounds: B never reached
    ('grade = "B", min = 80', 'grade = "B", min = 95'),  # out of order
    ('grade = "D", min = 60, ', 'grade = "D", '),  # a band without min before the last
])
def test_bad_band_tables(tmp_path, old, new):
    with pytest.raises(ScorecardError) as e:
        run(tmp_path, SRC, BANDS.replace(old, new), _kpi("1"), employees=EMPLOYEES)
    assert "scorecards.s.grading.bands[" in e.value.message


def test_duplicate_grades(tmp_path):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, SRC, BANDS.replace('grade = "B"', 'grade = "A"'), _kpi("1"),
            employees=EMPLOYEES)
    assert "scorecards.s.grading.bands: grades must be unique" in e.value.message


def test_eligibility_without_ranks(tmp_path):
    card = BANDS.replace("ranking_min = 70", "ranking_min = 70\nrank = false")
    ev = run(tmp_path, SRC, card, _kpi("95", "69.99"), employees=EMPLOYEES.split("E3")[0])
    assert ev.result("E1").grade.rank is None and ev.result("E1").grade.eligible
    assert "ranked" not in ev.result("E1").text()
    assert not ev.result("E2").grade.eligible
    assert "below 70: not ranked" in ev.result("E2").text()
