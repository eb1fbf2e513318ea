"""Working days: China's holidays and make-up working days from the holidays library, plus the
rule set's extra holidays and working days."""

from datetime import date

import pytest

from scorecard.errors import ScorecardError
from scorecard.workdays import WorkCalendar

D = date.fromisoformat


@pytest.mark.parametrize("day, working", [
    ("2026-10-01", False),  # National Day
    ("2026-10-07", False),  # still the National Day holiday
    ("2026-10-08", True),  # Thursday after it
    ("2026-10-10", True),  # Saturday: make-up working day
    ("2026-10-11", False),  # ordinary Sunday
    ("2026-09-20", True),  # Sunday: make-up working day
    ("2026-01-04", True),  # Sunday: make-up working day after New Year
    ("2026-01-01", False),
    ("2026-10-12", True),
])
def test_china_2026(day, working):
    assert WorkCalendar().is_working_day(D(day)) is working


def test_extra_holidays_and_workdays_override_the_library():
    cal = WorkCalendar(extra_holidays=[D("2026-10-12")], extra_workdays=[D("2026-10-11")])
    assert cal.is_working_day(D("2026-10-11")) is True
    assert cal.is_working_day(D("2026-10-12")) is False
    assert cal.reason(D("2026-10-11")) == "make-up working day (rule set)"
    assert cal.reason(D("2026-10-12")) == "holiday (rule set)"
    assert cal.reason(D("2026-10-03")).startswith("holiday: ")
    assert cal.reason(D("2026-10-17")) == "weekend"
    assert cal.reason(D("2026-10-13")) == "working day"


def test_add_working_days():
    cal = WorkCalendar()
    # from Wed 09-30: 10-01..10-07 off; 10-08 (1), 10-09 (2), Sat 10-10 (3, make-up)
    assert cal.add_working_days(D("2026-09-30"), 3) == D("2026-10-10")
    assert cal.add_working_days(D("2026-09-30"), 4) == D("2026-10-12")
    assert cal.add_working_days(D("2026-10-12"), 0) == D("2026-10-12")  # same day
    # Fri 10-16 + 1: the weekend is skipped
    assert cal.add_working_days(D("2026-10-16"), 1) == D("2026-10-19")


def test_working_days_between():
    cal = WorkCalendar()
    # after 09-30 up to and including 10-12: 10-08, 10-09, 10-10, 10-12
    assert cal.working_days_between(D("2026-09-30"), D("2026-10-12")) == 4
    assert cal.working_days_between(D("2026-10-12"), D("2026-10-12")) == 0
    assert cal.working_days_between(D("2026-10-12"), D("2026-10-01")) == 0


def test_other_country():
    cal = WorkCalendar(country="GB")
    assert cal.is_working_day(D("2026-12-25")) is False
    assert cal.is_working_day(D("2026-10-10")) is False  # Saturday: no make-up days in GB


def test_unknown_country_is_refused():
    with pytest.raises(ScorecardError) as e:
        WorkCalendar(country="XX")
    assert "calendar: " in e.value.message and "set [calendar] country" in e.value.message
