"""Working days: the site's public holidays and make-up working days from the maintained
``holidays`` library (China's 调休 included), plus extra holidays and working days listed in the
rule set's ``[calendar]``."""

from datetime import date, timedelta
from functools import lru_cache

import holidays

from .errors import ScorecardError

#: (country, subdivision, extra holidays, extra working days) -> WorkCalendar (from_spec)
_CALENDARS: dict = {}


class WorkCalendar:
    """Working days of one site: the country's (and subdivision's) public holidays and make-up
    working days, overridden by the rule set's extra holidays and working days."""

    def __init__(self, country="CN", subdivision=None, extra_holidays=(), extra_workdays=()):
        self.country = country
        self.subdivision = subdivision
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        try:
            self._hol = holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError as e:
            raise ScorecardError(f"calendar: {e}; set [calendar] country to an ISO code the "
                                 f"holidays library knows (e.g. \"CN\") and a valid "
                                 f"subdivision") from None

    @classmethod
    def from_spec(cls, spec):
        """The calendar of a rule set's ``[calendar]``; one per distinct spec in a process
        (building the holiday tables costs milliseconds, and every evaluation needs one)."""
        key = (spec.country, spec.subdivision, tuple(spec.extra_holidays),
               tuple(spec.extra_workdays))
        cal = _CALENDARS.get(key)
        if cal is None:
            if len(_CALENDARS) >= 64:  # bounded: a long-lived process with many sites
                _CALENDARS.clear()
            cal = _CALENDARS[key] = cls(*key)
        return cal

    def is_working_day(self, d: date) -> bool:
        return self._is_working(d)

    @lru_cache(maxsize=4096)  # noqa: B019 - one calendar per evaluation, bounded
    def _is_working(self, d: date) -> bool:
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        return self._hol.is_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The date of the n-th working day after ``start`` (``start`` itself not counted):
        "within n working days" of something on ``start`` means by the end of that date."""
        d, left = start, n
        while left > 0:
            d += timedelta(days=1)
            if self._is_working(d):
                left -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self._is_working(d):
                count += 1
        return count

    def reason(self, d: date) -> str:
        if d in self.extra_workdays:
            return "make-up working day (rule set)"
        if d in self.extra_holidays:
            return "holiday (rule set)"
        name = self._hol.get(d)
        if name:
            return f"holiday: {name}"
        if not self._hol.is_working_day(d):
            return "weekend"
        return "working day"
