"""timeliness with per-step starts, a reopened column, late counts, requirements missed over a
whole register (scope all), and first_of falling back to a typed-in item. By hand; the calendar
is China's: Mon 2026-10-12 .. Fri 10-16 and Mon 10-19 .. are working days."""

from fractions import Fraction

from blockkit import run

SOURCES = """
[sources.reg]
path = "reg.csv"
period_by = "received"
[sources.reg.columns]
id = "str"
employee_id = "str"
received = "timestamp"
fixed = "timestamp?"
visited = "timestamp?"
reopened = { type = "bool", default = false }

[sources.typed]
path = "typed.csv"
period_by = "period"
[sources.typed.columns]
employee_id = "str"
period = "period"
points = "decimal"
"""

STEPS = """
source = "reg"
start = "received"
ref_column = "id"
steps = [
    { end = "fixed", limit = "3 wd", label = "fixed" },
    { start = "fixed", end = "visited", limit = "2 wd", label = "visit" },
]
not_timely_when = "reopened"
not_timely_label = "reopened"
"""

CARD = f"""
[[scorecards.s.items]]
id = "rate"
type = "timeliness"
in_total = false
{STEPS}

[[scorecards.s.items]]
id = "late"
type = "timeliness"
in_total = false
value = "late_count"
when_empty = 0
{STEPS}

[[scorecards.s.items]]
id = "missed"
type = "timeliness"
in_total = false
value = "steps_missed"
scope = "all"
no_data_when_empty = true
{STEPS}

[[scorecards.s.items]]
id = "typed"
type = "lookup"
in_total = false
source = "typed"
column = "points"

[[scorecards.s.items]]
id = "handling"
type = "first_of"
items = ["missed", "typed"]
use = "value"
"""

# A1 fixed Thu 10-15 (3rd working day: met), visited Mon 10-19 (2nd after the fix: met): timely
# A2 fixed Fri 10-16 (4th: late)
# A3 fixed Thu 10-15, visited Tue 10-20 (3rd after the fix: late)
# A4 timely times but reopened: not timely
# A5 not fixed yet, received 10-30: the fix is due 11-04, the visit's clock has not started;
#    the blank fix is late by default (open_end = "late")
REG = """\
id,employee_id,received,fixed,visited,reopened
A1,E1,2026-10-12 09:00,2026-10-15 23:59,2026-10-19 18:00,0
A2,E1,2026-10-12 09:00,2026-10-16 00:00,2026-10-16 10:00,0
A3,E1,2026-10-12 09:00,2026-10-15 10:00,2026-10-20 08:00,0
A4,E1,2026-10-12 09:00,2026-10-13 10:00,2026-10-14 10:00,1
"""
TYPED = "employee_id,period,points\nE1,2026-10,7\nE2,2026-10,9\n"


def test_per_step_start_reopened_late_count_and_scope_all(tmp_path):
    ev = run(tmp_path, SOURCES, CARD, {"reg.csv": REG, "typed.csv": TYPED})
    e1, e2 = ev.result("E1"), ev.result("E2")
    # 1 of 4 timely (A1): 25; late count 3
    assert e1.item("rate").measure.value == 25
    assert e1.item("late").measure.value == 3
    assert e2.item("late").measure.value == 0  # no row: when_empty 0
    # scope all: E2 has no row of its own but is judged on the whole register: fixed (A2),
    # visit (A3) and reopened (A4) were each missed by some row → 3
    assert e1.item("missed").measure.value == 3
    assert e2.item("missed").measure.value == 3
    # first_of: the register's figure, not the typed one
    assert e1.points("handling") == 3 and e2.points("handling") == 3
    text = e1.text()
    assert "A4 received 2026-10-12 09:00: not timely (reopened)" in text
    assert "visit at 2026-10-20 08:00" in text


def test_empty_register_falls_back_to_the_typed_figure(tmp_path):
    reg = REG.splitlines()[0] + "\n"
    ev = run(tmp_path, SOURCES, CARD, {"reg.csv": reg, "typed.csv": TYPED})
    assert ev.result("E1").item("missed").measure.value is None  # no_data_when_empty
    assert ev.result("E1").points("handling") == 7
    assert ev.result("E2").points("handling") == 9
    assert "handling: value of typed = 7 (missed: no data)" in ev.result("E1").text()
    assert ev.result("E1").item("rate").measure.value == Fraction(100)  # when_empty default
