"""Counting measures: count, rate and mean over a period's rows.

Each reads the whole period of its source in one SQL query grouped by employee.
"""

import json
from fractions import Fraction
from typing import Any, Literal

import attrs

from scorecard import hookimpl
from scorecard.evidence import renderer
from scorecard.numbers import fmt, to_fraction
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Aggregate, Evidence, Line, Measure, MetricType

from .._common import check_match, require_types

NUMBERS = ("int", "decimal")


def _filled(p) -> str:
    """SQL keeping only the rows that fill every column of ``filled`` (a blank cell is NULL):
    a KPI's row counts only when it reports all the counts the KPI needs."""
    return "".join(f" AND [{c}] IS NOT NULL" for c in p.filled)


def _when(ctx, p, then: str, params=()):
    """``CASE WHEN <match and filled> THEN <then> END`` and its parameters: a fused scan reads
    every row of the period, so an aggregate keeps only its own rows (NULL for the others).
    Without a condition the expression is ``then`` itself."""
    cond, cp = ctx.match_where(p.source, p.match)
    cond += _filled(p)
    if cond == "1":
        return then, list(params)
    return f"CASE WHEN {cond} THEN {then} END", [*cp, *params]


def _refs(ctx, source, where, params) -> dict[str, list]:
    """Each employee's evidence rows (``file:line``, in file order) among the rows a defined
    measure was computed from: the first three are quoted in its calculation line."""
    refs: dict[str, list] = {}
    for eid, line in ctx.query(f"SELECT employee_id, _line FROM {ctx.table(source)} WHERE "
                               f"{where} ORDER BY _line", params):
        refs.setdefault(eid, []).append(ctx.ref(source, line))
    return refs


def _defined(item, calc, v, refs) -> tuple[Line, ...]:
    """The ledger of a measure with a ``definition`` (a KPI catalogue's entry): the definition,
    then the calculation with its unit and the source rows it read."""
    p = item.params
    unit = f" {p.unit}" if p.unit else ""
    return (Line(item.id, f"{item.id}: {p.definition}"),
            Line(item.id, f"{item.id}: {calc} = {fmt(v)}{unit} ({', '.join(refs[:3])})",
                 ref=refs[0] if refs else None))


def _defined_empty(item, why, v) -> tuple[Line, ...]:
    """A defined measure with nothing to compute: why (nothing reported, a denominator of 0)
    and the value the rule gives instead (no data unless ``when_empty`` says otherwise)."""
    return (Line(item.id, f"{item.id}: {item.params.definition}"),
            Line(item.id, f"{item.id}: {why}: no data" if v is None else
                 f"{item.id}: {why}: {fmt(v)} by rule"))


def _zero_denominator(item, v) -> tuple[Line, ...]:
    """The ledger of a rate whose denominator is 0: no data, or the value ``v`` its rule gives."""
    return (Line(item.id, f"{item.id}: no data (denominator 0)" if v is None else
                 f"{item.id}: denominator 0, value {fmt(v)} by rule"),)


# -- count -------------------------------------------------------------------------------------
@attrs.frozen
class CountParams:
    source: str
    match: dict[str, Any] = attrs.Factory(dict)
    # add up this column (or these columns: calls offered + calls made) instead of counting
    sum_column: str | list[str] | None = None
    ref_column: str | None = None  # shown as the evidence of each row (default file:line)
    describe: list[str] = attrs.Factory(list)  # columns shown in each evidence line
    # a row counts only when every one of these columns is filled (blank rows left out)
    filled: list[str] = attrs.Factory(list)
    # the value when no row counts: 0 (a count of nothing), a number, or "no data"
    when_empty: Fraction | Literal["no data"] = 0
    definition: str = ""  # the measure in words: explained the KPI catalogue's way
    unit: str = ""  # shown after the value

    @property
    def sums(self) -> tuple[str, ...]:
        """The columns added up (none: rows are counted)."""
        if self.sum_column is None:
            return ()
        return (self.sum_column,) if isinstance(self.sum_column, str) else self.sum_column


class Count(MetricType):
    name = "count"
    Params = CountParams
    description = "Number of matching rows in the period (or the sum of a column), with each row "\
                  "listed as evidence."

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        if p.sum_column is not None and not p.sums:
            raise SchemaError(f"{item.path}.sum_column", "give a column or a list of columns")
        require_source(rs, p.source, f"{item.path}.sum_column", [*p.sums, p.ref_column,
                                                                 *p.describe])
        require_source(rs, p.source, f"{item.path}.filled", p.filled)
        require_types(rs, p.source, p.sums, NUMBERS, f"{item.path}.sum_column")

    def sources(self, item):
        p = item.params
        return {p.source: {*p.match, *p.filled, *p.sums, *([p.ref_column] if p.ref_column
                                                            else [])}}

    def _decimal_sum(self, ctx, p):
        # decimals are exact text: SQLite's SUM would add them as binary floats
        types = ctx.ruleset.columns[p.source]
        return any(types[c].type == "decimal" for c in p.sums)

    def aggregates(self, ctx, item):
        p = item.params
        if self._decimal_sum(ctx, p):
            return {}  # added up exactly in Python by compute's own query
        # NULL exactly when none of the employee's rows counts (a blank cell adds 0)
        amount = " + ".join(f"COALESCE([{c}], 0)" for c in p.sums) or "1"
        sql, params = _when(ctx, p, amount)
        return {"total": Aggregate(p.source, "COUNT(*)" if sql == "1" else f"SUM({sql})",
                                   tuple(params))}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        where += _filled(p)
        decimal = self._decimal_sum(ctx, p)
        if decimal:
            totals: dict = {}
            for eid, *vs in ctx.query(f"SELECT employee_id, {', '.join(f'[{c}]' for c in p.sums)}"
                                      f" FROM {ctx.table(p.source)} WHERE {where}", params):
                totals[eid] = totals.get(eid, 0) + sum(to_fraction(v) for v in vs
                                                       if v is not None)
        else:
            # from the fused scan: the employees with a counted row (None: rows in the period,
            # none counted)
            totals = {e: v for e, v in ctx.aggregated(item)["total"].items() if v is not None}
        if p.definition:
            return self._defined(ctx, item, where, params, totals)
        lines: dict[str, list] = {}
        if ctx.ledger and len(p.sums) <= 1:
            # each counted row is one evidence row, selected in SQL when the evaluation ends
            # and rendered (render_counted) only when someone reads the ledger
            note = (f"json_array({', '.join(f'[{c}]' for c in p.describe)})" if p.describe
                    else "NULL")
            evidence = Evidence(
                item.id, COUNT_RENDERER,
                f"SELECT employee_id, _line AS line, "
                f"{f'[{p.ref_column}]' if p.ref_column else 'NULL'} AS ref, "
                f"{f'[{p.sums[0]}]' if p.sums else 'NULL'} AS value, {note} AS note "
                f"FROM {ctx.table(p.source)} WHERE {where} ORDER BY employee_id, _line",
                tuple(params),
                {"item": item.id, "file": ctx.file(p.source), "by_ref": bool(p.ref_column),
                 "sum": bool(p.sums), "describe": list(p.describe)}, p.source)
            # an employee without a row of the source has no line (as before); one with rows
            # of other items only gets a placeholder that reads as nothing (and is not stored)
            lines = {e: (evidence,) for e in (totals if decimal else
                                              ctx.aggregated(item)["total"])}
        elif ctx.ledger:
            cols = [c for c in (p.ref_column,) if c] + list(p.sums) + list(p.describe)
            sel = ", ".join(["employee_id", "_line"] + [f"[{c}]" for c in cols])
            for row in ctx.query(f"SELECT {sel} FROM {ctx.table(p.source)} WHERE {where} "
                                 f"ORDER BY employee_id, _line", params):
                eid, line, *vals = row
                if eid not in ctx.employees:
                    continue
                rec = dict(zip(cols, vals, strict=True))
                ref = str(rec[p.ref_column]) if p.ref_column else ctx.ref(p.source, line)
                what = ", ".join(f"{c} {rec[c]}" for c in p.describe)
                # only several summed columns come here (an evidence row holds one value)
                n = f" ×{fmt(sum(to_fraction(rec[c]) for c in p.sums if rec[c] is not None))}"
                lines.setdefault(eid, []).append(
                    _counted_line(item.id, ref, n, what, ctx.ref(p.source, line)))
        out = {}
        empty = p.when_empty != 0
        # a whole count without evidence lines is the same immutable Measure for everyone
        # with that count: made once
        shared: dict[int, Measure] = {}
        for eid in ctx.employees:
            if empty and eid not in totals:
                v = None if p.when_empty == "no data" else p.when_empty
                out[eid] = Measure(v, (Line(item.id, f"{item.id}: no rows this period: " + (
                    "no data" if v is None else f"{fmt(v)} by rule")),))
                continue
            v = totals.get(eid) or 0
            own = lines.get(eid)
            if type(v) is int and not own:
                got = shared.get(v)
                if got is None:
                    got = shared[v] = Measure(v, ())
                out[eid] = got
                continue
            # a count stays an int (exact); summed decimal text becomes a Fraction
            out[eid] = Measure(v if type(v) is int else to_fraction(v), tuple(own or ()))
        return out

    def _defined(self, ctx, item, where, params, totals):
        p = item.params
        refs = _refs(ctx, p.source, where, params) if ctx.ledger else {}
        calc = "Σ " + " + Σ ".join(p.sums) if p.sums else "rows"
        out = {}
        for eid in ctx.employees:
            if eid not in totals:
                v = None if p.when_empty == "no data" else p.when_empty
                out[eid] = Measure(v, _defined_empty(item, "nothing reported", v))
                continue
            v = totals[eid]
            v = v if type(v) is int else to_fraction(v)
            out[eid] = Measure(v, _defined(item, calc, v, refs.get(eid, []))
                               if ctx.ledger else ())
        return out


#: the renderer of count's evidence rows (scorecard.evidence)
COUNT_RENDERER = "count.row"


@renderer(COUNT_RENDERER, version=1)
def render_counted(row, args) -> Line:
    """``qa: C12 ×2 (item listening)``: one counted row (ref: the ref column's value; value:
    the summed column's; note: the described columns' values, a JSON array)."""
    where = f"{args['file']}:{row.line}"
    ref = str(row.ref) if args["by_ref"] else where
    n = f" ×{row.value}" if args["sum"] else ""
    what = ", ".join(f"{c} {v}" for c, v in zip(args["describe"], json.loads(row.note)
                                                 if row.note else (), strict=True))
    return _counted_line(args["item"], ref, n, what, where)


def _counted_line(item, ref, n, what, where) -> Line:
    """One counted row's line, made from a stored evidence row or in place: ``item: ref``, the
    amount ``n`` (`` ×2`` or nothing) and the described columns ``what`` in brackets."""
    return Line(item, f"{item}: {ref}{n}{' (' + what + ')' if what else ''}", ref=where)


# -- rate --------------------------------------------------------------------------------------
@attrs.frozen
class RateParams:
    source: str
    of: str | None = None  # a boolean column: true / (true + false); blank cells left out
    numerator: dict[str, Any] = attrs.Factory(dict)  # match for the numerator rows
    denominator: dict[str, Any] = attrs.Factory(dict)  # match for the denominator rows
    numerator_sum: str | None = None  # or: add up columns
    denominator_sum: str | None = None
    match: dict[str, Any] = attrs.Factory(dict)  # applies to both
    scale: Fraction = Fraction(100)
    when_empty: Fraction | None = None  # value when the denominator is 0 (None: no data)
    # a row counts only when every one of these columns is filled (blank rows left out)
    filled: list[str] = attrs.Factory(list)
    definition: str = ""  # the measure in words: explained the KPI catalogue's way
    unit: str = ""  # shown after the value


class Rate(MetricType):
    name = "rate"
    Params = RateParams
    description = "numerator / denominator × scale (percent by default), with a declared value "\
                  "(or no data) when the denominator is 0."

    def validate(self, rs, sc, item):
        p = item.params
        modes = [bool(p.of), bool(p.numerator or p.denominator),
                 bool(p.numerator_sum or p.denominator_sum)]
        if sum(modes) != 1:
            raise SchemaError(item.path, "give exactly one of: of = \"bool column\"; numerator "
                              "and denominator matches; numerator_sum and denominator_sum")
        if p.numerator_sum and not p.denominator_sum or p.denominator_sum and not p.numerator_sum:
            raise SchemaError(item.path, "numerator_sum and denominator_sum go together")
        if p.denominator and not p.numerator:
            # an empty numerator match would select every denominator row: always 100 %
            raise SchemaError(f"{item.path}.numerator", "give the numerator's match, e.g. "
                                                        "numerator = { satisfied = true }")
        check_match(rs, p.source, {**p.match, **p.numerator, **p.denominator}, item.path)
        require_source(rs, p.source, item.path, [p.of, p.numerator_sum, p.denominator_sum])
        require_source(rs, p.source, f"{item.path}.filled", p.filled)
        require_types(rs, p.source, [p.of], ("bool",), f"{item.path}.of")
        require_types(rs, p.source, [p.numerator_sum, p.denominator_sum], NUMBERS, item.path)

    def sources(self, item):
        p = item.params
        cols = {*p.match, *p.numerator, *p.denominator}
        cols |= {c for c in (p.of, p.numerator_sum, p.denominator_sum) if c}
        return {p.source: cols | set(p.filled)}

    def aggregates(self, ctx, item):
        p = item.params
        if p.numerator_sum:
            return {}  # column sums added up exactly in Python by compute's own query
        if p.of:
            # true / answered: SUM of the comparison counts the trues, COUNT the non-blank
            num, num_p = _when(ctx, p, f"[{p.of}] = 1")
            den, den_p = _when(ctx, p, f"[{p.of}]")
            out = {"numerator": Aggregate(p.source, f"SUM({num})", tuple(num_p)),
                   "denominator": Aggregate(p.source, f"COUNT({den})", tuple(den_p))}
        else:
            n_sql, n_p = ctx.match_where(p.source, p.numerator)
            d_sql, d_p = ctx.match_where(p.source, p.denominator)
            num, num_p = _when(ctx, p, f"(({n_sql}) AND ({d_sql}))", [*n_p, *d_p])
            den, den_p = _when(ctx, p, f"({d_sql})", d_p)
            # a comparison is 1, 0 or NULL (a blank cell): CASE keeps SUM's count of 1s exact
            out = {"numerator": Aggregate(p.source, f"SUM(CASE WHEN {num} THEN 1 ELSE 0 END)",
                                          tuple(num_p)),
                   "denominator": Aggregate(p.source, f"SUM(CASE WHEN {den} THEN 1 ELSE 0 "
                                                      f"END)", tuple(den_p))}
        rows, rows_p = _when(ctx, p, "1")
        if p.definition and rows != "1":
            # a defined measure says "nothing reported" for an employee without a counted row
            out["rows"] = Aggregate(p.source, f"SUM({rows})", tuple(rows_p))
        return out

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        where += _filled(p)
        t = ctx.table(p.source)
        if p.of:
            num_sql, num_p = f"[{p.of}] = 1", []
            den_sql, den_p = f"[{p.of}] IS NOT NULL", []
        elif p.numerator_sum:
            num_sql = den_sql = None
        else:
            num_sql, num_p = ctx.match_where(p.source, p.numerator)
            den_sql, den_p = ctx.match_where(p.source, p.denominator)
        if num_sql is None:
            rows = ctx.query(f"SELECT employee_id, [{p.numerator_sum}], [{p.denominator_sum}] "
                             f"FROM {t} WHERE {where}", params)
            agg: dict[str, list] = {}
            for eid, n, d in rows:
                a = agg.setdefault(eid, [Fraction(0), Fraction(0)])
                a[0] += to_fraction(n or 0)
                a[1] += to_fraction(d or 0)
        else:
            # from the fused scan: the employees with a counted row
            got = ctx.aggregated(item)
            num, den, rows = got["numerator"], got["denominator"], got.get("rows")
            if not p.definition:
                return self._rates(ctx, item, num, den)
            agg = {eid: (Fraction(num[eid] or 0), Fraction(d or 0)) for eid, d in den.items()
                   if rows is None or rows[eid] is not None}
        if p.definition:
            return self._defined(ctx, item, where if num_sql is None else
                                 f"{where} AND ({den_sql})",
                                 params if num_sql is None else params + den_p, agg)
        out = {}
        sn, sd = p.scale.numerator, p.scale.denominator
        for eid in ctx.employees:
            n, d = agg.get(eid, (Fraction(0), Fraction(0)))
            if d == 0:
                v = p.when_empty
                out[eid] = Measure(v, _zero_denominator(item, v),
                                   {"numerator": n, "denominator": d})
            else:
                # n / d × scale as one exact Fraction (one normalisation instead of three)
                v = Fraction(n.numerator * d.denominator * sn, n.denominator * d.numerator * sd)
                lines = (Line(item.id, f"{item.id}: rate {fmt(n)}/{fmt(d)} × {fmt(p.scale)} = "
                                       f"{fmt(v)}"),) if ctx.ledger else ()
                out[eid] = Measure(v, lines, {"numerator": n, "denominator": d})
        return out

    def _rates(self, ctx, item, num, den):
        """The measures from the fused scan's whole counts (the loop below compute's, without
        building Fraction pairs first): n / d × scale as one Fraction."""
        p = item.params
        sn, sd = p.scale.numerator, p.scale.denominator
        zero = Fraction(0)
        whole: dict[int, Fraction] = {}
        said: dict[tuple, tuple] = {}  # (numerator, denominator) -> the ledger line
        out = {}
        for eid in ctx.employees:
            d = den.get(eid) or 0
            if d == 0:
                n = zero if eid not in den else Fraction(num[eid] or 0)
                v = p.when_empty
                out[eid] = Measure(v, _zero_denominator(item, v),
                                   {"numerator": n, "denominator": zero})
                continue
            n = num[eid] or 0
            v = Fraction(n * sn, d * sd)
            lines = ()
            if ctx.ledger:  # the line depends only on the two counts: made once per pair
                lines = said.get((n, d))
                if lines is None:
                    lines = said[(n, d)] = (Line(item.id, f"{item.id}: rate {n}/{d} × "
                                                          f"{fmt(p.scale)} = {fmt(v)}"),)
            fn, fd = whole.get(n), whole.get(d)  # counts repeat: one immutable Fraction each
            if fn is None:
                fn = whole[n] = Fraction(n)
            if fd is None:
                fd = whole[d] = Fraction(d)
            out[eid] = Measure(v, lines, {"numerator": fn, "denominator": fd})
        return out

    def _defined(self, ctx, item, where, params, agg):
        p = item.params
        refs = _refs(ctx, p.source, where, params) if ctx.ledger else {}
        out = {}
        for eid in ctx.employees:
            n, d = agg.get(eid, (Fraction(0), Fraction(0)))
            data = {"numerator": n, "denominator": d}
            if d == 0:
                v = p.when_empty
                why = ("nothing reported" if eid not in agg else f"{p.denominator_sum} is 0"
                       if p.denominator_sum else "no denominator rows")
                out[eid] = Measure(v, _defined_empty(item, why, v), data)
                continue
            v = n / d * p.scale
            calc = f"{fmt(n)} / {fmt(d)}" + ("" if p.scale == 1 else f" × {fmt(p.scale)}")
            out[eid] = Measure(v, _defined(item, calc, v, refs.get(eid, []))
                               if ctx.ledger else (), data)
        return out


# -- mean --------------------------------------------------------------------------------------
@attrs.frozen
class MeanParams:
    source: str
    column: str
    match: dict[str, Any] = attrs.Factory(dict)
    scale: Fraction = Fraction(1)
    when_empty: Fraction | None = None
    # a row counts only when every one of these columns is filled (blank rows left out)
    filled: list[str] = attrs.Factory(list)
    definition: str = ""  # the measure in words: explained the KPI catalogue's way
    unit: str = ""  # shown after the value


class Mean(MetricType):
    name = "mean"
    Params = MeanParams
    description = "Mean of a column over the period's rows (blank cells left out) × scale."

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, f"{item.path}.column", [p.column])
        require_source(rs, p.source, f"{item.path}.filled", p.filled)
        require_types(rs, p.source, [p.column], NUMBERS, f"{item.path}.column")

    def sources(self, item):
        return {item.params.source: {*item.params.match, *item.params.filled,
                                     item.params.column}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        where += _filled(p)
        sums: dict[str, list] = {}
        for eid, v in ctx.query(f"SELECT employee_id, [{p.column}] FROM {ctx.table(p.source)} "
                                f"WHERE {where} AND [{p.column}] IS NOT NULL", params):
            a = sums.setdefault(eid, [Fraction(0), 0])
            a[0] += to_fraction(v)
            a[1] += 1
        if p.definition:
            return self._defined(ctx, item, f"{where} AND [{p.column}] IS NOT NULL", params,
                                 sums)
        out = {}
        for eid in ctx.employees:
            if eid not in sums:
                v = p.when_empty
                out[eid] = Measure(v, (Line(item.id, f"{item.id}: no values this period" + (
                    "" if v is None else f", value {fmt(v)} by rule")),))
                continue
            s, n = sums[eid]
            v = s / n * p.scale
            if not ctx.ledger:
                out[eid] = Measure(v, (), {"n": n})
                continue
            out[eid] = Measure(v, (Line(item.id, f"{item.id}: mean {fmt(s)}/{n}"
                                                 f"{'' if p.scale == 1 else ' × ' + fmt(p.scale)}"
                                                 f" = {fmt(v)}"),), {"n": n})
        return out

    def _defined(self, ctx, item, where, params, sums):
        p = item.params
        refs = _refs(ctx, p.source, where, params) if ctx.ledger else {}
        out = {}
        for eid in ctx.employees:
            if eid not in sums:
                out[eid] = Measure(p.when_empty, _defined_empty(item, "nothing reported",
                                                                p.when_empty))
                continue
            s, n = sums[eid]
            v = s / n * p.scale
            calc = f"{fmt(s)} / {n} row(s)" + ("" if p.scale == 1 else f" × {fmt(p.scale)}")
            out[eid] = Measure(v, _defined(item, calc, v, refs.get(eid, []))
                               if ctx.ledger else (), {"n": n})
        return out


@hookimpl
def register_metric_types(register):
    for cls in (Count, Rate, Mean):
        register(cls())
