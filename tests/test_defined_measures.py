"""The counting measures' KPI options (count over several columns, count ``when_empty``,
``definition``/``unit``) and KPI catalogues as data (``load_catalogue``): hand-computed values at
their boundaries (blank cells, an empty column, zero, nothing reported) and the ledger text."""

from fractions import Fraction

import pytest
from blockkit import run

from scorecard import hookimpl
from scorecard.errors import RuleSetError
from scorecard.testing import registered
from scorecard_plugins.metrics.catalogue import CatalogueError, load_catalogue

SRC = """
[sources.k]
path = "k.csv"
period_by = "period"
[sources.k.columns]
employee_id = "str"
period = "period"
a = "int?"
b = "int?"
x = "decimal?"
y = "decimal?"
"""
# line 2: E1 October a 120, b 30; line 3: a 0, b 0; line 4: a 5, b blank; line 5: a blank,
# b 40; line 6: November (out of the period); line 7: E2's only row, a blank
ROWS = {"k.csv": """\
employee_id,period,a,b,x,y
E1,2026-10,120,30,0.1,0.2
E1,2026-10,0,0,,
E1,2026-10,5,,,
E1,2026-10,,40,,
E1,2026-11,1000,1000,,
E2,2026-10,,7,,
"""}


def _count(extra):
    return f'[[scorecards.s.items]]\nid = "c"\ntype = "count"\nsource = "k"\nin_total = false\n' \
           f'{extra}\n'


def test_count_adds_up_several_columns_a_blank_cell_adding_0(tmp_path):
    ev = run(tmp_path, SRC, _count('sum_column = ["a", "b"]'), ROWS)
    # E1: (120 + 30) + (0 + 0) + (5 + 0) + (0 + 40) = 195; November's 2000 is out
    assert ev.result("E1").item("c").measure.value == 195
    # E2: blank + 7 = 7 (no filled: the row counts)
    assert ev.result("E2").item("c").measure.value == 7
    # each row is evidence, with its own sum: line 2 120 + 30 = 150
    assert "c: k.csv:2 ×150" in ev.result("E1").text()


def test_count_of_several_columns_with_filled_leaves_incomplete_rows_out(tmp_path):
    ev = run(tmp_path, SRC, _count('sum_column = ["a", "b"]\nfilled = ["a"]'), ROWS)
    # line 5 (a blank) left out: 150 + 0 + 5 = 155
    assert ev.result("E1").item("c").measure.value == 155
    # E2's only row leaves a blank: no row counts, and a count of nothing is 0 by default
    assert ev.result("E2").item("c").measure.value == 0


def test_count_of_several_decimal_columns_is_exact(tmp_path):
    ev = run(tmp_path, SRC, _count('sum_column = ["x", "y"]'), ROWS)
    # 0.1 + 0.2 = 3/10 exactly (binary floats give 0.30000000000000004); blanks add 0
    assert ev.result("E1").item("c").measure.value == Fraction(3, 10)
    assert ev.result("E2").item("c").measure.value == 0


@pytest.mark.parametrize("when_empty, e2", [
    ("", 0),                   # default: nothing counted is 0
    ('"no data"', None),       # nothing reported is no data
    ("5", 5),                  # a declared value
])
def test_count_when_empty(tmp_path, when_empty, e2):
    extra = 'sum_column = "a"\nfilled = ["a"]' + (f"\nwhen_empty = {when_empty}" if when_empty
                                                  else "")
    ev = run(tmp_path, SRC, _count(extra), ROWS)
    # E1 reports a: 120 + 0 + 5 = 125 whatever when_empty says
    assert ev.result("E1").item("c").measure.value == 125
    # E2's only row has a blank a (the empty-column boundary): nothing counts
    assert ev.result("E2").item("c").measure.value == e2
    if e2 is None:
        assert "c: no rows this period: no data" in ev.result("E2").text()
    elif e2 == 5:
        assert "c: no rows this period: 5 by rule" in ev.result("E2").text()


def test_count_when_empty_no_data_keeps_a_reported_zero(tmp_path):
    # E1's November row... in October only line 3 matches a = 0: a reported 0 is 0, not no data
    card = _count('sum_column = ["a", "b"]\nmatch = { a = 0 }\nwhen_empty = "no data"')
    ev = run(tmp_path, SRC, card, ROWS)
    assert ev.result("E1").item("c").measure.value == 0
    assert ev.result("E2").item("c").measure.value is None


@pytest.mark.parametrize("extra, where, reason", [
    ("sum_column = []", "items[0].sum_column", "give a column or a list of columns"),
    ('sum_column = ["a", "period"]', "items[0].sum_column", "it must be int or decimal"),
    ('sum_column = ["a", "bb"]', "items[0].sum_column", "'b'"),
    ('when_empty = "none"', "items[0].when_empty", "'no data'"),
])
def test_count_bad_declarations(tmp_path, extra, where, reason):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, SRC, _count(extra), ROWS)
    assert f"scorecards.s.{where}" in e.value.message and reason in e.value.message


# -- definition and unit: the ledger of a KPI ---------------------------------------------------
def _defined(kind, extra):
    return f"""
[[scorecards.s.items]]
id = "m"
type = "{kind}"
source = "k"
in_total = false
definition = "KPI = the formula"
{extra}
"""


def test_defined_rate_explains_definition_calculation_unit_and_rows(tmp_path):
    card = _defined("rate", 'numerator_sum = "a"\ndenominator_sum = "b"\nfilled = ["a", "b"]\n'
                            'unit = "%"')
    ev = run(tmp_path, SRC, card, ROWS)
    # E1, rows with a and b: lines 2 and 3: (120 + 0) / (30 + 0) × 100 = 400 %
    e1 = ev.result("E1")
    assert e1.item("m").measure.value == 400
    assert "m: KPI = the formula\nm: 120 / 30 × 100 = 400 % (k.csv:2, k.csv:3)" in e1.text()
    # E2: no row reports both
    assert ev.result("E2").item("m").measure.value is None
    assert "m: KPI = the formula\nm: nothing reported: no data" in ev.result("E2").text()


def test_defined_rate_with_denominator_0_and_when_empty(tmp_path):
    # only line 3 (a 0, b 0) matches: the denominator adds up to 0
    card = _defined("rate", 'numerator_sum = "a"\ndenominator_sum = "b"\nmatch = { a = 0 }\n'
                            'scale = 1')
    ev = run(tmp_path, SRC, card, ROWS)
    assert ev.result("E1").item("m").measure.value is None
    assert "m: b is 0: no data" in ev.result("E1").text()
    ev = run(tmp_path / "w", SRC, card + "when_empty = 100\n", ROWS)
    assert ev.result("E1").item("m").measure.value == 100
    assert "m: b is 0: 100 by rule" in ev.result("E1").text()


def test_defined_rate_of_scale_1_shows_no_factor(tmp_path):
    card = _defined("rate", 'numerator_sum = "a"\ndenominator_sum = "b"\nfilled = ["a", "b"]\n'
                            'scale = 1\nunit = "h per case"')
    ev = run(tmp_path, SRC, card, ROWS)
    # 120 / 30 = 4
    assert "m: 120 / 30 = 4 h per case (k.csv:2, k.csv:3)" in ev.result("E1").text()


def test_defined_count_and_mean(tmp_path):
    card = _defined("count", 'sum_column = ["a", "b"]\nfilled = ["a", "b"]\nunit = "calls"\n'
                             'when_empty = "no data"')
    ev = run(tmp_path, SRC, card, ROWS)
    # lines 2 and 3: (120 + 30) + (0 + 0) = 150
    assert "m: KPI = the formula\nm: Σ a + Σ b = 150 calls (k.csv:2, k.csv:3)" in \
        ev.result("E1").text()
    assert "m: nothing reported: no data" in ev.result("E2").text()
    card = _defined("mean", 'column = "a"\nunit = "points"')
    ev = run(tmp_path / "mean", SRC, card, ROWS)
    # a in lines 2, 3, 4 (line 5 blank): (120 + 0 + 5) / 3 = 125/3 ≈ 41.67
    assert ev.result("E1").item("m").measure.value == Fraction(125, 3)
    assert "m: 125 / 3 row(s) = ≈41.6667 points (k.csv:2, k.csv:3, k.csv:4)" in \
        ev.result("E1").text()
    assert "m: nothing reported: no data" in ev.result("E2").text()


def test_without_definition_the_ledger_is_unchanged(tmp_path):
    card = _count('sum_column = "a"').replace('id = "c"', 'id = "c"') + """
[[scorecards.s.items]]
id = "r"
type = "rate"
source = "k"
in_total = false
numerator_sum = "a"
denominator_sum = "b"
filled = ["a", "b"]
"""
    text = run(tmp_path, SRC, card, ROWS).result("E1").text()
    assert "r: rate 120/30 × 100 = 400" in text and "r: KPI" not in text
    assert "c: k.csv:2 ×120" in text


def test_defined_measures_give_the_same_numbers_without_the_ledger(tmp_path):
    card = "".join(_defined(kind, extra).replace('id = "m"', f'id = "{kind}"') for kind, extra in (
        ("rate", 'numerator_sum = "a"\ndenominator_sum = "b"\nfilled = ["a", "b"]'),
        ("count", 'sum_column = ["a", "b"]\nwhen_empty = "no data"\nfilled = ["a"]'),
        ("mean", 'column = "b"')))
    full = run(tmp_path / "a", SRC, card, ROWS)
    lean = run(tmp_path / "b", SRC, card, ROWS, ledger=False)
    for e in ("E1", "E2"):
        for i in ("rate", "count", "mean"):
            a, b = full.result(e).item(i).measure, lean.result(e).item(i).measure
            assert (a.value, a.data) == (b.value, b.data), (e, i)


# -- a KPI catalogue as data ----------------------------------------------------------------------
CATALOGUE = """
[catalogue]
name = "test_kpi"
description = "a test catalogue"

[kpis.ratio]
type = "rate"
label = "a over b"
definition = "ratio = a / b × 100 %"
unit = "%"
numerator_sum = "a"
denominator_sum = "b"
filled = ["a", "b"]

[kpis.volume]
type = "count"
definition = "volume = a + b"
unit = "calls"
sum_column = ["a", "b"]
filled = ["a", "b"]
when_empty = "no data"
"""


def _plugin(path):
    class Plugin:
        @hookimpl
        def register_metric_types(self, register):
            register(load_catalogue(path))
    return Plugin()


def _kpi(kpi, extra=""):
    return f'[[scorecards.s.items]]\nid = "{kpi}"\ntype = "test_kpi"\nsource = "k"\n' \
           f'kpi = "{kpi}"\nin_total = false\n{extra}\n'


def test_catalogue_entries_are_built_in_measures(tmp_path):
    (tmp_path / "kpis.toml").write_text(CATALOGUE, encoding="utf-8")
    with registered(_plugin(tmp_path / "kpis.toml"), "test-kpis"):
        ev = run(tmp_path / "r", SRC, _kpi("ratio") + _kpi("volume"), ROWS)
        e1, e2 = ev.result("E1"), ev.result("E2")
        # lines 2 and 3: (120 + 0) / (30 + 0) × 100 = 400 %; volume 150 + 0 = 150
        assert (e1.item("ratio").measure.value, e1.item("volume").measure.value) == (400, 150)
        assert "ratio: ratio = a / b × 100 %\nratio: 120 / 30 × 100 = 400 % (k.csv:2, " \
               "k.csv:3)" in e1.text()
        # E2 reports no complete row: no data for both
        assert (e2.item("ratio").measure.value, e2.item("volume").measure.value) == (None, None)
        # the item may give its own when_empty (and match)
        ev = run(tmp_path / "w", SRC, _kpi("volume", "when_empty = 0"), ROWS)
        assert ev.result("E2").item("volume").measure.value == 0
        assert "volume: nothing reported: 0 by rule" in ev.result("E2").text()


def test_catalogue_item_errors_name_the_kpi(tmp_path):
    (tmp_path / "kpis.toml").write_text(CATALOGUE, encoding="utf-8")
    with registered(_plugin(tmp_path / "kpis.toml"), "test-kpis"):
        with pytest.raises(RuleSetError) as e:
            run(tmp_path / "a", SRC, _kpi("ration"), ROWS)
        assert "items[0].kpi" in e.value.message and "unknown KPI 'ration'" in e.value.message
        assert "did you mean 'ratio'" in e.value.message
        # the entry reads a column the rule set's source does not declare
        with pytest.raises(RuleSetError) as e:
            run(tmp_path / "b", SRC.replace('b = "int?"\n', ""), _kpi("ratio"), ROWS)
        assert "items[0].kpi" in e.value.message and "KPI 'ratio' (kpis.toml)" in e.value.message


@pytest.mark.parametrize("change, message", [
    (('type = "rate"', 'type = "ratio"'), "kpis.ratio.type: expected one of count, rate, mean"),
    (('unit = "%"', 'unit = "%"\nsource = "k"'), "kpis.ratio.source: the item names the source"),
    (('unit = "%"', 'unit = "%"\nfiled = ["a"]'), "kpis.ratio.filed: unknown key; did you mean "
                                                  "'filled'?"),
    (('name = "test_kpi"', ""), "[catalogue] name: missing"),
    (("[kpis.ratio]", "[kpi.ratio]"), "unknown table(s) kpi"),
])
def test_bad_catalogue_file_is_named_with_its_key(tmp_path, change, message):
    path = tmp_path / "kpis.toml"
    path.write_text(CATALOGUE.replace(*change), encoding="utf-8")
    with pytest.raises(CatalogueError) as e:
        load_catalogue(path)
    assert str(path) in str(e.value) and message in str(e.value)
