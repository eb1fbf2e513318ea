"""Helpers shared by the built-in plugins (not a plugin itself)."""

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from scorecard.errors import DataError
from scorecard.numbers import fmt, to_fraction
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import ValueRange


def check_match(rs, source, match, path):
    require_source(rs, source, f"{path}.source", list(match or {}))


def require_types(rs, source, columns, types, path):
    """Each named column (None skipped) of ``source`` has one of ``types``: a mean of a text
    column or a rate of a non-boolean would otherwise fail, or mislead, at evaluation."""
    for c in columns:
        if c is not None and rs.columns[source][c].type not in types:
            raise SchemaError(path, f"column {c!r} of source {source!r} is "
                                    f"{rs.columns[source][c].type}; it must be "
                                    f"{' or '.join(types)}")


DURATION_UNITS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400}
DAY_UNITS = ("cd", "wd")  # calendar-date difference; working days


@attrs.frozen
class Limit:
    """A time limit such as ``20 s``, ``1 min``, ``24 h``, ``2 d`` (elapsed), ``0 cd`` (by
    calendar date: same day) or ``7 wd`` (working days, by date)."""

    amount: Fraction
    unit: str
    text: str

    @property
    def seconds(self) -> int | None:
        if self.unit in DURATION_UNITS:
            return int(self.amount * DURATION_UNITS[self.unit])
        return None


def parse_limit(text, path) -> Limit:
    if not isinstance(text, str):
        raise SchemaError(path, f"expected a limit such as \"20 s\", \"1 min\", \"24 h\", "
                                f"\"7 wd\" (working days) or \"0 cd\" (same date), got {text!r}")
    parts = text.split()
    if len(parts) != 2 or (parts[1] not in DURATION_UNITS and parts[1] not in DAY_UNITS):
        raise SchemaError(path, f"{text!r} is not a limit: a number and a unit (s, min, h, d, "
                                f"cd = calendar dates, wd = working days), e.g. \"20 s\"")
    try:
        amount = to_fraction(parts[0])
    except ValueError:
        raise SchemaError(path, f"{text!r}: {parts[0]!r} is not a number") from None
    if amount < 0:
        raise SchemaError(path, f"{text!r}: a limit cannot be negative")
    if parts[1] in DAY_UNITS and amount.denominator != 1:
        raise SchemaError(path, f"{text!r}: day limits are whole days")
    return Limit(amount, parts[1], text)


def epoch_datetime(seconds) -> datetime:
    """A stored timestamp (epoch seconds of naive local time) as a naive datetime."""
    return datetime(1970, 1, 1) + timedelta(seconds=int(seconds))


def day_deadline(calendar, lim: Limit, day: date) -> tuple[date, str]:
    """The last date a day limit (``wd`` or ``cd``) started on ``day`` is met by, and how the
    ledger says it: ``wd`` counts working days of the site's calendar after ``day``."""
    if lim.unit == "wd":
        deadline = calendar.add_working_days(day, int(lim.amount))
    else:
        deadline = day + timedelta(days=int(lim.amount))
    return deadline, f"due by the end of {deadline} ({lim.text})"


def describe_seconds(sec: int) -> str:
    if sec < 120:
        return f"{sec} s"
    if sec < 7200:
        return f"{fmt(Fraction(sec, 60))} min"
    return f"{fmt(Fraction(sec, 3600))} h"


def single_rows(ctx, source, rows, what):
    """The ``(employee_id, ref, values)`` of ``(employee_id, _line, *values)`` rows (in _line
    order) of a table holding one row per employee and period, in-scope employees only; a second
    row for an employee is an error naming both lines. A generator: the caller checks each row's
    values before the next row is read, so the first bad line is the one reported."""
    first = {}
    for eid, line, *values in rows:
        if eid not in ctx.employees:
            continue
        ref = ctx.ref(source, line)
        if eid in first:
            raise DataError([(ref, f"a second {what} for {eid} in {ctx.period} (first at "
                                   f"{first[eid]}); keep one")])
        first[eid] = ref
        yield eid, ref, values


def base_marks(ctx, item, spec) -> dict:
    """``{employee_id: (mark, ref)}`` of discretionary base marks recorded for this item and
    period in ``spec.base_source`` (columns employee_id, period, item, mark by default)."""
    if not spec.base_source:
        return {}
    src = spec.base_source
    where, params = ctx.where(src, {spec.base_item_column: item.id})
    rows = ctx.query(f"SELECT employee_id, _line, [{spec.base_value_column}] FROM "
                     f"{ctx.table(src)} WHERE {where} ORDER BY _line", params)
    out = {}
    for eid, ref, (mark,) in single_rows(ctx, src, rows, f"{item.id} mark"):
        m = to_fraction(mark)
        problem = _mark_problem(item, m)
        if problem:
            raise DataError([(f"{ref}:{spec.base_value_column}", problem)])
        out[eid] = (m, ref)
    return out


def base_ranges(rs, sc, item) -> list:
    """The range of a scorer's recorded base marks (0..the item's max), for ingest to check
    (:class:`scorecard.types.ValueRange`)."""
    p = item.score.params
    if not p.base_source:
        return []
    return [ValueRange(p.base_source, p.base_value_column, lambda m: _mark_problem(item, m),
                       {p.base_item_column: item.id})]


def _mark_problem(item, m):
    if m < 0 or (item.max is not None and m > item.max):
        return f"mark {fmt(m)} for {item.id} is outside 0..{fmt(item.max)}"
    return None


@attrs.frozen
class BaseParams:
    """Where a scorer's starting mark comes from: the item max, a number, or a recorded
    discretionary mark (the supervisor's 酌情给分) when there is one for the period."""

    base: Any = "max"
    base_source: str | None = None
    base_item_column: str = "item"
    base_value_column: str = "mark"


def base_for(item, params, marks, eid, text=True):
    """The base mark and, when ``text`` (the ledger is kept), the words that explain it."""
    if eid in marks:
        m, ref = marks[eid]
        return m, f"discretionary base {fmt(m)} ({ref})" if text else ""
    if params.base == "max":
        if item.max is None:
            raise SchemaError(f"{item.path}.max", "base = \"max\" needs the item's max")
        return item.max, f"base {fmt(item.max)} (item max)" if text else ""
    b = to_fraction(params.base)
    return b, f"base {fmt(b)}" if text else ""


def validate_base(rs, item, params, path):
    if params.base != "max":
        try:
            to_fraction(params.base)
        except (TypeError, ValueError):
            raise SchemaError(f"{path}.base", f"expected \"max\" or a number, got "
                                              f"{params.base!r}") from None
    if params.base_source:
        require_source(rs, params.base_source, f"{path}.base_source",
                       ["employee_id", params.base_item_column, params.base_value_column])
