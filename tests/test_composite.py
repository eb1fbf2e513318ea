"""Weighted composite: components without data are left out and the rest rescaled, or counted
as 0 when the rule says so; required components; points vs values."""

from fractions import Fraction

import pytest
from blockkit import run

from scorecard.errors import RuleSetError

KPI_SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
item = "str"
v = "decimal"
"""


def _parts():
    return "".join(f"""
[[scorecards.s.items]]
id = "{i}"
type = "lookup"
source = "kpi"
column = "v"
match = {{ item = "{i}" }}
in_total = false
""" for i in ("csi", "ftfr", "timely"))


def _card(extra=""):
    return _parts() + f"""
[[scorecards.s.items]]
id = "month"
type = "composite"
components = {{ csi = 0.7, ftfr = 0.2, timely = 0.1 }}
{extra}
"""


KPI = """\
employee_id,period,item,v
E1,2026-10,csi,80
E1,2026-10,ftfr,90
E1,2026-10,timely,100
E2,2026-10,csi,80
E2,2026-10,timely,100
"""


def test_composite_full_and_rescaled(tmp_path):
    ev = run(tmp_path, KPI_SRC, _card(), {"kpi.csv": KPI})
    # E1: 0.7×80 + 0.2×90 + 0.1×100 = 56 + 18 + 10 = 84
    assert ev.result("E1").item("month").measure.value == 84
    assert ev.result("E1").score == 84
    # E2 has no ftfr: (0.7×80 + 0.1×100) / 0.8 = 66 / 0.8 = 82.5
    assert ev.result("E2").item("month").measure.value == Fraction("82.5")
    assert "ftfr left out, weights rescaled" in ev.result("E2").text()


def test_composite_missing_counted_as_zero(tmp_path):
    ev = run(tmp_path, KPI_SRC, _card("rescale_missing = false"), {"kpi.csv": KPI})
    assert ev.result("E2").item("month").measure.value == 66  # 56 + 0 + 10
    assert "ftfr missing, counted as 0" in ev.result("E2").text()


def test_composite_required_component(tmp_path):
    ev = run(tmp_path, KPI_SRC, _card('require = ["ftfr"]'), {"kpi.csv": KPI})
    assert ev.result("E2").item("month").measure.value is None
    assert ev.result("E1").item("month").measure.value == 84


def test_composite_of_points(tmp_path):
    card = _parts().replace("in_total = false", 'in_total = false\nmax = 85') + """
[[scorecards.s.items]]
id = "month"
type = "composite"
use = "points"
components = { csi = 0.5, ftfr = 0.5 }
"""
    ev = run(tmp_path, KPI_SRC, card, {"kpi.csv": KPI})
    # points are clamped to max 85: ftfr 90 → 85; 0.5×80 + 0.5×85 = 82.5
    assert ev.result("E1").item("month").measure.value == Fraction("82.5")


def test_composite_components_must_be_earlier_items(tmp_path):
    card = _card().replace("timely = 0.1", "timley = 0.1")
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, KPI_SRC, card, {"kpi.csv": KPI})
    assert "scorecards.s.items[3].components.timley: not an item declared before 'month'" in \
        e.value.message


def test_composite_weights_must_be_positive(tmp_path):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, KPI_SRC, _card().replace("timely = 0.1", "timely = 0"), {"kpi.csv": KPI})
    assert "scorecards.s.items[3].components.timely: weight 0 must be above 0" in e.value.message
