"""Timeliness rate: a row is timely when every one of several limits from the same start is met
(complaints: contact within 24 h, a proposal within 48 h, resolved within 7 working days).

Limits use the units of :func:`.._common.parse_limit`: elapsed ``s``/``min``/``h``/``d`` (met at
exactly the limit), ``cd`` (by calendar date) and ``wd``: "within n working days" means by the end
of the n-th working day after the start's date (the start date itself is not counted), from the
site's calendar (public holidays and make-up working days included).
"""

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.errors import DataError
from scorecard.numbers import fmt
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Line, Measure, MetricType

from .._common import check_match, day_deadline, epoch_datetime, parse_limit, require_types


@attrs.frozen
class Step:
    """One step of a timeliness item: ``end`` must come within ``limit`` of the start."""

    end: str  # timestamp column of the step's completion
    limit: str  # "24 h", "7 wd", ...
    label: str = ""
    start: str | None = None  # the step's own start column (default: the item's start)


@attrs.frozen
class TimelinessParams:
    source: str
    start: str  # timestamp column the clocks start at
    steps: list[Step]
    valid: str | None = None  # bool column: rows with 0 are ignored (listed), blank counts valid
    match: dict[str, Any] = attrs.Factory(dict)
    ref_column: str | None = None
    when_empty: Fraction | None = Fraction(100)  # no valid row in the period (None: no data)
    open_end: str = "late"  # a blank step: "late", or "pending" (left out, listed, while its
    # deadline is after the period's end; late once it has passed)
    scale: Fraction = Fraction(100)
    value: str = "rate"  # "rate" (timely / valid × scale), "late_count" (rows not timely) or
    # "steps_missed" (how many requirements some row missed: a step, or not_timely_when)
    scope: str = "own"  # "own" rows, or "all": every row of the period counts for each employee
    # (a department's register judged for its manager)
    not_timely_when: str | None = None  # bool column: a row with 1 is not timely (reopened)
    not_timely_label: str = ""
    no_data_when_empty: bool = False  # true: no valid row is no data, whatever when_empty says
    # (so that a first_of item can fall back to a typed-in figure)


VALUES = ("rate", "late_count", "steps_missed")


class Timeliness(MetricType):
    """Timely rows / valid rows × scale; a row is timely when it meets every step's limit."""

    name = "timeliness"
    Params = TimelinessParams
    description = "Share of valid rows meeting every step's limit from one start (h elapsed, "\
                  "wd working days); declared value when there is no valid row."

    def validate(self, rs, sc, item):
        p = item.params
        if not p.steps:
            raise SchemaError(f"{item.path}.steps", "give at least one step with end and limit")
        for i, s in enumerate(p.steps):
            parse_limit(s.limit, f"{item.path}.steps[{i}].limit")
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, item.path,
                       ["employee_id", p.start, p.valid, p.ref_column, *(s.end for s in p.steps)])
        require_types(rs, p.source, [p.start, *(s.end for s in p.steps)], ("timestamp",),
                      item.path)
        require_types(rs, p.source, [p.valid], ("bool",), f"{item.path}.valid")
        if p.open_end not in ("late", "pending"):
            raise SchemaError(f"{item.path}.open_end", "one of late, pending")
        if p.value not in VALUES:
            raise SchemaError(f"{item.path}.value", f"one of {', '.join(VALUES)}")
        if p.scope not in ("own", "all"):
            raise SchemaError(f"{item.path}.scope", "one of own, all")
        starts = [s.start for s in p.steps if s.start]
        require_source(rs, p.source, item.path, [*starts, p.not_timely_when])
        require_types(rs, p.source, starts, ("timestamp",), item.path)
        require_types(rs, p.source, [p.not_timely_when], ("bool",),
                      f"{item.path}.not_timely_when")

    def sources(self, item):
        p = item.params
        return {p.source: {c for c in (p.start, p.valid, p.ref_column, *p.match,
                                       p.not_timely_when, *(s.start for s in p.steps),
                                       *(s.end for s in p.steps)) if c}}

    def compute(self, ctx, item):
        p = item.params
        limits = [parse_limit(s.limit, f"{item.path}.steps[{i}].limit")
                  for i, s in enumerate(p.steps)]
        where, params = ctx.where(p.source, p.match)
        ref = f"[{p.ref_column}]" if p.ref_column else "NULL"
        valid = f"[{p.valid}]" if p.valid else "NULL"
        ends = ", ".join(f"[{s.end}]" for s in p.steps)
        starts = ", ".join(f"[{s.start or p.start}]" for s in p.steps)
        reopen = f"[{p.not_timely_when}]" if p.not_timely_when else "NULL"
        rows = ctx.query(f"SELECT employee_id, _line, {ref}, {valid}, [{p.start}], {reopen}, "
                         f"{starts}, {ends} FROM {ctx.table(p.source)} WHERE {where} "
                         f"ORDER BY employee_id, [{p.start}], _line", params)
        period_end = datetime.combine(ctx.period.end, datetime.min.time())
        stats: dict[str, list] = {}
        lines: dict[str, list] = {}
        missed: dict[str, set] = {}  # employee -> the requirements some row missed
        problems = []
        k = len(p.steps)
        for eid, line, r, ok, start, reopened, *times in rows:
            if p.scope == "own" and eid not in ctx.employees:
                continue
            key = eid if p.scope == "own" else None  # "all": one tally for everyone
            at = ctx.ref(p.source, line)
            name = r or at
            s = stats.setdefault(key, [0, 0, 0, 0])  # valid, timely, invalid, pending
            if ok is not None and not ok:
                s[2] += 1
                if ctx.ledger:
                    lines.setdefault(key, []).append(Line(
                        item.id, f"{item.id}: {name} marked invalid: ignored", ref=at))
                continue
            t0 = epoch_datetime(start)
            misses, waiting, which = [], [], set()
            for i, (step, lim, begin, end) in enumerate(zip(p.steps, limits, times[:k],
                                                            times[k:], strict=True)):
                label = step.label or step.end
                from_col = step.start or p.start
                if begin is None:
                    # the step's own start has not happened (nothing fixed yet): its clock
                    # has not started, so it cannot be late
                    continue
                t_start = epoch_datetime(begin)
                deadline, due = _deadline(ctx, lim, t_start)
                if end is None:
                    if p.open_end == "pending" and deadline >= period_end:
                        waiting.append(f"{label} not yet done, {due}")
                    else:
                        misses.append(f"{label} missing, {due}")
                        which.add(i)
                    continue
                t1 = epoch_datetime(end)
                if t1 < t_start:
                    problems.append((f"{at}:{step.end}", f"{step.end} {t1} is before "
                                                         f"{from_col} {t_start}; fix the row"))
                    continue
                if t1 > deadline:
                    took = "" if lim.unit in ("wd", "cd") else \
                        f", took {_duration(int((t1 - t_start).total_seconds()))}"
                    misses.append(f"{label} at {t1:%Y-%m-%d %H:%M}{took}, {due}")
                    which.add(i)
            if reopened:
                misses.append(p.not_timely_label or f"{p.not_timely_when}")
                which.add(k)
            if waiting and not misses:
                s[3] += 1
                if ctx.ledger:
                    lines.setdefault(key, []).append(Line(
                        item.id, f"{item.id}: {name} still open, deadline after the period's "
                                 f"end: left out ({'; '.join(waiting)})", ref=at))
                continue
            s[0] += 1
            missed.setdefault(key, set()).update(which)
            if misses:
                if ctx.ledger:
                    lines.setdefault(key, []).append(Line(
                        item.id, f"{item.id}: {name} received {t0:%Y-%m-%d %H:%M}: not timely "
                                 f"({'; '.join(misses)})", ref=at))
            else:
                s[1] += 1
        if problems:
            raise DataError(problems)
        if p.scope == "all":
            stats = {e: stats.get(None, [0, 0, 0, 0]) for e in ctx.employees}
            lines = {e: lines.get(None, []) for e in ctx.employees}
            missed = {e: missed.get(None, set()) for e in ctx.employees}
        out = {}
        for eid in ctx.employees:
            n, timely, invalid, pending = stats.get(eid, (0, 0, 0, 0))
            if n == 0:
                v = None if p.no_data_when_empty else p.when_empty
                data = {"valid": 0, "by_rule": v is not None}
            elif p.value == "late_count":
                v = Fraction(n - timely)
                data = {"valid": n, "timely": timely}
            elif p.value == "steps_missed":
                v = Fraction(len(missed.get(eid, ())))
                data = {"valid": n, "timely": timely}
            else:
                v = Fraction(timely, n) * p.scale
                data = {"valid": n, "timely": timely}
            if not ctx.ledger:
                out[eid] = Measure(v, (), data)
                continue
            extra = []
            if invalid:
                extra.append(f"{invalid} invalid ignored")
            if pending:
                extra.append(f"{pending} pending left out")
            tail = f" ({', '.join(extra)})" if extra else ""
            if n == 0:
                text = (f"{item.id}: no valid row this period{tail}: no data" if v is None else
                        f"{item.id}: no valid row this period{tail}: {fmt(v)} by rule")
            elif p.value == "late_count":
                text = f"{item.id}: not timely {n - timely} of {n}{tail}"
            elif p.value == "steps_missed":
                names = [(p.steps[i].label or p.steps[i].end) if i < k else
                         (p.not_timely_label or p.not_timely_when)
                         for i in sorted(missed.get(eid, ()))]
                text = (f"{item.id}: requirements missed by some of the {n} row(s): "
                        f"{len(names)}{' (' + '; '.join(names) + ')' if names else ''}{tail}")
            else:
                text = f"{item.id}: timely {timely}/{n} × {fmt(p.scale)} = {fmt(v)}{tail}"
            out[eid] = Measure(v, (Line(item.id, text), *lines.get(eid, ())), data)
        return out


def _duration(sec: int) -> str:
    """``24 h 1 min``: exact, unlike a decimal number of hours."""
    h, rest = divmod(sec, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h} h" if h else "", f"{m} min" if m else "", f"{s} s" if s else ""]
    return " ".join(p for p in parts if p) or "0 s"


def _deadline(ctx, lim, t0: datetime):
    """The last moment that meets the limit, and how to say it."""
    if lim.unit in ("wd", "cd"):
        day, due = day_deadline(ctx.calendar, lim, t0.date())
        return datetime.combine(day, datetime.max.time()), due
    return t0 + timedelta(seconds=lim.seconds), f"limit {lim.text}"


@hookimpl
def register_metric_types(register):
    register(Timeliness())
