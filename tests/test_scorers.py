"""Scorers (deduct, shortfall, tiers, scale): points from a measured value at the boundaries,
clamping to [0, max], discretionary bases and bad input."""

from fractions import Fraction

import pytest
from blockkit import run

from scorecard.errors import DataError

KPI_SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
item = "str"
v = "decimal?"
"""


def kpi(**values):
    """kpi.csv with one October row per employee for item "x"."""
    rows = "".join(f"{e},2026-10,x,{v}\n" for e, v in values.items())
    return {"kpi.csv": "employee_id,period,item,v\n" + rows}


def item(score, max_=None, extra=""):
    return f"""
[[scorecards.s.items]]
id = "x"
type = "lookup"
source = "kpi"
column = "v"
match = {{ item = "x" }}
{'' if max_ is None else f'max = {max_}'}
score = {score}
{extra}
"""


# -- deduct --------------------------------------------------------------------------------
EVENTS_SRC = """
[sources.lapses]
path = "lapses.csv"
period_by = "day"
[sources.lapses.columns]
employee_id = "str"
day = "date"

[sources.marks]
path = "marks.csv"
period_by = "period"
[sources.marks.columns]
employee_id = "str"
period = "period"
item = "str"
mark = "decimal"
"""


def _deduct(score='{ type = "deduct", per = 1 }'):
    return f"""
[[scorecards.s.items]]
id = "polite"
type = "count"
source = "lapses"
max = 10
score = {score}
"""


def _lapses(e1, e2):
    rows = [f"E1,2026-10-{d + 1:02d}" for d in range(e1)]
    rows += [f"E2,2026-10-{d % 28 + 1:02d}" for d in range(e2)]
    return "employee_id,day\n" + "\n".join(rows) + "\n"


def test_deduct_from_max_and_clamp_at_zero(tmp_path):
    files = {"lapses.csv": _lapses(3, 12), "marks.csv": "employee_id,period,item,mark\n"}
    ev = run(tmp_path, EVENTS_SRC, _deduct(), files)
    assert ev.result("E1").points("polite") == 7  # 10 − 1 × 3
    assert ev.result("E2").points("polite") == 0  # 10 − 12 = −2, clamped to 0
    assert "10 (item max) − 1 × 12 = -2, clamped to [0, 10] → 0" in ev.result("E2").text()


def test_deduct_exactly_to_zero_and_half_points(tmp_path):
    files = {"lapses.csv": _lapses(10, 3), "marks.csv": "employee_id,period,item,mark\n"}
    ev = run(tmp_path, EVENTS_SRC, _deduct('{ type = "deduct", per = 0.5 }'), files)
    assert ev.result("E1").points("polite") == 5  # 10 − 0.5 × 10
    assert ev.result("E2").points("polite") == Fraction("8.5")  # 10 − 0.5 × 3


def test_deduct_from_a_discretionary_base(tmp_path):
    marks = "employee_id,period,item,mark\nE1,2026-10,polite,8\nE1,2026-09,polite,2\n"
    files = {"lapses.csv": _lapses(3, 1), "marks.csv": marks}
    ev = run(tmp_path, EVENTS_SRC, _deduct('{ type = "deduct", base_source = "marks" }'), files)
    assert ev.result("E1").points("polite") == 5  # October mark 8 − 3; September's 2 ignored
    assert ev.result("E2").points("polite") == 9  # no mark: the max 10 − 1
    assert "discretionary base 8 (marks.csv:2)" in ev.result("E1").text()


def test_discretionary_base_above_the_max_is_an_error(tmp_path):
    marks = "employee_id,period,item,mark\nE1,2026-10,polite,11\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, EVENTS_SRC, _deduct('{ type = "deduct", base_source = "marks" }'),
            {"lapses.csv": _lapses(0, 0), "marks.csv": marks})
    assert "marks.csv:2:mark: mark 11 for polite is outside 0..10" in e.value.message


# -- shortfall -----------------------------------------------------------------------------
@pytest.mark.parametrize("value, points", [
    ("90", 15),  # at the target: full
    ("100", 15),
    ("89.99", 14),  # a started step counts: ⌈0.01⌉ = 1
    ("89", 14),  # exactly one step
    ("87.5", 12),  # ⌈2.5⌉ = 3
    ("0", 0),  # 15 − 90 clamped to 0
])
def test_shortfall_started_steps(tmp_path, value, points):
    sc = '{ type = "shortfall", target = 90, step = 1, per_step = 1 }'
    ev = run(tmp_path, KPI_SRC, item(sc, 15), kpi(E1=value, E2=90))
    assert ev.result("E1").points("x") == points


def test_shortfall_wider_steps_and_no_data(tmp_path):
    sc = '{ type = "shortfall", target = 90, step = 5, per_step = 2 }'
    ev = run(tmp_path, KPI_SRC, item(sc, 15), kpi(E1="84"))
    assert ev.result("E1").points("x") == 11  # ⌈6 / 5⌉ = 2 steps × 2 = 4: 15 − 4
    assert ev.result("E2").points("x") == 15  # nothing measured: keeps the base
    sc = sc.replace("}", ', no_data = "leave_out" }')
    ev = run(tmp_path / "b", KPI_SRC, item(sc, 15), kpi(E1="84"))
    assert ev.result("E2").points("x") is None


# -- tiers ---------------------------------------------------------------------------------
TIERS = """{ type = "tiers", tiers = [
  { min = 90, points = 20 }, { min = 85, points = 10 }, { min = 80, points = 5 },
] }"""


@pytest.mark.parametrize("value, points", [
    ("100", 20), ("90", 20), ("89.99", 10), ("85", 10), ("84.999", 5), ("80", 5),
    ("79.99", 0),  # below every tier: otherwise = 0 (the default)
])
def test_tiers_lower_bounds_inclusive(tmp_path, value, points):
    ev = run(tmp_path, KPI_SRC, item(TIERS, 20), kpi(E1=value, E2=90))
    assert ev.result("E1").points("x") == points


def test_tiers_gap_falls_to_otherwise(tmp_path):
    sc = '{ type = "tiers", tiers = [{ min = 90, points = 20 }, { below = 50, points = 0 }] }'
    ev = run(tmp_path, KPI_SRC, item(sc, 20), kpi(E1="70", E2="40"))
    assert ev.result("E1").points("x") == 0  # in the gap: otherwise 0, said in the ledger
    assert "70 → tier no tier matched → 0" in ev.result("E1").text()


def test_tiers_equals_is_exact_and_no_data(tmp_path):
    sc = ('{ type = "tiers", no_data = 5, tiers = [{ equals = 0.1, points = 3 }, '
          '{ max = 0.3, points = 2 }] }')
    ev = run(tmp_path, KPI_SRC, item(sc, 5), kpi(E1="0.1"))
    assert ev.result("E1").points("x") == 3  # 0.1 read as exactly 1/10
    assert ev.result("E2").points("x") == 5  # nothing measured: no_data


def test_tiers_above_below_are_strict(tmp_path):
    sc = '{ type = "tiers", tiers = [{ above = 3, points = 0 }, { below = 3, points = 10 }] }'
    ev = run(tmp_path, KPI_SRC, item(sc, 10), kpi(E1="3", E2="2.99"))
    assert ev.result("E1").points("x") == 0  # exactly 3 is neither > 3 nor < 3: otherwise 0
    assert ev.result("E2").points("x") == 10


# -- scale ---------------------------------------------------------------------------------
def test_scale_factor_and_clamp(tmp_path):
    sc = '{ type = "scale", factor = 0.12 }'
    ev = run(tmp_path, KPI_SRC, item(sc, 12), kpi(E1="87.5", E2="110"))
    assert ev.result("E1").points("x") == Fraction("10.5")  # 87.5 × 0.12
    assert ev.result("E2").points("x") == 12  # 13.2 clamped to the max
    sc = '{ type = "scale", factor = 0.12, clamp = false }'
    ev = run(tmp_path / "b", KPI_SRC, item(sc, 12), kpi(E1="87.5", E2="110"))
    assert ev.result("E2").points("x") == Fraction("13.2")


def test_scorer_params_are_checked(tmp_path):
    from scorecard.errors import RuleSetError

    sc = '{ type = "shortfall", target = 90, step = 0 }'
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, KPI_SRC, item(sc, 15), kpi(E1="1"))
    assert "scorecards.s.items[0].score.step: must be above 0" in e.value.message
    sc = '{ type = "deduct", per = 1, pre = 2 }'
    with pytest.raises(RuleSetError) as e:
        run(tmp_path / "b", KPI_SRC, item(sc, 15), kpi(E1="1"))
    assert "scorecards.s.items[0].score.pre" in e.value.message


def test_unknown_scorer_is_named(tmp_path):
    from scorecard.errors import ScorecardError

    with pytest.raises(ScorecardError) as e:
        run(tmp_path, KPI_SRC, item('{ type = "dedcut" }', 15), kpi(E1="1"))
    assert "dedcut" in e.value.message and "deduct" in e.value.message


# -- item_band (formerly "band") ---------------------------------------------------------------
BANDS = '[{ grade = "good", min = 80 }, { grade = "poor" }]'


def test_item_band_old_name_still_works_and_check_warns(tmp_path):
    from scorecard.check import check_ruleset

    new = run(tmp_path / "new", KPI_SRC, item(f'{{ type = "item_band", bands = {BANDS} }}', 100),
              kpi(E1="80", E2="79.5"))
    old = run(tmp_path / "old", KPI_SRC, item(f'{{ type = "band", bands = {BANDS} }}', 100),
              kpi(E1="80", E2="79.5"))
    for ev in (new, old):
        assert ev.result("E1").points("x") == 80  # the value itself; 80 ≥ 80: "good"
        assert ev.result("E2").points("x") == Fraction("79.5")  # 79.5 < 80: "poor"
    texts = [[ln.text for ln in ev.result("E1").lines] for ev in (old, new)]
    assert texts[0] == texts[1]
    assert any("band good: 80 ≥ 80" in ln.text for ln in old.result("E1").lines)
    warned = [f for f in check_ruleset(old.ruleset) if "deprecated" in f.message]
    assert [(f.severity, f.path) for f in warned] == [
        ("warning", "scorecards.s.items[0].score.type")]
    assert 'write type = "item_band"' in warned[0].message
    assert not [f for f in check_ruleset(new.ruleset) if "deprecated" in f.message]
