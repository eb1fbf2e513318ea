"""Five-level (Likert) surveys: Σ weight × mean rating × points per level over the answered
dimensions.
"""

from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.errors import DataError
from scorecard.numbers import fmt
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Line, Measure, MetricType

from .._common import check_match


# -- five-level survey -------------------------------------------------------------------------
@attrs.frozen
class LikertParams:
    source: str
    dimensions: dict[str, Fraction]  # column -> weight (weights add up to 1)
    match: dict[str, Any] = attrs.Factory(dict)
    points_per_level: Fraction = Fraction(20)  # mean rating 1..5 × 20 -> 0..100
    levels: list[int] = attrs.Factory(lambda: [1, 5])
    rescale_missing: bool = True  # a dimension nobody answered is left out, others rescaled


class Likert(MetricType):
    name = "likert"
    Params = LikertParams
    description = "Five-level survey: Σ weight × mean rating × points_per_level over answered "\
                  "dimensions."

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, f"{item.path}.dimensions", list(p.dimensions))
        if p.points_per_level <= 0:
            raise SchemaError(f"{item.path}.points_per_level", f"must be above 0 (a rating "
                              f"level is worth points), got {fmt(p.points_per_level)}")
        for d, w in p.dimensions.items():
            if w < 0:
                raise SchemaError(f"{item.path}.dimensions.{d}", f"a weight of 0 or more, got "
                                  f"{fmt(w)}")
        total = sum(p.dimensions.values(), Fraction(0))
        if total != 1:
            raise SchemaError(f"{item.path}.dimensions", f"weights add up to {fmt(total)}, not 1")
        for d in p.dimensions:
            if rs.columns[p.source][d].type != "int":
                raise SchemaError(f"{item.path}.dimensions.{d}", f"column {d!r} must be an int "
                                  f"column (ratings {p.levels[0]}..{p.levels[-1]})")
        if len(p.levels) != 2 or p.levels[0] >= p.levels[1]:
            raise SchemaError(f"{item.path}.levels", "expected [lowest, highest], e.g. [1, 5]")

    def sources(self, item):
        return {item.params.source: {*item.params.match, *item.params.dimensions}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        dims = list(p.dimensions)
        lo, hi = p.levels
        sel = ", ".join(f"SUM([{d}]), COUNT([{d}]), MIN([{d}]), MAX([{d}])" for d in dims)
        rows = ctx.query(f"SELECT employee_id, COUNT(*), {sel} FROM {ctx.table(p.source)} "
                         f"WHERE {where} GROUP BY employee_id", params)
        agg = {r[0]: r[1:] for r in rows}
        out = {}
        for eid in ctx.employees:
            if eid not in agg:
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: no survey answers"),),
                                   {"answers": 0})
                continue
            n_rows, *stats = agg[eid]
            parts, lines, used = [], [], Fraction(0)
            value = Fraction(0)
            for i, d in enumerate(dims):
                s, n, mn, mx = stats[4 * i: 4 * i + 4]
                if not n:
                    lines.append(Line(item.id, f"{item.id}: {d}: no answers, left out"))
                    continue
                if mn < lo or mx > hi:
                    line, bad = ctx.query(
                        f"SELECT _line, [{d}] FROM {ctx.table(p.source)} WHERE {where} AND "
                        f"employee_id = ? AND ([{d}] < ? OR [{d}] > ?) ORDER BY _line LIMIT 1",
                        [*params, eid, lo, hi])[0]
                    raise DataError([(f"{ctx.ref(p.source, line)}:{d}",
                                      f"rating {bad} is outside the levels {lo}..{hi}; "
                                      f"correct the rating (or the item's levels)")])
                mean = Fraction(s, n)
                w = p.dimensions[d]
                used += w
                value += w * mean * p.points_per_level
                if ctx.ledger:
                    parts.append(f"{fmt(w)}×{fmt(mean)}×{fmt(p.points_per_level)}")
                    lines.append(Line(item.id, f"{item.id}: {d}: mean {s}/{n} = {fmt(mean)}"))
            if used == 0:
                out[eid] = Measure(None, (*lines, Line(item.id, f"{item.id}: no dimension "
                                                                f"answered")), {"answers": n_rows})
                continue
            if used != 1:
                if not p.rescale_missing:
                    out[eid] = Measure(None, (*lines, Line(item.id, f"{item.id}: incomplete "
                                                                    f"dimensions")), {})
                    continue
                value = value / used
            if not ctx.ledger:
                out[eid] = Measure(value, (), {"answers": n_rows})
                continue
            if used != 1:
                text = f"({' + '.join(parts)}) / {fmt(used)} = {fmt(value)} (rescaled)"
            else:
                text = f"{' + '.join(parts)} = {fmt(value)}"
            out[eid] = Measure(value, (*lines, Line(item.id, f"{item.id}: {n_rows} answer(s); "
                                                             f"{text}")), {"answers": n_rows})
        return out


@hookimpl
def register_metric_types(register):
    for cls in (Likert,):
        register(cls())
