"""Recorded values: a mark, level or KPI column per employee and period (lookup), the mean of
several raters' marks (rater_mean), and how many requirements a recorded row fails
(conditions).
"""

from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.errors import DataError
from scorecard.numbers import fmt, to_fraction
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Line, Measure, MetricType, ValueRange

from .._common import check_match, single_rows


def _check_recorded(p, f, at, name, noun):
    """A recorded value or mark ``f`` lies within ``p.min..p.value_max`` and, when the rubric
    lists them, is one of ``p.allowed``; ``at`` is the cell's ``file:line:column``."""
    problem = _recorded_problem(p, f, name, noun)
    if problem:
        raise DataError([(at, problem)])


def _recorded_problem(p, f, name, noun):
    hi = p.value_max if p.value_max is not None else p.max
    if (p.min is not None and f < p.min) or (hi is not None and f > hi):
        return (f"{fmt(f)} is outside {fmt(p.min)}..{fmt(hi)} for {name}; correct the {noun} "
                f"(or the item's min/value_max)")
    if p.allowed and f not in p.allowed:
        return (f"{fmt(f)} is not a {noun} the rubric of {name} allows (allowed: "
                f"{', '.join(fmt(a) for a in p.allowed)}); correct the mark")
    return None


# -- recorded values ---------------------------------------------------------------------------
@attrs.frozen
class LookupParams:
    source: str
    column: str
    match: dict[str, Any] = attrs.Factory(dict)
    aggregate: str = "single"  # single (a second row is an error), sum, mean, last, min, max
    min: Fraction | None = None  # allowed range of the recorded value
    max: Fraction | None = None  # (unreachable: `max` is the item's points cap; see value_max)
    value_max: Fraction | None = None  # highest value allowed
    allowed: list[Fraction] = attrs.Factory(list)  # the only values a rubric allows (empty: any)


class Lookup(MetricType):
    name = "lookup"
    Params = LookupParams
    description = "A value recorded per employee and period (a rubric mark, a level, a KPI "\
                  "column), range-checked."

    def data_ranges(self, rs, sc, item):
        p = item.params
        return [ValueRange(p.source, p.column,
                           lambda f: _recorded_problem(p, f, item.id, "value"), dict(p.match))]

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, f"{item.path}.column", [p.column])
        if rs.columns[p.source][p.column].type not in ("int", "decimal", "bool"):
            raise SchemaError(f"{item.path}.column", f"column {p.column!r} must be an int, "
                              f"decimal or bool column to be a value")
        if p.aggregate not in ("single", "sum", "mean", "last", "min", "max"):
            raise SchemaError(f"{item.path}.aggregate", "one of single, sum, mean, last, min, max")

    def sources(self, item):
        return {item.params.source: {*item.params.match, item.params.column}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        vals: dict[str, list] = {}
        for eid, v, line in ctx.query(f"SELECT employee_id, [{p.column}], _line FROM "
                                      f"{ctx.table(p.source)} WHERE {where} AND [{p.column}] IS "
                                      f"NOT NULL ORDER BY _line", params):
            if eid not in ctx.employees:
                continue
            f = to_fraction(v) if not isinstance(v, int) else Fraction(v)
            _check_recorded(p, f, f"{ctx.ref(p.source, line)}:{p.column}", item.id, "value")
            if p.aggregate == "single" and eid in vals:
                raise DataError([(ctx.ref(p.source, line), f"a second {item.id} value for {eid} "
                                  f"in {ctx.period} (first at {vals[eid][0][1]}); keep one")])
            vals.setdefault(eid, []).append((f, ctx.ref(p.source, line)))
        out = {}
        for eid in ctx.employees:
            got = vals.get(eid)
            if not got:
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: nothing recorded"),))
                continue
            nums = [v for v, _ in got]
            v = {"single": nums[0], "last": nums[-1], "sum": sum(nums, Fraction(0)),
                 "mean": sum(nums, Fraction(0)) / len(nums), "min": min(nums),
                 "max": max(nums)}[p.aggregate]
            if not ctx.ledger:
                out[eid] = Measure(v)
                continue
            refs = ", ".join(r for _, r in got[:3])
            out[eid] = Measure(v, (Line(item.id, f"{item.id}: recorded {fmt(v)} ({refs})",
                                        ref=got[0][1]),))
        return out


# -- multi-rater mean --------------------------------------------------------------------------
@attrs.frozen
class RaterParams:
    source: str
    item_value: str  # the value of the item column selecting this item's marks
    item_column: str = "item"
    rater_column: str = "rater"
    value_column: str = "value"
    raters: list[str] = attrs.Factory(lambda: ["self", "superior", "panel"])
    require_all: bool = True  # a missing rater's mark is an error (not a silent 2-rater mean)
    min: Fraction | None = None
    max: Fraction | None = None  # (unreachable: `max` is the item's points cap; see value_max)
    value_max: Fraction | None = None  # highest mark allowed
    allowed: list[Fraction] = attrs.Factory(list)  # the only marks a rubric allows (empty: any)
    # raters disagreeing by more than this (highest − lowest mark) are flagged for calibration
    max_spread: Fraction | None = None


class RaterMean(MetricType):
    name = "rater_mean"
    Params = RaterParams
    description = "Mean of the raters' marks for an item (self / superior / panel)."

    def data_ranges(self, rs, sc, item):
        p = item.params
        return [ValueRange(p.source, p.value_column,
                           lambda f: _recorded_problem(p, f, p.item_value, "mark"),
                           {p.item_column: p.item_value})]

    def validate(self, rs, sc, item):
        p = item.params
        require_source(rs, p.source, item.path, ["employee_id", p.item_column, p.rater_column,
                                                 p.value_column])

    def sources(self, item):
        p = item.params
        return {p.source: {p.item_column, p.rater_column, p.value_column}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, {p.item_column: p.item_value})
        marks: dict[str, dict] = {}
        for eid, rater, v, line in ctx.query(
                f"SELECT employee_id, [{p.rater_column}], [{p.value_column}], _line FROM "
                f"{ctx.table(p.source)} WHERE {where} ORDER BY _line", params):
            if eid not in ctx.employees:
                continue
            ref = ctx.ref(p.source, line)
            if rater not in p.raters:
                raise DataError([(f"{ref}:{p.rater_column}", f"unknown rater {rater!r} (expected "
                                                             f"{', '.join(p.raters)})")])
            if v is None:
                raise DataError([(f"{ref}:{p.value_column}", f"{rater}'s mark for "
                                  f"{p.item_value} is blank; fill it in or delete the row")])
            f = to_fraction(v)
            _check_recorded(p, f, f"{ref}:{p.value_column}", p.item_value, "mark")
            if rater in marks.setdefault(eid, {}):
                raise DataError([(ref, f"{rater} marked {p.item_value} for {eid} twice in "
                                       f"{ctx.period} (first at {marks[eid][rater][1]}); keep "
                                       f"one")])
            marks[eid][rater] = (f, ref)
        out = {}
        for eid in ctx.employees:
            got = marks.get(eid, {})
            if not got:
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: no marks this period"),))
                continue
            missing = [r for r in p.raters if r not in got]
            if missing and p.require_all:
                raise DataError([(ctx.file(p.source), f"{eid} has no {'/'.join(missing)} mark for "
                                  f"{p.item_value} in {ctx.period}; every rater must mark every "
                                  f"item (or set require_all = false)")])
            vals = [got[r][0] for r in p.raters if r in got]
            mean = sum(vals, Fraction(0)) / len(vals)
            spread = max(vals) - min(vals)
            data = {"marks": {r: got[r][0] for r in got}, "spread": spread}
            if not ctx.ledger:
                out[eid] = Measure(mean, (), data)
                continue
            detail = ", ".join(f"{r} {fmt(got[r][0])}" for r in p.raters if r in got)
            lines = [Line(item.id, f"{item.id}: marks {detail}; mean {fmt(mean)}")]
            if p.max_spread is not None and spread > p.max_spread:
                lines.append(Line(item.id, f"{item.id}: CALIBRATION: raters disagree by "
                                           f"{fmt(spread)} > {fmt(p.max_spread)} (highest − "
                                           f"lowest mark); for the arbitration panel"))
            out[eid] = Measure(mean, tuple(lines), data)
        return out


# -- unmet conditions --------------------------------------------------------------------------
@attrs.frozen
class Condition:
    """One requirement of a conditions item: ``column op value``, blank cells unmet."""

    column: str
    op: str = "="
    value: Any = True
    label: str = ""


@attrs.frozen
class ConditionsParams:
    source: str
    conditions: list[Condition]
    match: dict[str, Any] = attrs.Factory(dict)
    when_missing: str = "error"  # no row for the employee: "error", "unmet" or "none"


_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


class Conditions(MetricType):
    name = "conditions"
    Params = ConditionsParams
    description = "How many of a list of requirements a recorded row fails (blank = unmet)."

    def validate(self, rs, sc, item):
        p = item.params
        require_source(rs, p.source, item.path, [c.column for c in p.conditions])
        for i, c in enumerate(p.conditions):
            if c.op not in _OPS:
                raise SchemaError(f"{item.path}.conditions[{i}].op", f"one of {', '.join(_OPS)}")
        if p.when_missing not in ("error", "unmet", "none"):
            raise SchemaError(f"{item.path}.when_missing", "one of error, unmet, none")

    def sources(self, item):
        return {item.params.source: {c.column for c in item.params.conditions}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        cols = [c.column for c in p.conditions]
        spec = ctx.ruleset.columns[p.source]
        got = ctx.query(f"SELECT employee_id, _line, {', '.join(f'[{c}]' for c in cols)} "
                        f"FROM {ctx.table(p.source)} WHERE {where} ORDER BY _line", params)
        rows = {eid: (ref, vals) for eid, ref, vals in single_rows(ctx, p.source, got, "row")}
        out = {}
        for eid in ctx.employees:
            if eid not in rows:
                if p.when_missing == "error":
                    raise DataError([(ctx.file(p.source), f"no row for {eid} in {ctx.period} "
                                                          f"({item.id} needs one); add it, or "
                                                          f"set when_missing")])
                if p.when_missing == "none":
                    out[eid] = Measure(None, (Line(item.id, f"{item.id}: nothing recorded"),))
                    continue
                n = len(p.conditions)
                out[eid] = Measure(Fraction(n), (Line(item.id, f"{item.id}: nothing recorded: "
                                                               f"all {n} unmet"),))
                continue
            ref, vals = rows[eid]
            unmet = []  # (condition, cell)
            for c, v in zip(p.conditions, vals, strict=True):
                want = c.value
                have = v
                if spec[c.column].type == "bool":
                    have = None if v is None else bool(v)
                elif spec[c.column].type in ("decimal", "int") and v is not None:
                    have, want = to_fraction(v), to_fraction(want)
                ok = have is not None and _OPS[c.op](have, want)
                if not ok:
                    unmet.append((c, v))
            if not ctx.ledger:
                out[eid] = Measure(Fraction(len(unmet)))
                continue
            text = f"{item.id}: {len(unmet)} of {len(p.conditions)} requirement(s) unmet"
            if unmet:
                text += ": " + "; ".join(c.label or f"{c.column} {c.op} {c.value} (was {v})"
                                         for c, v in unmet)
            out[eid] = Measure(Fraction(len(unmet)), (Line(item.id, text, ref=ref),))
        return out


@hookimpl
def register_metric_types(register):
    for cls in (Lookup, RaterMean, Conditions):
        register(cls())
