"""First-time-fix rate: a work order is first-time fixed when the same vehicle did not come back
for the same fault within a window; an explicit flag in the data overrides the derivation.

The derivation reads orders opened after the period's end (a repair on 28 October that comes
back on 5 November is not first-time fixed), so the source must be declared ``history = true``.
"""

from bisect import bisect_right
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.numbers import fmt
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Line, Measure, MetricType

from .._common import check_match, require_types

DAY = 86400


@attrs.frozen
class FirstTimeFixParams:
    source: str
    vin: str = "vin"  # the vehicle
    fault: str = "fault_code"  # the fault
    opened: str = "opened_at"  # period column of the order; a repeat is a later opening
    closed: str | None = "closed_at"  # the window runs from this date (blank: from opened)
    flag: str | None = "first_time_fix"  # explicit 1/0 overrides the derivation; blank derives
    ref_column: str | None = "order_id"
    repeat_window_days: int = 30
    match: dict[str, Any] = attrs.Factory(dict)
    scale: Fraction = Fraction(100)


class FirstTimeFix(MetricType):
    """First-time-fixed orders / all orders × scale, over the period's orders.

    An order A is *not* first-time fixed when another order B exists (in any period) with the
    same ``vin`` and ``fault``, opened strictly after A was opened and on a date no later than
    ``repeat_window_days`` calendar days after A's closing date (A's opening date when A has no
    closing time). A non-blank ``flag`` cell decides instead. No order in the period: no data.
    """

    name = "first_time_fix"
    Params = FirstTimeFixParams
    description = "First-time-fix rate with repeats derived from later orders for the same "\
                  "VIN and fault code within repeat_window_days (explicit flag overrides)."

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, item.path,
                       ["employee_id", p.vin, p.fault, p.opened, p.closed, p.flag, p.ref_column])
        require_types(rs, p.source, [p.opened, p.closed], ("timestamp",), item.path)
        require_types(rs, p.source, [p.flag], ("bool",), f"{item.path}.flag")
        if rs.sources[p.source].period_by != p.opened:
            raise SchemaError(f"sources.{p.source}.period_by",
                              f"must be {p.opened!r} for {item.path} (an order belongs to the "
                              f"period it was opened in)")
        if not rs.sources[p.source].history:
            raise SchemaError(f"sources.{p.source}.history",
                              f"{item.path} reads orders opened after the period's end to find "
                              f"repeats: declare history = true on the source")
        if p.repeat_window_days < 0:
            raise SchemaError(f"{item.path}.repeat_window_days", "cannot be negative")

    def sources(self, item):
        p = item.params
        return {p.source: {c for c in (p.vin, p.fault, p.opened, p.closed, p.flag,
                                       p.ref_column, *p.match) if c}}

    def compute(self, ctx, item):
        p = item.params
        t = ctx.table(p.source)
        where, params = ctx.where(p.source, p.match, prefix="a.")
        anchor = f"coalesce(a.[{p.closed}], a.[{p.opened}])" if p.closed else f"a.[{p.opened}]"
        flag = f"a.[{p.flag}]" if p.flag else "NULL"
        ref_a = f"a.[{p.ref_column}]" if p.ref_column else "NULL"
        rows = ctx.query(
            f"SELECT a.employee_id, a._line, {ref_a}, a.[{p.vin}], a.[{p.fault}], {anchor}, "
            f"{flag}, a.[{p.opened}] FROM {t} a WHERE {where} ORDER BY a.employee_id, "
            f"a.[{p.opened}], a._line", params)
        # every order (any period) of the vehicle/fault pairs seen this period, in time order:
        # one sorted read instead of a correlated lookup per order
        ms, mp = ctx.match_where(p.source, p.match, prefix="b.")
        ref_b = f"b.[{p.ref_column}]" if p.ref_column else "b._line"
        later: dict[tuple, tuple[list, list]] = {}
        for vin, fault, opened, ref in ctx.query(
                f"SELECT b.[{p.vin}], b.[{p.fault}], b.[{p.opened}], {ref_b} FROM {t} b "
                f"WHERE ({ms}) AND (b.[{p.vin}], b.[{p.fault}]) IN (SELECT a.[{p.vin}], "
                f"a.[{p.fault}] FROM {t} a WHERE {where}) ORDER BY b.[{p.vin}], b.[{p.fault}], "
                f"b.[{p.opened}], b._line", mp + params):
            times, refs = later.setdefault((vin, fault), ([], []))
            times.append(opened)
            refs.append(ref)
        window = int(p.repeat_window_days)
        (latest,) = ctx.query(f"SELECT max([{p.opened}]) FROM {t}")[0]
        stats: dict[str, dict] = {}
        lines: dict[str, list] = {}
        for eid, line, ref, vin, fault, anc, flagged, opened in rows:
            if eid not in ctx.employees:
                continue
            # the first order opened strictly later, if it opened before the day after the
            # window's last date (whole dates: "within 30 days" is met at exactly 30)
            times, refs = later.get((vin, fault), ([], []))
            i = bisect_right(times, opened)
            limit = (anc // DAY + window + 1) * DAY
            rep = (refs[i], times[i]) if i < len(times) and times[i] < limit else None
            s = stats.setdefault(eid, {"n": 0, "fixed": 0, "repeats": 0, "flagged": 0,
                                       "open": 0})
            s["n"] += 1
            window_end = _date(anc) + timedelta(days=window)
            if ctx.ledger:
                where_ = ctx.ref(p.source, line)
                name = ref or where_
                rep_text = None if rep is None else f"{rep[0]} opened {_date(rep[1])}"
            if flagged is not None:
                s["flagged"] += 1
                fixed = bool(flagged)
                derived = rep is None
                if ctx.ledger and (not fixed or fixed != derived):
                    text = f"{item.id}: {name} flagged {p.flag} = {int(fixed)}"
                    if fixed != derived:
                        why = "came back as " + rep_text if rep_text else "no repeat found"
                        text += f" (overrides the derivation: {why})"
                    lines.setdefault(eid, []).append(Line(item.id, text, ref=where_))
            else:
                fixed = rep is None
                if not fixed:
                    s["repeats"] += 1
                    if ctx.ledger:
                        lines.setdefault(eid, []).append(Line(
                            item.id, f"{item.id}: {name} (VIN {vin}, fault {fault}) came back as "
                                     f"{rep_text}, within {p.repeat_window_days} days of "
                                     f"{_date(anc)} (window to {window_end}): not first-time "
                                     f"fixed", ref=where_))
                elif latest is None or _date(latest) < window_end:
                    s["open"] += 1
            s["fixed"] += int(fixed)
        out = {}
        for eid in ctx.employees:
            s = stats.get(eid)
            if not s:
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: no work orders this "
                                                        f"period"),), {"orders": 0})
                continue
            v = Fraction(s["fixed"], s["n"]) * p.scale
            text = (f"{item.id}: first-time fixed {s['fixed']}/{s['n']} × {fmt(p.scale)} = "
                    f"{fmt(v)} ({s['repeats']} derived repeat(s), {s['flagged']} order(s) "
                    f"decided by the {p.flag} flag)")
            head = [Line(item.id, text)]
            if s["open"]:
                head.append(Line(item.id, f"{item.id}: {s['open']} order(s) counted as fixed "
                                          f"whose {p.repeat_window_days}-day window ends after "
                                          f"the latest order in the data ({_date(latest)}): a "
                                          f"later export may still show a repeat"))
            out[eid] = Measure(v, (*head, *lines.get(eid, ())),
                               {"orders": s["n"], "fixed": s["fixed"]})
        return out


def _date(seconds) -> date:
    return date(1970, 1, 1) + timedelta(days=int(seconds) // DAY)


@hookimpl
def register_metric_types(register):
    register(FirstTimeFix())
