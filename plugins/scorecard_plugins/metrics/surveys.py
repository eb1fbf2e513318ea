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
    # dimension -> "survey" (mean rating × points per level) or "operations" (the points, 0–100,
    # of the earlier item named in ``operations``: a figure measured from operational data)
    dimension_from: dict[str, str] = attrs.Factory(dict)
    operations: dict[str, str] = attrs.Factory(dict)  # dimension -> earlier item id


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
        earlier = []
        for it in sc.items:
            if it.id == item.id:
                break
            earlier.append(it.id)
        for d, src in p.dimension_from.items():
            at = f"{item.path}.dimension_from.{d}"
            if d not in p.dimensions:
                raise SchemaError(at, f"not a dimension (dimensions: {', '.join(p.dimensions)})")
            if src not in ("survey", "operations"):
                raise SchemaError(at, "one of survey, operations")
            if src == "operations" and d not in p.operations:
                raise SchemaError(f"{item.path}.operations", f"dimension {d} is measured from "
                                  f"operations: name the item that measures it, "
                                  f"operations = {{ {d} = \"ITEM\" }}")
        for d, ref in p.operations.items():
            if ref not in earlier:
                shown = ", ".join(earlier) or "none"
                raise SchemaError(f"{item.path}.operations.{d}", f"{ref!r} is not an item "
                                  f"before this one (earlier items: {shown})")

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
        ops = {d: p.operations[d] for d, src in p.dimension_from.items() if src == "operations"}
        out = {}
        for eid in ctx.employees:
            if eid not in agg and not ops:
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: no survey answers"),),
                                   {"answers": 0})
                continue
            n_rows, *stats = agg.get(eid, (0, *([None, 0, None, None] * len(dims))))
            parts, lines, used = [], [], Fraction(0)
            value = Fraction(0)
            for i, d in enumerate(dims):
                if d in ops:
                    # measured from operations: the earlier item's points (0–100)
                    pts = ctx.outcomes[ops[d]][eid].points
                    if pts is None:
                        lines.append(Line(item.id, f"{item.id}: {d}: from operations "
                                                   f"({ops[d]}): no data, left out"))
                        continue
                    w = p.dimensions[d]
                    used += w
                    value += w * pts
                    if ctx.ledger:
                        parts.append(f"{fmt(w)}×{fmt(pts)}")
                        lines.append(Line(item.id, f"{item.id}: {d}: from operations "
                                                   f"({ops[d]}) = {fmt(pts)}"))
                    continue
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
