"""Penalties and adjustments: points per event by kind, weighted columns of a per-period table
(attendance), points and fines chosen per event within a range, and escalation by occurrence
within a calendar year (history before the period is read)."""

from datetime import date
from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.errors import DataError
from scorecard.numbers import fmt, to_fraction
from scorecard.periods import Period
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Adjustment, Line, PenaltyType

from .._common import require_types, single_rows


@attrs.frozen
class EventParams:
    source: str
    points: dict[str, Fraction]  # kind -> points per event (negative deducts)
    kind_column: str = "kind"
    count_column: str | None = None
    match: dict[str, Any] = attrs.Factory(dict)


class EventPoints(PenaltyType):
    name = "event_points"
    Params = EventParams
    description = "Fixed points per event by kind (warnings −2/−5/−10, commendations +5)."

    def validate(self, rs, sc, pen):
        p = pen.params
        require_source(rs, p.source, pen.path, [p.kind_column, p.count_column, *p.match])
        require_types(rs, p.source, [p.count_column], ("int",), f"{pen.path}.count_column")

    def apply(self, ctx, pen):
        p = pen.params
        where, params = ctx.where(p.source, p.match)
        count = f"[{p.count_column}]" if p.count_column else "1"
        out: dict[str, list] = {}
        for eid, kind, n, line in ctx.query(
                f"SELECT employee_id, [{p.kind_column}], {count}, _line FROM "
                f"{ctx.table(p.source)} WHERE {where} ORDER BY employee_id, _line", params):
            if eid not in ctx.employees:
                continue
            if kind not in p.points:
                continue  # other kinds belong to other rules; ingest validated the kind
            n = 1 if n is None else n  # a blank count is one event; 0 is none (not one)
            if n < 0:
                raise DataError([(f"{ctx.ref(p.source, line)}:{p.count_column}",
                                  f"count {n} is negative; correct the cell")])
            if n == 0:
                continue
            pts = p.points[kind] * n
            a = out.setdefault(eid, [Fraction(0), []])
            a[0] += pts
            if ctx.ledger:
                ref = ctx.ref(p.source, line)
                a[1].append(Line(pen.id, f"{pen.id}: {kind}{'' if n == 1 else f' ×{n}'} "
                                         f"({ref}) {_signed(pts)}", pts, ref))
        return {eid: Adjustment(points=out[eid][0], lines=tuple(out[eid][1])) if eid in out
                else Adjustment() for eid in ctx.employees}


def _signed(v) -> str:
    return f"+{fmt(v)}" if v > 0 else f"−{fmt(-v)}" if v < 0 else "0"


@attrs.frozen
class ColumnsParams:
    source: str
    weights: dict[str, Fraction]  # column -> points per unit (negative deducts)
    match: dict[str, Any] = attrs.Factory(dict)
    when_missing: str = "zero"  # no row for the employee: "zero" or "error"


class ColumnWeights(PenaltyType):
    name = "column_weights"
    Params = ColumnsParams
    description = "Σ column × weight from a per-period table (late × 2 + absence days × 20 ...)."

    def validate(self, rs, sc, pen):
        p = pen.params
        require_source(rs, p.source, f"{pen.path}.weights", list(p.weights) + list(p.match))
        if p.when_missing not in ("zero", "error"):
            raise SchemaError(f"{pen.path}.when_missing", "one of zero, error")

    def apply(self, ctx, pen):
        p = pen.params
        where, params = ctx.where(p.source, p.match)
        cols = list(p.weights)
        out = {}
        rows = ctx.query(f"SELECT employee_id, _line, {', '.join(f'[{c}]' for c in cols)} FROM "
                         f"{ctx.table(p.source)} WHERE {where} ORDER BY _line", params)
        for eid, ref, vals in single_rows(ctx, p.source, rows, "row"):
            pts, parts = Fraction(0), []
            for c, v in zip(cols, vals, strict=True):
                f = to_fraction(v or 0)
                if f < 0:
                    raise DataError([(f"{ref}:{c}", f"{fmt(f)} is negative; a count cannot "
                                                    f"be, correct the cell")])
                if f:
                    pts += f * p.weights[c]
                    if ctx.ledger:
                        parts.append(f"{c} {fmt(f)} × {fmt(p.weights[c])}")
            if not ctx.ledger:
                out[eid] = Adjustment(points=pts)
                continue
            text = f"{pen.id}: {' + '.join(parts) if parts else 'nothing recorded'} = " \
                   f"{_signed(pts)}"
            out[eid] = Adjustment(points=pts, lines=(Line(pen.id, text, pts, ref),))
        for eid in ctx.employees:
            if eid not in out:
                if p.when_missing == "error":
                    raise DataError([(ctx.file(p.source), f"no row for {eid} in {ctx.period}; "
                                                          f"add it, or set when_missing = "
                                                          f"\"zero\"")])
                out[eid] = Adjustment()
        return out


@attrs.frozen
class RangeRule:
    """What one kind of case may cost in ranged_per_event: a points and/or a fine range."""

    points: list[Fraction] = attrs.Factory(list)  # [min, max] points deducted per case
    fine: list[Fraction] = attrs.Factory(list)  # [min, max] money per case
    label: str = ""


@attrs.frozen
class RangedParams:
    source: str
    kinds: dict[str, RangeRule]
    kind_column: str = "kind"
    points_column: str | None = "points"  # "" when the source records no points
    fine_column: str | None = "fine"  # "" when the source records no fines


class RangedPerEvent(PenaltyType):
    name = "ranged_per_event"
    Params = RangedParams
    description = "Points and/or a fine chosen per case by the evaluator within the rule's "\
                  "range (1–5 points, 50–100 CNY); a value outside the range is an error."

    def validate(self, rs, sc, pen):
        p = pen.params
        require_source(rs, p.source, pen.path, [p.kind_column, p.points_column or None,
                                                p.fine_column or None])
        for k, r in p.kinds.items():
            for name in ("points", "fine"):
                rng = getattr(r, name)
                if rng and (len(rng) != 2 or rng[0] > rng[1] or rng[0] < 0):
                    raise SchemaError(f"{pen.path}.kinds.{k}.{name}",
                                      "expected [min, max] with 0 <= min <= max")
                if rng and not getattr(p, f"{name}_column"):
                    raise SchemaError(f"{pen.path}.kinds.{k}.{name}", f"a {name} range needs "
                                      f"{name}_column")

    def apply(self, ctx, pen):
        p = pen.params
        where, params = ctx.where(p.source, {p.kind_column: list(p.kinds)})
        out: dict[str, list] = {}
        problems = []
        pcol = f"[{p.points_column}]" if p.points_column else "NULL"
        fcol = f"[{p.fine_column}]" if p.fine_column else "NULL"
        for eid, kind, pts, fine, line in ctx.query(
                f"SELECT employee_id, [{p.kind_column}], {pcol}, "
                f"{fcol}, _line FROM {ctx.table(p.source)} WHERE {where} "
                f"ORDER BY employee_id, _line", params):
            if eid not in ctx.employees:
                continue
            rule = p.kinds[kind]
            ref = ctx.ref(p.source, line)
            got = {}
            for name, raw in (("points", pts), ("fine", fine)):
                rng = getattr(rule, name)
                if raw is None:
                    continue
                v = to_fraction(raw)
                col = getattr(p, f"{name}_column")
                if not rng:
                    if v:
                        problems.append((f"{ref}:{col}", f"{kind} takes no {name} in this rule "
                                                          f"set, got {fmt(v)}"))
                    continue
                if not rng[0] <= v <= rng[1]:
                    problems.append((f"{ref}:{col}", f"{kind} {name} {fmt(v)} is outside the "
                                     f"rule's range {fmt(rng[0])}–{fmt(rng[1])}; the evaluator "
                                     f"must choose a value within it"))
                    continue
                got[name] = v
            if not got:
                if not any(getattr(rule, n) for n in ("points", "fine")):
                    continue
                problems.append((ref, f"{kind}: give points ({_rng(rule.points)}) or a fine "
                                      f"({_rng(rule.fine)})"))
                continue
            a = out.setdefault(eid, [Fraction(0), Fraction(0), []])
            if "points" in got:
                a[0] -= got["points"]
            if "fine" in got:
                a[1] += got["fine"]
            if not ctx.ledger:
                continue
            text = f"{pen.id}: {rule.label or kind} ({ref})"
            if "points" in got:
                text += f" −{fmt(got['points'])} point(s) (range {_rng(rule.points)})"
            if "fine" in got:
                text += f" fine {fmt(got['fine'])} {ctx.ruleset.meta.currency} (range " \
                        f"{_rng(rule.fine)})"
            a[2].append(Line(pen.id, text, -got.get("points", Fraction(0)), ref))
        if problems:
            raise DataError(problems)
        return {eid: Adjustment(points=out[eid][0], fines=out[eid][1], lines=tuple(out[eid][2]))
                if eid in out else Adjustment() for eid in ctx.employees}


def _rng(r) -> str:
    return f"{fmt(r[0])}–{fmt(r[1])}" if r else "none"


@attrs.frozen
class EscalatingParams:
    source: str
    kind: str  # value of the kind column selecting these events
    points: list[Fraction]  # deduction for the 1st, 2nd, ... occurrence in the window
    date_column: str = "date"
    kind_column: str = "kind"
    points_column: str | None = "points"  # given points must agree with the rule ("": none)
    window: str = "calendar_year"
    after_last: str = "repeat_last"  # occurrences beyond the list: "repeat_last" or "error"
    # points in the file that disagree with the rule: "error", or "rule" (the rule's points
    # apply and the ledger shows what the file said)
    on_mismatch: str = "error"


class Escalating(PenaltyType):
    name = "escalating"
    Params = EscalatingParams
    description = "Escalation by occurrence within the calendar year (1st −10, 2nd −50), "\
                  "counting occurrences before the period."

    def validate(self, rs, sc, pen):
        p = pen.params
        require_source(rs, p.source, pen.path, [p.date_column, p.kind_column,
                                                p.points_column or None])
        if not p.points:
            raise SchemaError(f"{pen.path}.points", "give the deduction per occurrence")
        if p.window != "calendar_year":
            raise SchemaError(f"{pen.path}.window", "only calendar_year is supported")
        if p.after_last not in ("repeat_last", "error"):
            raise SchemaError(f"{pen.path}.after_last", "one of repeat_last, error")
        if p.on_mismatch not in ("error", "rule"):
            raise SchemaError(f"{pen.path}.on_mismatch", "one of error, rule")
        require_types(rs, p.source, [p.date_column], ("date", "timestamp"),
                      f"{pen.path}.date_column")

    def apply(self, ctx, pen):
        p = pen.params
        year = Period.parse(str(ctx.period.start.year))
        start = date(ctx.period.start.year, 1, 1)
        col_type = ctx.ruleset.columns[p.source][p.date_column].type
        lo, hi = (year.start_ts, ctx.period.end_ts) if col_type == "timestamp" else \
            (start.isoformat(), ctx.period.end.isoformat())
        pcol = f"[{p.points_column}]" if p.points_column else "NULL"
        rows = ctx.query(
            f"SELECT employee_id, [{p.date_column}], {pcol}, _line FROM {ctx.table(p.source)} "
            f"WHERE [{p.kind_column}] = ? AND [{p.date_column}] >= ? AND [{p.date_column}] < ? "
            f"ORDER BY employee_id, [{p.date_column}], _line", [p.kind, lo, hi])
        in_period = ctx.period.start_ts if col_type == "timestamp" else \
            ctx.period.start.isoformat()
        seen: dict[str, int] = {}
        out: dict[str, list] = {}
        problems = []
        for eid, when, given, line in rows:
            n = seen.get(eid, 0) + 1
            seen[eid] = n
            if eid not in ctx.employees or when < in_period:
                continue  # earlier in the year: counts toward n, was charged in its own period
            ref = ctx.ref(p.source, line)
            if n > len(p.points) and p.after_last == "error":
                problems.append((ref, f"occurrence {n} of {p.kind} in {start.year}: the rule "
                                      f"gives only {len(p.points)}; add a deduction to points "
                                      f"or set after_last = \"repeat_last\""))
                continue
            pts = p.points[min(n, len(p.points)) - 1]
            note = ""
            if given is not None and to_fraction(given) not in (pts, -pts):
                if p.on_mismatch == "error":
                    problems.append((f"{ref}:{p.points_column}", f"{p.kind} occurrence {n} in "
                                     f"{start.year} costs {fmt(pts)} by the rule, the file says "
                                     f"{fmt(to_fraction(given))}; leave it blank or correct it"))
                    continue
                note = f" (the file says {fmt(to_fraction(given))}; the rule's points apply)"
            a = out.setdefault(eid, [Fraction(0), []])
            a[0] -= pts
            if not ctx.ledger:
                continue
            when_text = ctx.timestamp(when) if col_type == "timestamp" else when
            a[1].append(Line(pen.id, f"{pen.id}: {p.kind} on {when_text} ({ref}) is occurrence "
                                     f"{n} in {start.year}: −{fmt(pts)}{note}", -pts, ref))
        if problems:
            raise DataError(problems)
        return {eid: Adjustment(points=out[eid][0], lines=tuple(out[eid][1])) if eid in out
                else Adjustment() for eid in ctx.employees}


@hookimpl
def register_penalty_types(register):
    for cls in (EventPoints, ColumnWeights, RangedPerEvent, Escalating):
        register(cls())
