"""Generic measures: count, rate, mean, limit breaches, five-level (Likert) surveys, recorded
values (rubric marks, levels, KPI columns), multi-rater means and unmet conditions.

Every measure reads the whole period of its source in one or two SQL queries grouped by employee.
"""

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.errors import DataError
from scorecard.numbers import fmt, to_fraction
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Line, Measure, MetricType

from ._common import check_match, describe_seconds, parse_limit, require_types

NUMBERS = ("int", "decimal")


# -- count -------------------------------------------------------------------------------------
@attrs.frozen
class CountParams:
    source: str
    match: dict[str, Any] = attrs.Factory(dict)
    sum_column: str | None = None  # add up this column instead of counting rows
    ref_column: str | None = None  # shown as the evidence of each row (default file:line)
    describe: list[str] = attrs.Factory(list)  # columns shown in each evidence line


class Count(MetricType):
    name = "count"
    Params = CountParams
    description = "Number of matching rows in the period (or the sum of a column), with each row "\
                  "listed as evidence."

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, f"{item.path}.sum_column", [p.sum_column, p.ref_column,
                                                                 *p.describe])
        require_types(rs, p.source, [p.sum_column], NUMBERS, f"{item.path}.sum_column")

    def sources(self, item):
        p = item.params
        return {p.source: {*p.match, *(c for c in (p.sum_column, p.ref_column) if c)}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        if p.sum_column and ctx.ruleset.columns[p.source][p.sum_column].type == "decimal":
            # decimals are exact text: SQLite's SUM would add them as binary floats
            totals: dict = {}
            for eid, v in ctx.query(f"SELECT employee_id, [{p.sum_column}] FROM "
                                    f"{ctx.table(p.source)} WHERE {where} AND "
                                    f"[{p.sum_column}] IS NOT NULL", params):
                totals[eid] = totals.get(eid, 0) + to_fraction(v)
        else:
            amount = f"[{p.sum_column}]" if p.sum_column else "1"
            totals = dict(ctx.query(f"SELECT employee_id, SUM({amount}) FROM "
                                    f"{ctx.table(p.source)} WHERE {where} GROUP BY employee_id",
                                    params))
        lines: dict[str, list] = {}
        if ctx.ledger:
            cols = [c for c in (p.ref_column, p.sum_column) if c] + list(p.describe)
            sel = ", ".join(["employee_id", "_line"] + [f"[{c}]" for c in cols])
            for row in ctx.query(f"SELECT {sel} FROM {ctx.table(p.source)} WHERE {where} "
                                 f"ORDER BY employee_id, _line", params):
                eid, line, *vals = row
                if eid not in ctx.employees:
                    continue
                rec = dict(zip(cols, vals, strict=True))
                ref = str(rec[p.ref_column]) if p.ref_column else ctx.ref(p.source, line)
                what = ", ".join(f"{c} {rec[c]}" for c in p.describe)
                n = f" ×{rec[p.sum_column]}" if p.sum_column else ""
                lines.setdefault(eid, []).append(
                    Line(item.id, f"{item.id}: {ref}{n}{' (' + what + ')' if what else ''}",
                         ref=ctx.ref(p.source, line)))
        out = {}
        for eid in ctx.employees:
            v = totals.get(eid) or 0
            # a count stays an int (exact); summed decimal text becomes a Fraction
            out[eid] = Measure(v if type(v) is int else to_fraction(v),
                               tuple(lines.get(eid, ())))
        return out


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
        require_types(rs, p.source, [p.of], ("bool",), f"{item.path}.of")
        require_types(rs, p.source, [p.numerator_sum, p.denominator_sum], NUMBERS, item.path)

    def sources(self, item):
        p = item.params
        cols = {*p.match, *p.numerator, *p.denominator}
        cols |= {c for c in (p.of, p.numerator_sum, p.denominator_sum) if c}
        return {p.source: cols}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
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
            rows = ctx.query(
                f"SELECT employee_id, SUM(CASE WHEN ({num_sql}) AND ({den_sql}) THEN 1 ELSE 0 END),"
                f" SUM(CASE WHEN {den_sql} THEN 1 ELSE 0 END) FROM {t} WHERE {where} "
                f"GROUP BY employee_id", num_p + den_p + den_p + params)
            agg = {eid: [Fraction(n or 0), Fraction(d or 0)] for eid, n, d in rows}
        out = {}
        for eid in ctx.employees:
            n, d = agg.get(eid, (Fraction(0), Fraction(0)))
            if d == 0:
                v = p.when_empty
                text = (f"{item.id}: no data (denominator 0)" if v is None else
                        f"{item.id}: denominator 0, value {fmt(v)} by rule")
                out[eid] = Measure(v, (Line(item.id, text),), {"numerator": n, "denominator": d})
            else:
                v = n / d * p.scale
                lines = (Line(item.id, f"{item.id}: rate {fmt(n)}/{fmt(d)} × {fmt(p.scale)} = "
                                       f"{fmt(v)}"),) if ctx.ledger else ()
                out[eid] = Measure(v, lines, {"numerator": n, "denominator": d})
        return out


# -- mean --------------------------------------------------------------------------------------
@attrs.frozen
class MeanParams:
    source: str
    column: str
    match: dict[str, Any] = attrs.Factory(dict)
    scale: Fraction = Fraction(1)
    when_empty: Fraction | None = None


class Mean(MetricType):
    name = "mean"
    Params = MeanParams
    description = "Mean of a column over the period's rows (blank cells left out) × scale."

    def validate(self, rs, sc, item):
        p = item.params
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, f"{item.path}.column", [p.column])
        require_types(rs, p.source, [p.column], NUMBERS, f"{item.path}.column")

    def sources(self, item):
        return {item.params.source: {*item.params.match, item.params.column}}

    def compute(self, ctx, item):
        p = item.params
        where, params = ctx.where(p.source, p.match)
        sums: dict[str, list] = {}
        for eid, v in ctx.query(f"SELECT employee_id, [{p.column}] FROM {ctx.table(p.source)} "
                                f"WHERE {where} AND [{p.column}] IS NOT NULL", params):
            a = sums.setdefault(eid, [Fraction(0), 0])
            a[0] += to_fraction(v)
            a[1] += 1
        out = {}
        for eid in ctx.employees:
            if eid not in sums:
                v = p.when_empty
                out[eid] = Measure(v, (Line(item.id, f"{item.id}: no values this period" + (
                    "" if v is None else f", value {fmt(v)} by rule")),))
                continue
            s, n = sums[eid]
            v = s / n * p.scale
            out[eid] = Measure(v, (Line(item.id, f"{item.id}: mean {fmt(s)}/{n}"
                                                 f"{'' if p.scale == 1 else ' × ' + fmt(p.scale)}"
                                                 f" = {fmt(v)}"),), {"n": n})
        return out


# -- limit breaches ----------------------------------------------------------------------------
@attrs.frozen
class Case:
    limit: str
    when: dict[str, Any] = attrs.Factory(dict)
    label: str = ""


@attrs.frozen
class BreachParams:
    source: str
    start: str  # timestamp column the clock starts at
    end: str  # timestamp column it stops at
    cases: list[Case]  # first matching case gives the limit
    match: dict[str, Any] = attrs.Factory(dict)
    ref_column: str | None = None
    open_end: str = "overdue"  # blank end: "overdue" (breach if the deadline passed by the
    # period's end), "breach" or "ignore"


class LimitBreaches(MetricType):
    name = "limit_breaches"
    Params = BreachParams
    description = "Rows whose end − start exceeds a limit chosen by the first matching case "\
                  "(s/min/h/d elapsed, cd calendar dates, wd working days); met at exactly the "\
                  "limit."

    def validate(self, rs, sc, item):
        p = item.params
        if not p.cases:
            raise SchemaError(f"{item.path}.cases", "give at least one case with a limit")
        for i, c in enumerate(p.cases):
            parse_limit(c.limit, f"{item.path}.cases[{i}].limit")
            check_match(rs, p.source, c.when, f"{item.path}.cases[{i}].when")
        check_match(rs, p.source, p.match, item.path)
        require_source(rs, p.source, item.path, [p.start, p.end, p.ref_column])
        for col in (p.start, p.end):
            if rs.columns[p.source][col].type != "timestamp":
                raise SchemaError(f"{item.path}", f"{col!r} must be a timestamp column")
        if p.open_end not in ("overdue", "breach", "ignore"):
            raise SchemaError(f"{item.path}.open_end", "one of overdue, breach, ignore")

    def sources(self, item):
        p = item.params
        cols = {p.start, p.end, *p.match, *(k for c in p.cases for k in c.when)}
        if p.ref_column:
            cols.add(p.ref_column)
        return {p.source: cols}

    def compute(self, ctx, item):
        p = item.params
        limits = [parse_limit(c.limit, f"{item.path}.cases[{i}].limit")
                  for i, c in enumerate(p.cases)]
        where, params = ctx.where(p.source, p.match)
        t = ctx.table(p.source)
        case_sql, case_params = [], []
        for i, c in enumerate(p.cases):
            cond, cp = ctx.match_where(p.source, c.when)
            case_sql.append(f"WHEN {cond} THEN {i}")
            case_params += cp
        case_expr = f"CASE {' '.join(case_sql)} ELSE -1 END"
        ref = f"[{p.ref_column}]" if p.ref_column else "NULL"
        if all(lim.seconds is not None for lim in limits):
            # checks end-before-start and uncovered rows in its own single pass
            return self._by_seconds(ctx, item, p, limits, t, where, params, case_expr,
                                    case_params, ref)
        self._backwards(ctx, item, p, where, params)
        return self._by_rows(ctx, item, p, limits, t, where, params, case_expr, case_params, ref)

    def _backwards(self, ctx, item, p, where, params):
        # an end before its start would count as met: bad data, not a fast response
        bad = ctx.query(f"SELECT _line FROM {ctx.table(p.source)} WHERE {where} AND "
                        f"[{p.end}] < [{p.start}] ORDER BY _line LIMIT 1", params)
        if bad:
            self._raise_backwards(ctx, p, bad[0][0])

    def _raise_backwards(self, ctx, p, line):
        raise DataError([(f"{ctx.ref(p.source, line)}:{p.end}",
                          f"{p.end} is before {p.start}; correct one of the two timestamps")])

    def _uncovered(self, ctx, item, p, rows):
        if rows:
            line = rows[0]
            raise DataError([(ctx.ref(p.source, line), f"no case of {item.path}.cases matches "
                                                       f"this row; add a case for it")])

    def _by_seconds(self, ctx, item, p, limits, t, where, params, case_expr, case_params, ref):
        lim_expr = "CASE c " + " ".join(f"WHEN {i} THEN {lim.seconds}"
                                        for i, lim in enumerate(limits)) + " END"
        end_ts = ctx.period.end_ts
        if p.open_end == "overdue":
            elapsed = f"(coalesce([{p.end}], {end_ts}) - [{p.start}])"
        elif p.open_end == "breach":
            elapsed = f"(coalesce([{p.end}], [{p.start}] + 1e15) - [{p.start}])"
        else:
            elapsed = f"([{p.end}] - [{p.start}])"
        inner = (f"SELECT employee_id, _line, {ref} AS ref, [{p.start}] AS s, [{p.end}] AS e, "
                 f"{elapsed} AS elapsed, {case_expr} AS c FROM {t} WHERE {where}")
        allp = case_params + params
        # One pass over the period: rows and breaches per employee and case, and the first line
        # of any row ending before it starts and of any row no case covers (errors, in that
        # order, as _backwards and _uncovered report them in the other mode). Grouped by
        # employee alone, the table's (employee, time) order serves the GROUP BY: no sort.
        per_case = ", ".join(f"SUM(c = {i}), SUM(c = {i} AND elapsed > {lim.seconds})"
                             for i, lim in enumerate(limits))
        counts, backwards, uncovered = {}, [], []
        for eid, *sums, back, first in ctx.query(
                f"SELECT employee_id, {per_case}, MIN(CASE WHEN e < s THEN _line END), "
                f"MIN(CASE WHEN c = -1 THEN _line END) FROM ({inner}) GROUP BY employee_id",
                allp):
            if back is not None:
                backwards.append(back)
            if first is not None:
                uncovered.append(first)
            for c in range(len(limits)):
                n, b = sums[2 * c], sums[2 * c + 1]
                if n:
                    counts.setdefault(eid, {})[c] = (n, b or 0)
        if backwards:
            self._raise_backwards(ctx, p, min(backwards))
        self._uncovered(ctx, item, p, sorted(uncovered))
        lines: dict[str, list] = {}
        if ctx.ledger:
            labels = [c.label or self._case_text(c) for c in p.cases]
            file = ctx.file(p.source)  # ctx.ref(source, line) is "file:line"
            for eid, line, r, s, e, el, c in ctx.query(
                    f"SELECT employee_id, _line, ref, s, e, elapsed, c FROM ({inner}) "
                    f"WHERE elapsed > {lim_expr} ORDER BY employee_id, s", allp):
                if eid not in ctx.employees:
                    continue
                took = "still open at the period's end" if e is None else describe_seconds(el)
                where_ = f"{file}:{line}"
                lines.setdefault(eid, []).append(Line(
                    item.id, f"{item.id}: {r or where_} ({labels[c]}) received "
                             f"{ctx.timestamp(s)}, took {took} > limit {limits[c].text}: breach",
                    ref=where_))
        return self._measures(ctx, item, p, counts, lines)

    def _case_text(self, case):
        return ", ".join(f"{k}={'/'.join(map(str, v)) if isinstance(v, list) else v}"
                         for k, v in case.when.items()) or "all"

    def _measures(self, ctx, item, p, counts, lines):
        out = {}
        for eid in ctx.employees:
            per = counts.get(eid, {})
            total = sum(n for n, _ in per.values())
            breaches = sum(b for _, b in per.values())
            data = {"rows": total, "breaches": breaches}
            if not ctx.ledger:
                out[eid] = Measure(breaches, (), data)
                continue
            summary = "; ".join(
                f"{p.cases[c].label or self._case_text(p.cases[c])}: {b}/{n} over "
                f"{p.cases[c].limit}" for c, (n, b) in sorted(per.items()))
            head = Line(item.id, f"{item.id}: {breaches} breach(es) in {total} row(s)"
                                 f"{' — ' + summary if summary else ''}")
            out[eid] = Measure(breaches, (head, *lines.get(eid, ())), data)
        return out

    def _by_rows(self, ctx, item, p, limits, t, where, params, case_expr, case_params, ref):
        rows = ctx.query(f"SELECT employee_id, _line, {ref}, [{p.start}], [{p.end}], {case_expr} "
                         f"FROM {t} WHERE {where} ORDER BY employee_id, [{p.start}]",
                         case_params + params)
        self._uncovered(ctx, item, p, sorted(r[1] for r in rows if r[5] == -1))
        counts: dict[str, dict] = {}
        lines: dict[str, list] = {}
        period_end = datetime.combine(ctx.period.end, datetime.min.time())
        for eid, line, r, s, e, c in rows:
            if eid not in ctx.employees:
                continue
            lim = limits[c]
            start = _dt(s)
            end = _dt(e) if e is not None else None
            if end is None and p.open_end == "ignore":
                continue
            breach, how = _breached(ctx, lim, start, end, period_end, p.open_end)
            n, b = counts.setdefault(eid, {}).get(c, (0, 0))
            counts[eid][c] = (n + 1, b + int(breach))
            if breach and ctx.ledger:
                label = p.cases[c].label or self._case_text(p.cases[c])
                lines.setdefault(eid, []).append(Line(
                    item.id, f"{item.id}: {r or ctx.ref(p.source, line)} ({label}) received "
                             f"{ctx.timestamp(s)}, {how}: breach", ref=ctx.ref(p.source, line)))
        return self._measures(ctx, item, p, counts, lines)


def _dt(seconds) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=int(seconds))


def _breached(ctx, lim, start: datetime, end: datetime | None, period_end, open_end):
    if lim.unit == "wd":
        deadline = ctx.calendar.add_working_days(start.date(), int(lim.amount))
        due = f"due by the end of {deadline} ({lim.text})"
    elif lim.unit == "cd":
        deadline = start.date() + timedelta(days=int(lim.amount))
        due = f"due by the end of {deadline} ({lim.text})"
    else:
        limit_end = start + timedelta(seconds=lim.seconds)
        if end is None:
            late = open_end == "breach" or limit_end < period_end
            return late, f"still open at the period's end, limit {lim.text}"
        el = int((end - start).total_seconds())
        return el > lim.seconds, f"took {describe_seconds(el)} > limit {lim.text}"
    if end is None:
        # the deadline is the end of its date: passed by the period's end if before that day
        late = open_end == "breach" or deadline < period_end.date()
        return late, f"still open at the period's end, {due}"
    return end.date() > deadline, f"done {end.date()}, {due}"


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
                text = f"({' + '.join(parts)}) / {fmt(used)} = {fmt(value)} (rescaled)"
            else:
                text = f"{' + '.join(parts)} = {fmt(value)}"
            out[eid] = Measure(value, (*lines, Line(item.id, f"{item.id}: {n_rows} answer(s); "
                                                             f"{text}")), {"answers": n_rows})
        return out


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
            hi = p.value_max if p.value_max is not None else p.max
            if (p.min is not None and f < p.min) or (hi is not None and f > hi):
                raise DataError([(f"{ctx.ref(p.source, line)}:{p.column}",
                                  f"{fmt(f)} is outside {fmt(p.min)}..{fmt(hi)} for "
                                  f"{item.id}; correct the value (or the item's min/value_max)")])
            if p.allowed and f not in p.allowed:
                raise DataError([(f"{ctx.ref(p.source, line)}:{p.column}",
                                  f"{fmt(f)} is not a value the rubric of {item.id} allows "
                                  f"(allowed: {', '.join(fmt(a) for a in p.allowed)}); "
                                  f"correct the mark")])
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
            hi = p.value_max if p.value_max is not None else p.max
            if (p.min is not None and f < p.min) or (hi is not None and f > hi):
                raise DataError([(f"{ref}:{p.value_column}", f"{fmt(f)} is outside "
                                  f"{fmt(p.min)}..{fmt(hi)} for {p.item_value}; correct the "
                                  f"mark (or the item's min/value_max)")])
            if p.allowed and f not in p.allowed:
                raise DataError([(f"{ref}:{p.value_column}", f"{fmt(f)} is not a mark the "
                                  f"rubric of {p.item_value} allows (allowed: "
                                  f"{', '.join(fmt(a) for a in p.allowed)}); correct the "
                                  f"mark")])
            if rater in marks.setdefault(eid, {}):
                raise DataError([(ref, f"{rater} marked {p.item_value} for {eid} twice in "
                                       f"{ctx.period} (first at {marks[eid][rater][1]})")])
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
            detail = ", ".join(f"{r} {fmt(got[r][0])}" for r in p.raters if r in got)
            lines = [Line(item.id, f"{item.id}: marks {detail}; mean {fmt(mean)}")]
            spread = max(vals) - min(vals)
            if p.max_spread is not None and spread > p.max_spread:
                lines.append(Line(item.id, f"{item.id}: CALIBRATION: raters disagree by "
                                           f"{fmt(spread)} > {fmt(p.max_spread)} (highest − "
                                           f"lowest mark); for the arbitration panel"))
            out[eid] = Measure(mean, tuple(lines),
                               {"marks": {r: got[r][0] for r in got}, "spread": spread})
        return out


# -- unmet conditions --------------------------------------------------------------------------
@attrs.frozen
class Condition:
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
        rows = {}
        for r in ctx.query(f"SELECT employee_id, _line, {', '.join(f'[{c}]' for c in cols)} "
                           f"FROM {ctx.table(p.source)} WHERE {where} ORDER BY _line", params):
            if r[0] in ctx.employees:
                if r[0] in rows:
                    raise DataError([(ctx.ref(p.source, r[1]), f"a second row for {r[0]} in "
                                                              f"{ctx.period}")])
                rows[r[0]] = r
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
            _, line, *vals = rows[eid]
            unmet = []
            for c, v in zip(p.conditions, vals, strict=True):
                want = c.value
                have = v
                if spec[c.column].type == "bool":
                    have = None if v is None else bool(v)
                elif spec[c.column].type in ("decimal", "int") and v is not None:
                    have, want = to_fraction(v), to_fraction(want)
                ok = have is not None and _OPS[c.op](have, want)
                if not ok:
                    unmet.append(c.label or f"{c.column} {c.op} {c.value} (was {v})")
            text = f"{item.id}: {len(unmet)} of {len(p.conditions)} requirement(s) unmet"
            if unmet:
                text += ": " + "; ".join(unmet)
            out[eid] = Measure(Fraction(len(unmet)), (Line(item.id, text,
                                                           ref=ctx.ref(p.source, line)),))
        return out


@hookimpl
def register_metric_types(register):
    for cls in (Count, Rate, Mean, LimitBreaches, Likert, Lookup, RaterMean, Conditions):
        register(cls())

