"""Evaluation periods: months ``2026-10``, quarters ``2026-Q3`` and years ``2026``."""

import re
from datetime import date, datetime

import attrs

from .errors import ScorecardError

_EPOCH = datetime(1970, 1, 1)
PERIOD_KINDS = ("month", "quarter", "year")


def epoch_seconds(d: date | datetime) -> int:
    """Seconds since 1970-01-01 for a naive local date/time: the store's timestamp unit."""
    if not isinstance(d, datetime):
        d = datetime(d.year, d.month, d.day)
    return int((d - _EPOCH).total_seconds())


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


@attrs.frozen
class Period:
    """A month, quarter or year; ``key`` is its text (``2026-10``, ``2026-Q3``, ``2026``)."""

    kind: str
    key: str
    start: date  # first day
    end: date  # first day after the period

    @classmethod
    def parse(cls, text: str) -> "Period":
        text = str(text).strip()
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                raise ValueError(f"month {mo} out of range")
            start = date(y, mo, 1)
            return cls("month", f"{y:04d}-{mo:02d}", start, _add_months(start, 1))
        if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text):
            y, q = int(m[1]), int(m[2])
            start = date(y, 3 * (q - 1) + 1, 1)
            return cls("quarter", f"{y:04d}-Q{q}", start, _add_months(start, 3))
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m[1])
            return cls("year", f"{y:04d}", date(y, 1, 1), date(y + 1, 1, 1))
        raise ValueError(f"{text!r} is not a period: use YYYY-MM, YYYY-Qn or YYYY")

    @classmethod
    def from_user(cls, text: str, expected_kind: str | None = None) -> "Period":
        try:
            p = cls.parse(text)
        except ValueError as e:
            raise ScorecardError(f"--period: {e}") from None
        if expected_kind and p.kind != expected_kind:
            raise ScorecardError(
                f"--period {text}: the rule set evaluates by {expected_kind} "
                f"(ruleset.period = {expected_kind!r}); give a {expected_kind} such as "
                f"{_key_for(expected_kind, p.start)}"
            )
        return p

    @property
    def start_ts(self) -> int:
        return epoch_seconds(self.start)

    @property
    def end_ts(self) -> int:
        return epoch_seconds(self.end)

    def months(self) -> list[str]:
        out, d = [], self.start
        while d < self.end:
            out.append(f"{d.year:04d}-{d.month:02d}")
            d = _add_months(d, 1)
        return out

    def keys_within(self) -> list[str]:
        """This period's key and those of the months (and quarters) it covers: a row whose
        ``period`` column holds any of them belongs to this period."""
        keys = [self.key, *self.months()]
        if self.kind == "year":
            keys += [f"{self.start.year:04d}-Q{q}" for q in range(1, 5)]
        return list(dict.fromkeys(keys))

    def previous(self) -> "Period":
        n = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        start = _add_months(self.start, -n)
        return Period.parse(_key_for(self.kind, start))

    def next(self) -> "Period":
        return Period.parse(_key_for(self.kind, self.end))

    def __str__(self) -> str:
        return self.key


def _key_for(kind: str, start: date) -> str:
    if kind == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if kind == "quarter":
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year:04d}"
