"""Generic measures (count, rate, mean, limit_breaches, likert, lookup, rater_mean, conditions):
hand-computed values at their boundaries, and bad input named by file:line:column."""

from fractions import Fraction

import pytest
from blockkit import run

from scorecard.errors import DataError, RuleSetError

EVENTS_SRC = """
[sources.events]
path = "events.csv"
period_by = "at"
[sources.events.columns]
employee_id = "str"
at = "timestamp"
kind = "enum:a|b"
n = "int"
"""
# line 2: first second of October (in); line 3: last second (in); line 4: first second of
# November (out); line 5: last second of September (out); line 6: kind b
EVENTS = """\
employee_id,at,kind,n
E1,2026-10-01 00:00:00,a,3
E1,2026-10-31 23:59:59,a,4
E1,2026-11-01 00:00:00,a,100
E1,2026-09-30 23:59:59,a,100
E2,2026-10-15 12:00,b,5
"""


def test_count_rows_and_sum_in_period_only(tmp_path):
    card = """
[[scorecards.s.items]]
id = "n_a"
type = "count"
source = "events"
match = { kind = "a" }
[[scorecards.s.items]]
id = "sum_a"
type = "count"
source = "events"
match = { kind = "a" }
sum_column = "n"
"""
    ev = run(tmp_path, EVENTS_SRC, card, {"events.csv": EVENTS})
    e1, e2 = ev.result("E1"), ev.result("E2")
    assert e1.item("n_a").measure.value == 2  # lines 2 and 3; 4 and 5 are outside October
    assert e1.item("sum_a").measure.value == 7  # 3 + 4
    assert e2.item("n_a").measure.value == 0  # only a "b" row
    assert "events.csv:2" in e1.text() and "events.csv:4" not in e1.text()


RATE_SRC = """
[sources.contacts]
path = "contacts.csv"
period_by = "at"
[sources.contacts.columns]
employee_id = "str"
at = "timestamp"
satisfied = "bool?"
done = "int"
planned = "int"
"""
CONTACTS = """\
employee_id,at,satisfied,done,planned
E1,2026-10-01 09:00,是,3,4
E1,2026-10-02 09:00,true,1,1
E1,2026-10-03 09:00,否,0,0
E1,2026-10-04 09:00,,0,0
E2,2026-10-04 09:00,,0,0
E2,2026-11-04 09:00,yes,1,1
"""


def _rate(extra):
    return f"""
[[scorecards.s.items]]
id = "r"
type = "rate"
source = "contacts"
{extra}
"""


def test_rate_of_bool_column_leaves_blanks_out(tmp_path):
    ev = run(tmp_path, RATE_SRC, _rate('of = "satisfied"'), {"contacts.csv": CONTACTS})
    # E1: 2 true of 3 answered (the blank row is left out): 2/3 × 100 = 200/3
    assert ev.result("E1").item("r").measure.value == Fraction(200, 3)
    # E2: only a blank answer in October (the November "yes" is outside): no data
    assert ev.result("E2").item("r").measure.value is None
    assert "no data (denominator 0)" in ev.result("E2").text()


def test_rate_when_empty_gives_declared_value(tmp_path):
    ev = run(tmp_path, RATE_SRC, _rate('of = "satisfied"\nwhen_empty = 100'),
             {"contacts.csv": CONTACTS})
    assert ev.result("E2").item("r").measure.value == 100
    assert "denominator 0, value 100 by rule" in ev.result("E2").text()


def test_rate_numerator_and_denominator_matches(tmp_path):
    ev = run(tmp_path, RATE_SRC, _rate("numerator = { satisfied = true }"),
             {"contacts.csv": CONTACTS})
    # denominator = every October row of E1 (4, the blank included): 2/4 × 100 = 50
    assert ev.result("E1").item("r").measure.value == 50


def test_rate_of_sums_with_scale(tmp_path):
    ev = run(tmp_path, RATE_SRC, _rate('numerator_sum = "done"\ndenominator_sum = "planned"\n'
                                       'scale = 1\nwhen_empty = 1'), {"contacts.csv": CONTACTS})
    assert ev.result("E1").item("r").measure.value == Fraction(4, 5)  # (3+1+0+0)/(4+1+0+0)
    assert ev.result("E2").item("r").measure.value == 1  # 0/0: the declared value


@pytest.mark.parametrize("extra, where", [
    ('of = "satisfied"\nnumerator_sum = "done"\ndenominator_sum = "planned"', "items[0]"),
    ("denominator = { satisfied = true }", "items[0].numerator"),
    ('numerator_sum = "done"', "items[0]"),
])
def test_rate_bad_declarations(tmp_path, extra, where):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, RATE_SRC, _rate(extra), {"contacts.csv": CONTACTS})
    assert f"scorecards.s.{where}" in e.value.message


MEAN_SRC = """
[sources.rated]
path = "rated.csv"
period_by = "day"
[sources.rated.columns]
employee_id = "str"
day = "date"
score = "decimal?"
"""
RATED = """\
employee_id,day,score
E1,2026-10-01,80
E1,2026-10-31,90.5
E1,2026-10-15,
E1,2026-11-01,0
"""


def test_mean_leaves_blanks_out_and_when_empty(tmp_path):
    card = """
[[scorecards.s.items]]
id = "m"
type = "mean"
source = "rated"
column = "score"
when_empty = 0
"""
    ev = run(tmp_path, MEAN_SRC, card, {"rated.csv": RATED})
    assert ev.result("E1").item("m").measure.value == Fraction("85.25")  # (80 + 90.5) / 2
    assert ev.result("E2").item("m").measure.value == 0  # nothing recorded: declared 0
    assert "mean 170.5/2 = 85.25" in ev.result("E1").text()


# -- limit breaches ------------------------------------------------------------------------
LIMIT_SRC = """
[sources.cases]
path = "cases.csv"
period_by = "received"
[sources.cases.columns]
case_id = "str"
employee_id = "str"
channel = "enum:phone|online|email"
received = "timestamp"
closed = "timestamp?"
"""
LIMIT_ROWS = """\
case_id,employee_id,channel,received,closed
c1,E1,phone,2026-10-01 08:00:00,2026-10-01 08:00:20
c2,E1,phone,2026-10-01 09:00:00,2026-10-01T09:00:21
c3,E1,online,2026-10-02 10:00,2026-10-02 10:01
c4,E1,email,2026-10-31 23:00:00,
c5,E1,email,2026-10-30 23:00:00,
c6,E1,email,2026-10-31 00:00:00,
c7,E2,email,2026-10-01 00:00:00,2026-10-02 00:00:00
"""


def _limits(extra=""):
    return f"""
[[scorecards.s.items]]
id = "late"
type = "limit_breaches"
source = "cases"
start = "received"
end = "closed"
ref_column = "case_id"
{extra}
cases = [
  {{ when = {{ channel = "phone" }}, limit = "20 s" }},
  {{ when = {{ channel = "online" }}, limit = "1 min" }},
  {{ when = {{ channel = "email" }}, limit = "24 h" }},
]
"""


@pytest.mark.parametrize("open_end, e1", [
    # c2 took 21 s > 20 s; c5 open, deadline 10-31 23:00 passed before the period's end.
    # Not breaches: c1 exactly 20 s, c3 exactly 1 min, c4 (deadline 11-01 23:00 after the
    # period), c6 (deadline exactly at the period's end, 11-01 00:00: not passed)
    ("overdue", 2),
    ("breach", 4),  # c2 + every open row (c4, c5, c6)
    ("ignore", 1),  # c2 only
])
def test_limit_breaches_clock_limits_met_at_exactly_the_limit(tmp_path, open_end, e1):
    ev = run(tmp_path, LIMIT_SRC, _limits(f'open_end = "{open_end}"'),
             {"cases.csv": LIMIT_ROWS})
    assert ev.result("E1").item("late").measure.value == e1
    assert ev.result("E2").item("late").measure.value == 0  # exactly 24 h
    assert ("c1 " in ev.result("E1").text()) is False


WD_SRC = LIMIT_SRC.replace("channel = \"enum:phone|online|email\"\n", "")
# China 2026: 10-01..10-07 National Day holidays, Sat 10-10 a make-up working day.
WD_ROWS = """\
case_id,employee_id,received,closed
w1,E1,2026-10-09 10:00,2026-10-13 18:00
w2,E1,2026-10-09 10:00,2026-10-14 09:00
w3,E2,2026-10-01 10:00,2026-10-10 17:00
w4,E2,2026-10-01 10:00,2026-10-12 08:00
"""


def _wd(limit="3 wd", extra=""):
    return f"""
[[scorecards.s.items]]
id = "late"
type = "limit_breaches"
source = "cases"
start = "received"
end = "closed"
ref_column = "case_id"
{extra}
cases = [{{ limit = "{limit}" }}]
"""


def test_working_day_limits_follow_the_chinese_calendar(tmp_path):
    ev = run(tmp_path, WD_SRC, _wd(), {"cases.csv": WD_ROWS})
    # w1/w2 from Fri 10-09: Sat 10-10 (make-up, 1), Mon 10-12 (2), Tue 10-13 (3): due 10-13;
    # w1 closed 10-13 18:00 met, w2 closed 10-14 breach
    assert ev.result("E1").item("late").measure.value == 1
    # w3/w4 from the holiday 10-01: 10-08 (1), 10-09 (2), Sat 10-10 (3, make-up): due 10-10;
    # w3 met on 10-10, w4 closed Mon 10-12: breach (without the make-up day it would be met)
    assert ev.result("E2").item("late").measure.value == 1
    assert "w4" in ev.result("E2").text() and "due by the end of 2026-10-10" in \
        ev.result("E2").text()


def test_rule_set_extra_holidays_and_make_up_days(tmp_path):
    cal = "extra_holidays = [2026-10-13]\nextra_workdays = [2026-10-11]"
    ev = run(tmp_path, WD_SRC, _wd(), {"cases.csv": WD_ROWS}, calendar=cal)
    # from 10-09: 10-10 (1), Sun 10-11 listed as a working day (2), 10-12 (3): due 10-12, so
    # w1 (closed 10-13) and w2 (10-14) are both late; the extra holiday 10-13 no longer matters
    assert ev.result("E1").item("late").measure.value == 2


def test_extra_holiday_moves_the_deadline(tmp_path):
    ev = run(tmp_path, WD_SRC, _wd(), {"cases.csv": WD_ROWS},
             calendar="extra_holidays = [2026-10-13]")
    # from 10-09: 10-10 (1), 10-12 (2), 10-13 a holiday, 10-14 (3): w2 closed 10-14 09:00 met
    assert ev.result("E1").item("late").measure.value == 0


def test_calendar_date_limit_and_open_rows_with_day_units(tmp_path):
    rows = """\
case_id,employee_id,received,closed
d1,E1,2026-10-05 23:00,2026-10-05 23:59
d2,E1,2026-10-05 23:00,2026-10-06 00:01
d3,E2,2026-10-31 09:00,
d4,E2,2026-10-30 09:00,
"""
    ev = run(tmp_path, WD_SRC, _wd("0 cd"), {"cases.csv": rows})
    # "0 cd" = same date: d1 met, d2 closed the next date
    assert ev.result("E1").item("late").measure.value == 1
    # open rows count as if closed at the period's end (11-01 00:00, a later date): both late
    assert ev.result("E2").item("late").measure.value == 2
    rows2 = """\
case_id,employee_id,received,closed
o1,E1,2026-10-29 09:00,
o2,E1,2026-10-26 09:00,
"""
    ev = run(tmp_path / "b", WD_SRC, _wd("3 wd"), {"cases.csv": rows2})
    # o1 Thu 10-29: due Tue 11-03, after the period: not yet late; o2 Mon 10-26: due Thu 10-29
    assert ev.result("E1").item("late").measure.value == 1


def test_limit_breaches_end_before_start_is_an_error(tmp_path):
    rows = WD_ROWS + "w5,E1,2026-10-09 10:00,2026-10-09 09:59\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, WD_SRC, _wd(), {"cases.csv": rows})
    assert "cases.csv:6:closed: closed is before received; correct one" in e.value.message


def test_limit_breaches_row_without_a_case_is_an_error(tmp_path):
    card = _limits().replace('  { when = { channel = "email" }, limit = "24 h" },\n', "")
    with pytest.raises(DataError) as e:
        run(tmp_path, LIMIT_SRC, card, {"cases.csv": LIMIT_ROWS})
    assert "cases.csv:5: no case of scorecards.s.items[0].cases matches this row; add a case" \
        in e.value.message


@pytest.mark.parametrize("limit", ["20", "20 sec s", "-1 h", "1.5 wd", "x min"])
def test_bad_limit_text(tmp_path, limit):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, WD_SRC, _wd(limit), {"cases.csv": WD_ROWS})
    assert "scorecards.s.items[0].cases[0].limit" in e.value.message


# -- five-level survey ---------------------------------------------------------------------
SURVEY_SRC = """
[sources.survey]
path = "survey.csv"
period_by = "at"
[sources.survey.columns]
employee_id = "str"
at = "date"
a = "int?"
b = "int?"
"""
SURVEY = """\
employee_id,at,a,b
E1,2026-10-01,5,4
E1,2026-10-02,4,
E2,2026-10-03,3,
"""


def _likert(extra=""):
    return f"""
[[scorecards.s.items]]
id = "csi"
type = "likert"
source = "survey"
dimensions = {{ a = 0.5, b = 0.5 }}
{extra}
"""


def test_likert_weighted_and_rescaled(tmp_path):
    ev = run(tmp_path, SURVEY_SRC, _likert(), {"survey.csv": SURVEY})
    # E1: a mean (5+4)/2 = 4.5, b mean 4: 0.5×4.5×20 + 0.5×4×20 = 45 + 40 = 85
    assert ev.result("E1").item("csi").measure.value == 85
    # E2: b unanswered, left out: 0.5×3×20 / 0.5 = 60
    assert ev.result("E2").item("csi").measure.value == 60
    assert "(rescaled)" in ev.result("E2").text()


def test_likert_without_rescaling_gives_no_data(tmp_path):
    ev = run(tmp_path, SURVEY_SRC, _likert("rescale_missing = false"), {"survey.csv": SURVEY})
    assert ev.result("E2").item("csi").measure.value is None
    assert ev.result("E1").item("csi").measure.value == 85


def test_likert_rating_outside_levels(tmp_path):
    bad = SURVEY + "E2,2026-10-04,2,6\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, SURVEY_SRC, _likert(), {"survey.csv": bad})
    assert "survey.csv:5:b: rating 6 is outside the levels 1..5; correct the rating" in \
        e.value.message


@pytest.mark.parametrize("dims, key", [("{ a = 0.5, b = 0.4 }", "weights add up to 0.9"),
                                       ("{ a = 0.5, at = 0.5 }", "must be an int column")])
def test_likert_bad_declaration(tmp_path, dims, key):
    card = _likert().replace("{ a = 0.5, b = 0.5 }", dims)
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, SURVEY_SRC, card, {"survey.csv": SURVEY})
    assert "scorecards.s.items[0].dimensions" in e.value.message and key in e.value.message


# -- recorded values -----------------------------------------------------------------------
MARKS_SRC = """
[sources.marks]
path = "marks.csv"
period_by = "period"
[sources.marks.columns]
employee_id = "str"
period = "period"
item = "str"
mark = "int"
"""
FIVE_LEVEL = "allowed = [10, 9, 8, 7, 6, 5, 4, 2, 1]"  # excellent 10 ... very poor 1–2: no 3


def _lookup(extra=""):
    return f"""
[[scorecards.s.items]]
id = "skill"
type = "lookup"
source = "marks"
column = "mark"
match = {{ item = "skill" }}
min = 1
value_max = 10
{extra}
"""


def test_lookup_single_value(tmp_path):
    marks = "employee_id,period,item,mark\nE1,2026-10,skill,8\nE1,2026-09,skill,2\n" \
            "E1,2026-10,other,1\n"
    ev = run(tmp_path, MARKS_SRC, _lookup(FIVE_LEVEL), {"marks.csv": marks})
    assert ev.result("E1").item("skill").measure.value == 8  # September's 2 is another period
    assert ev.result("E2").item("skill").measure.value is None
    assert "recorded 8 (marks.csv:2)" in ev.result("E1").text()


@pytest.mark.parametrize("mark, extra, reason", [
    ("3", FIVE_LEVEL, "marks.csv:2:mark: 3 is not a value the rubric of skill allows (allowed: "
                      "10, 9, 8, 7, 6, 5, 4, 2, 1); correct the mark"),
    ("11", "", "marks.csv:2:mark: 11 is outside 1..10 for skill; correct the value"),
    ("0", "", "marks.csv:2:mark: 0 is outside 1..10 for skill; correct the value"),
])
def test_lookup_rejects_marks_outside_the_rubric(tmp_path, mark, extra, reason):
    marks = f"employee_id,period,item,mark\nE1,2026-10,skill,{mark}\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, MARKS_SRC, _lookup(extra), {"marks.csv": marks})
    assert reason in e.value.message


def test_lookup_boundaries_of_the_range_are_allowed(tmp_path):
    marks = "employee_id,period,item,mark\nE1,2026-10,skill,1\nE2,2026-10,skill,10\n"
    ev = run(tmp_path, MARKS_SRC, _lookup(FIVE_LEVEL), {"marks.csv": marks})
    assert ev.result("E1").item("skill").measure.value == 1
    assert ev.result("E2").item("skill").measure.value == 10


def test_lookup_second_value_and_aggregates(tmp_path):
    marks = "employee_id,period,item,mark\nE1,2026-10,skill,8\nE1,2026-10,skill,5\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, MARKS_SRC, _lookup(), {"marks.csv": marks})
    assert "marks.csv:3: a second skill value for E1 in 2026-10 (first at marks.csv:2); keep " \
           "one" in e.value.message
    ev = run(tmp_path / "m", MARKS_SRC, _lookup('aggregate = "mean"'), {"marks.csv": marks})
    assert ev.result("E1").item("skill").measure.value == Fraction(13, 2)  # (8 + 5) / 2


def test_lookup_needs_a_number_column(tmp_path):
    card = _lookup().replace('column = "mark"', 'column = "item"')
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, MARKS_SRC, card, {"marks.csv": "employee_id,period,item,mark\n"})
    assert "scorecards.s.items[0].column: column 'item' must be an int" in e.value.message


RATER_SRC = """
[sources.ratings]
path = "ratings.csv"
period_by = "period"
[sources.ratings.columns]
employee_id = "str"
period = "period"
item = "str"
rater = "enum:self|superior|panel"
value = "int?"
"""


def _raters(extra=""):
    return f"""
[[scorecards.s.items]]
id = "skill"
type = "rater_mean"
source = "ratings"
item_value = "skill"
min = 1
value_max = 10
{extra}
"""


RATINGS = """\
employee_id,period,item,rater,value
E1,2026-10,skill,self,8
E1,2026-10,skill,superior,9
E1,2026-10,skill,panel,10
E2,2026-10,skill,self,7
E2,2026-10,skill,superior,8
"""


def test_rater_mean_and_missing_rater(tmp_path):
    with pytest.raises(DataError) as e:
        run(tmp_path, RATER_SRC, _raters(), {"ratings.csv": RATINGS})
    assert "ratings.csv: E2 has no panel mark for skill in 2026-10; every rater must mark" in \
        e.value.message
    ev = run(tmp_path / "b", RATER_SRC, _raters("require_all = false"),
             {"ratings.csv": RATINGS})
    assert ev.result("E1").item("skill").measure.value == 9  # (8 + 9 + 10) / 3
    assert ev.result("E2").item("skill").measure.value == Fraction(15, 2)  # (7 + 8) / 2


@pytest.mark.parametrize("value, reason", [
    ("3", "ratings.csv:4:value: 3 is not a mark the rubric of skill allows"),
    ("", "ratings.csv:4:value: panel's mark for skill is blank; fill it in"),
    ("11", "ratings.csv:4:value: 11 is outside 1..10 for skill; correct the mark"),
])
def test_rater_mean_bad_marks(tmp_path, value, reason):
    rows = RATINGS.replace("panel,10", f"panel,{value}")
    with pytest.raises(DataError) as e:
        run(tmp_path, RATER_SRC, _raters(FIVE_LEVEL + "\nrequire_all = false"),
            {"ratings.csv": rows})
    assert reason in e.value.message


def test_rater_mean_second_mark_by_one_rater(tmp_path):
    # E1's superior marks skill again at line 7: refused, naming the first mark at line 3
    rows = RATINGS + "E1,2026-10,skill,superior,5\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, RATER_SRC, _raters("require_all = false"), {"ratings.csv": rows})
    assert "ratings.csv:7: superior marked skill for E1 twice in 2026-10 (first at " \
        "ratings.csv:3); keep one" in e.value.message


COND_SRC = """
[sources.review]
path = "review.csv"
period_by = "period"
[sources.review.columns]
employee_id = "str"
period = "period"
all_done = "bool?"
hours = "decimal?"
"""


def _conditions(extra=""):
    return f"""
[[scorecards.s.items]]
id = "req"
type = "conditions"
source = "review"
{extra}
conditions = [
  {{ column = "all_done", value = true, label = "all done" }},
  {{ column = "hours", op = ">=", value = 10 }},
]
"""


def test_conditions_count_unmet(tmp_path):
    rows = "employee_id,period,all_done,hours\nE1,2026-10,是,10\nE2,2026-10,否,\n"
    ev = run(tmp_path, COND_SRC, _conditions(), {"review.csv": rows})
    assert ev.result("E1").item("req").measure.value == 0  # hours exactly 10 meets >= 10
    assert ev.result("E2").item("req").measure.value == 2  # false; blank hours counts as unmet
    assert "all done; hours >= 10 (was None)" in ev.result("E2").text()


def test_conditions_missing_row(tmp_path):
    rows = "employee_id,period,all_done,hours\nE1,2026-10,1,12\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, COND_SRC, _conditions(), {"review.csv": rows})
    assert "review.csv: no row for E2 in 2026-10 (req needs one); add it, or set when_missing" \
        in e.value.message
    ev = run(tmp_path / "b", COND_SRC, _conditions('when_missing = "unmet"'),
             {"review.csv": rows})
    assert ev.result("E2").item("req").measure.value == 2


def test_conditions_second_row_names_both_lines(tmp_path):
    # one review row per employee and period: E1's second row (line 3) is refused, naming line 2
    rows = "employee_id,period,all_done,hours\nE1,2026-10,1,12\nE1,2026-10,0,3\nE2,2026-10,1,10\n"
    with pytest.raises(DataError) as e:
        run(tmp_path, COND_SRC, _conditions(), {"review.csv": rows})
    assert "review.csv:3: a second row for E1 in 2026-10 (first at review.csv:2); keep one" \
        in e.value.message


def test_mixed_units_use_the_same_clock_rules(tmp_path):
    # a working-day case makes every row go through the row-by-row path: the clock cases must
    # give the same answers there as in SQL (c1 exactly 20 s met, c2 21 s breach)
    card = _limits().replace('{ when = { channel = "email" }, limit = "24 h" }',
                             '{ when = { channel = "email" }, limit = "1 wd" }')
    rows = LIMIT_ROWS.split("c4,")[0]
    ev = run(tmp_path, LIMIT_SRC, card, {"cases.csv": rows})
    assert ev.result("E1").item("late").measure.value == 1


@pytest.mark.parametrize("card, where", [
    (_rate('of = "done"'), "items[0].of: column 'done' of source 'contacts' is int; it must be "
                           "bool"),
    (_rate('numerator_sum = "satisfied"\ndenominator_sum = "planned"'), "must be int or decimal"),
    ('[[scorecards.s.items]]\nid = "m"\ntype = "mean"\nsource = "contacts"\ncolumn = "at"\n',
     "items[0].column: column 'at' of source 'contacts' is timestamp"),
    ('[[scorecards.s.items]]\nid = "m"\ntype = "count"\nsource = "contacts"\n'
     'sum_column = "satisfied"\n', "items[0].sum_column: column 'satisfied'"),
])
def test_measures_check_column_types(tmp_path, card, where):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, RATE_SRC, card, {"contacts.csv": CONTACTS})
    assert where in e.value.message


def test_limit_breaches_needs_timestamp_columns(tmp_path):
    card = _limits().replace('end = "closed"', 'end = "case_id"')
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, LIMIT_SRC, card, {"cases.csv": LIMIT_ROWS})
    assert "scorecards.s.items[0]: column 'case_id' of source 'cases' is str; it must be " \
        "timestamp" in e.value.message


def test_count_sum_of_decimals_is_exact(tmp_path):
    src = """
[sources.h]
path = "h.csv"
period_by = "period"
[sources.h.columns]
employee_id = "str"
period = "period"
hours = "decimal?"
"""
    card = '[[scorecards.s.items]]\nid = "h"\ntype = "count"\nsource = "h"\nsum_column = "hours"\n'
    rows = "employee_id,period,hours\nE1,2026-10,0.1\nE1,2026-10,0.2\nE1,2026-10,\n"
    ev = run(tmp_path, src, card, {"h.csv": rows})
    assert ev.result("E1").item("h").measure.value == Fraction(3, 10)  # not 0.30000000000000004
    assert ev.result("E2").item("h").measure.value == 0


def test_match_compares_decimals_as_numbers_and_timestamps_as_times(tmp_path):
    src = """
[sources.h]
path = "h.csv"
period_by = "at"
[sources.h.columns]
employee_id = "str"
at = "timestamp"
score = "decimal"
"""
    card = """
[[scorecards.s.items]]
id = "high"
type = "count"
source = "h"
match = { score = { op = ">=", value = 3 } }
[[scorecards.s.items]]
id = "three"
type = "count"
source = "h"
match = { score = 3 }
[[scorecards.s.items]]
id = "late"
type = "count"
source = "h"
match = { at = { op = ">=", value = "2026-10-15 00:00" } }
"""
    rows = "employee_id,at,score\nE1,2026-10-01 09:00,10\nE1,2026-10-15 00:00,2.5\n" \
           "E1,2026-10-20 09:00,3.0\n"
    ev = run(tmp_path, src, card, {"h.csv": rows})
    e1 = ev.result("E1")
    assert e1.item("high").measure.value == 2  # 10 and 3.0 (as text, "10" < "3")
    assert e1.item("three").measure.value == 1  # "3.0" equals 3
    assert e1.item("late").measure.value == 2  # from 10-15 00:00 inclusive


# -- filled: a row counts only when it reports every listed column ------------------------------
KPI_SRC = """
[sources.kpi]
path = "kpi.csv"
period_by = "period"
[sources.kpi.columns]
employee_id = "str"
period = "period"
n = "int?"
d = "int?"
"""
# E1's October: (3, 4) complete; (blank, 6) and (2, blank) each miss a count
KPI = {"kpi.csv": "employee_id,period,n,d\nE1,2026-10,3,4\nE1,2026-10,,6\nE1,2026-10,2,\n"
                  "E2,2026-10,,1\n"}


def _kpi_items(filled):
    return "".join(f"""
[[scorecards.s.items]]
id = "{kind}"
type = "{kind}"
source = "kpi"
in_total = false
{extra}
{filled}
""" for kind, extra in (("rate", 'numerator_sum = "n"\ndenominator_sum = "d"'),
                        ("count", 'sum_column = "n"'), ("mean", 'column = "n"')))


def test_filled_counts_only_rows_reporting_every_column(tmp_path):
    every = run(tmp_path / "a", KPI_SRC, _kpi_items(""), KPI)
    only = run(tmp_path / "b", KPI_SRC, _kpi_items('filled = ["n", "d"]'), KPI)
    e1, f1 = every.result("E1"), only.result("E1")
    # all rows: rate (3 + 2) / (4 + 6) × 100 = 50; count Σn = 5; mean (3 + 2) / 2 = 2.5
    assert (e1.item("rate").measure.value, e1.item("count").measure.value,
            e1.item("mean").measure.value) == (50, 5, Fraction(5, 2))
    # complete rows only, (3, 4): rate 3 / 4 × 100 = 75; count 3; mean 3
    assert (f1.item("rate").measure.value, f1.item("count").measure.value,
            f1.item("mean").measure.value) == (75, 3, 3)
    # E2 reports no complete row: the rate has no data, the count is 0, the mean has no values
    f2 = only.result("E2")
    assert (f2.item("rate").measure.value, f2.item("count").measure.value,
            f2.item("mean").measure.value) == (None, 0, None)


def test_filled_names_a_declared_column(tmp_path):
    with pytest.raises(RuleSetError) as e:
        run(tmp_path, KPI_SRC, _kpi_items('filled = ["dd"]'), KPI)
    assert "scorecards.s.items[0].filled" in e.value.message and "'d'" in e.value.message
