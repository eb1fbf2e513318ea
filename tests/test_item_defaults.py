"""[scorecards.X.item_defaults.TYPE]: keys every item of that metric type gets unless it sets
them itself (the wholesale forms' three raters, written once instead of on every item)."""

import pytest
from blockkit import run

from scorecard.errors import RuleSetError

SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
a = "decimal"
b = "decimal"
"""
FILES = {"kpi.csv": "employee_id,period,a,b\nE1,2026-10,7,3\nE2,2026-10,1,9\n"}
CARD = """
[scorecards.s.item_defaults.lookup]
source = "kpi"
column = "a"

[[scorecards.s.items]]
id = "first"
type = "lookup"

[[scorecards.s.items]]
id = "second"
type = "lookup"
column = "b"
"""


def test_items_take_the_defaults_and_their_own_keys_win(tmp_path):
    ev = run(tmp_path, SRC, CARD, FILES)
    # first: the default column a; second: its own column b
    assert (ev.result("E1").points("first"), ev.result("E1").points("second")) == (7, 3)
    assert (ev.result("E2").points("first"), ev.result("E2").points("second")) == (1, 9)
    assert ev.result("E1").total == 10  # 7 + 3


@pytest.mark.parametrize("old, new, where", [
    ('column = "a"', 'colum = "a"',
     "scorecards.s.item_defaults.lookup.colum: not a key of 'lookup' items; did you mean "
     "'column'?"),
    ("item_defaults.lookup]", "item_defaults.lokup]", "scorecards.s.item_defaults.lokup.type"),
])
def test_bad_defaults_are_located(tmp_path, old, new, where):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, SRC, CARD.replace(old, new, 1), FILES)
    assert where in e.value.message
