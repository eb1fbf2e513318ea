"""Limit breaches: rows whose end − start exceeds a limit chosen by the first matching case
(seconds, minutes, hours, calendar days or working days), met at exactly the limit.
"""

from datetime import datetime, timedelta
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.columns import format_timestamp
from scorecard.errors import DataError
from scorecard.evidence import renderer
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError
from scorecard.types import Aggregate, Evidence, Line, Measure, MetricType

from .._common import (
    check_match,
    day_deadline,
    describe_seconds,
    epoch_datetime,
    parse_limit,
    require_types,
)


# -- limit breaches ----------------------------------------------------------------------------
@attrs.frozen
class Case:
    """One ``cases`` entry of limit_breaches: rows matching ``when`` get ``limit``."""

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
    busy: Case | None = None  # a second limit for rows in a busy period (or any condition)
    busy_mode: str = "replace"  # how it combines with the case's limit: see BUSY_MODES


#: busy_mode: "replace" — a busy row is held to the busy limit instead of its case's (one breach
#: at most per row); "additional" — every row is held to its case's limit and a busy row over the
#: busy limit is one more breach; "discretionary" — every row is held to its case's limit and
#: busy rows over the busy limit are listed as evidence only (no breach counted)
BUSY_MODES = ("replace", "additional", "discretionary")

#: added to the fused breach count by a row ending before it starts (see _count_aggregates)
BACKWARDS = 1 << 32


def _case_bits(ctx, p, cases: int) -> int:
    """Bits per field when each case's counts, and the rows ending before they start, are packed
    into one number, a field each; 0: do not pack. The fields are sized so that no SUM can
    overflow SQLite's 64-bit integers whatever the data: the source's row count (its ingest
    record) bounds every field, so ``rows × 2**(bits × cases)`` stays below 2**62. A field is
    exact while an employee has fewer than 2**bits rows, which compute checks."""
    rec = ctx.store.ingest_record(ctx.ruleset.dataset, p.source)
    if rec is None or rec["rows"] is None:
        return 0
    bits = min(31, (62 - int(rec["rows"]).bit_length()) // max(cases, 1))
    return bits if bits >= 6 else 0


def _covers_every_row(rs, p) -> bool:
    """True when the cases cover every row by construction: a case without conditions, or
    plain-value cases on one required enum column naming all its choices (ingest refuses any
    other value and a blank). Then no query needs to look for uncovered rows."""
    if any(not c.when for c in p.cases):
        return True
    named: dict[str, set] = {}
    for c in p.cases:
        if len(c.when) != 1:
            continue
        (col, want), = c.when.items()
        if isinstance(want, str):
            named.setdefault(col, set()).add(want)
        elif isinstance(want, list | tuple) and all(isinstance(w, str) for w in want):
            named.setdefault(col, set()).update(want)
    cols = rs.columns.get(p.source, {})
    for col, values in named.items():
        spec = cols.get(col)
        if (spec is not None and spec.type == "enum" and spec.required and not spec.optional
                and set(spec.choices) <= values):
            return True
    return False


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
        require_types(rs, p.source, [p.start, p.end], ("timestamp",), item.path)
        if p.open_end not in ("overdue", "breach", "ignore"):
            raise SchemaError(f"{item.path}.open_end", "one of overdue, breach, ignore")
        if p.busy_mode not in BUSY_MODES:
            raise SchemaError(f"{item.path}.busy_mode", f"one of {', '.join(BUSY_MODES)}")
        if p.busy is not None:
            parse_limit(p.busy.limit, f"{item.path}.busy.limit")
            check_match(rs, p.source, p.busy.when, f"{item.path}.busy.when")
            if not p.busy.when:
                raise SchemaError(f"{item.path}.busy.when", "say which rows are busy, e.g. "
                                  "when = { busy = true }")
            both = sorted(set(p.busy.when) & set(p.match))
            if both and p.busy_mode != "replace":
                raise SchemaError(f"{item.path}.busy.when", f"{', '.join(both)} is also in "
                                  f"match; name each column in one of the two")

    def sources(self, item):
        p = item.params
        cols = {p.start, p.end, *p.match, *(k for c in p.cases for k in c.when)}
        if p.busy is not None:
            cols |= set(p.busy.when)
        if p.ref_column:
            cols.add(p.ref_column)
        return {p.source: cols}

    def _counted(self, p):
        """``[(params, aggregate name prefix)]``: what is counted. With busy rows: in "replace"
        mode one count where the busy limit comes first; otherwise the count by the cases and
        the busy rows alone, held to the busy limit (the same open-end rule)."""
        if p.busy is None:
            return [(p, "")]
        busy = attrs.evolve(p.busy, label=p.busy.label or "busy")
        if p.busy_mode == "replace":
            # the busy limit instead of the case's: the first matching case wins
            return [(attrs.evolve(p, cases=[busy, *p.cases], busy=None), "")]
        return [(attrs.evolve(p, busy=None), ""),
                (attrs.evolve(p, match={**p.match, **busy.when},
                              cases=[attrs.evolve(busy, when={})], busy=None), "busy.")]

    def aggregates(self, ctx, item):
        out = {}
        for p, prefix in self._counted(item.params):
            out.update(self._count_aggregates(ctx, item, p, prefix))
        return out

    def _count_aggregates(self, ctx, item, p, prefix):
        """Per employee: rows, and breaches with a flag for rows ending before they start; the
        first line of a row no case covers (unless the cases cover every row by construction);
        with the ledger each case's rows and breaches, packed. Only for limits in seconds: day
        limits need the working-day calendar, counted in Python (compute's own query)."""
        limits = [parse_limit(c.limit, f"{item.path}.cases[{i}].limit")
                  for i, c in enumerate(p.cases)]
        if any(lim.seconds is None for lim in limits):
            return {}
        m_sql, m_p = ctx.match_where(p.source, p.match)

        def agg(fn, expr, params=()):
            # a fused scan reads all the period's rows: keep this rule's (its match)
            if m_sql != "1":
                expr, params = f"CASE WHEN {m_sql} THEN {expr} END", (*m_p, *params)
            return Aggregate(p.source, f"{fn}({expr})", tuple(params))

        conds = [ctx.match_where(p.source, c.when) for c in p.cases]
        case_p = tuple(v for _, cp in conds for v in cp)
        elapsed = self._elapsed(ctx, p)
        # Each aggregate of a scan costs about as much as reading the rows once more, so the
        # flag for backward rows rides on the breach count: a row ending before it starts adds
        # BACKWARDS (2**32) instead of its breach; any such row stops the evaluation (compute
        # then finds its line). The first matching case's limit is NULL for a row no case
        # covers: never a breach.
        limit = ("CASE " + " ".join(f"WHEN {cond} THEN {lim.seconds}"
                                    for (cond, _), lim in zip(conds, limits, strict=True))
                 + " END")
        out = {f"{prefix}rows": Aggregate(p.source, "COUNT(*)") if m_sql == "1" else
               agg("SUM", "1")}
        if not _covers_every_row(ctx.ruleset, p):
            out[f"{prefix}uncovered"] = agg(
                "MIN", "CASE " + " ".join(f"WHEN {cond} THEN NULL" for cond, _ in conds)
                + " ELSE _line END", case_p)
        bits = _case_bits(ctx, p, len(limits)) if ctx.ledger else 0
        if not bits:
            out[f"{prefix}breaches"] = agg("SUM", f"CASE WHEN [{p.end}] < [{p.start}] THEN "
                                                  f"{BACKWARDS} ELSE {elapsed} > {limit} END",
                                           case_p)
        else:
            # The summary line needs each case's rows and breaches: packed ``bits`` bits a case
            # into two numbers (exact while an employee has fewer than 2**bits rows: compute
            # checks, and counts by a query of its own otherwise). The rows ending before they
            # start take the field above the cases' in the first, and the breaches add up from
            # the second: two aggregates instead of three.
            out[f"{prefix}case_rows"] = agg("SUM", f"CASE WHEN [{p.end}] < [{p.start}] THEN "
                                                   f"{1 << bits * len(conds)} " + " ".join(
                f"WHEN {cond} THEN {1 << bits * i}" for i, (cond, _) in enumerate(conds))
                + " END", case_p)
            out[f"{prefix}case_breaches"] = agg("SUM", "CASE " + " ".join(
                f"WHEN {cond} THEN ({elapsed} > {lim.seconds}) * {1 << bits * i}"
                for i, ((cond, _), lim) in enumerate(zip(conds, limits, strict=True)))
                + " END", case_p)
        return out

    def _elapsed(self, ctx, p):
        """SQL of a row's elapsed seconds; an open end by ``open_end``: "overdue" counts to the
        period's end, "breach" is over any limit, "ignore" is NULL (never a breach)."""
        if p.open_end == "overdue":
            return f"(coalesce([{p.end}], {ctx.period.end_ts}) - [{p.start}])"
        if p.open_end == "breach":
            return f"(coalesce([{p.end}], [{p.start}] + 1e15) - [{p.start}])"
        return f"([{p.end}] - [{p.start}])"

    def compute(self, ctx, item):
        p = item.params
        counted = self._counted(p)
        if len(counted) == 1:
            return self._count(ctx, item, *counted[0])
        base = self._count(ctx, item, *counted[0])
        busy = counted[1][0].cases[0]
        extra = self._count(ctx, item, *counted[1])
        counted = p.busy_mode == "additional"
        out, evolved = {}, {}
        for eid, m in base.items():
            b = extra[eid]
            n = b.value
            data = {**m.data, "busy_rows": b.data["rows"], "busy_over": n}
            if not ctx.ledger:
                out[eid] = Measure(m.value + n if counted else m.value, (), data)
                continue
            if counted:
                head = Line(item.id, f"{item.id}: busy_mode additional: {m.value} breach(es) of "
                                     f"the case limits + {n} busy row(s) over "
                                     f"{busy.limit} = {m.value + n}")
                detail = b.lines[1:]
            else:
                head = Line(item.id, f"{item.id}: busy_mode discretionary: {n} busy row(s) "
                                     f"over {busy.limit} listed as evidence for the "
                                     f"supervisor's mark, no automatic deduction")
                detail = tuple(_not_counted(ln, evolved) for ln in b.lines[1:])
            out[eid] = Measure(m.value + n if counted else m.value,
                               (*m.lines, head, *detail), data)
        return out

    def _count(self, ctx, item, p, prefix=""):
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
                                    case_params, ref, prefix)
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

    def _by_seconds(self, ctx, item, p, limits, t, where, params, case_expr, case_params, ref,
                    prefix=""):
        # The counts come from the evaluation's fused scan of the source (aggregates()): rows
        # and breaches per employee, whether a row ends before it starts and the first line of
        # a row no case covers (errors, in that order, as in the other mode).
        got = ctx.aggregated(item)
        rows = got[f"{prefix}rows"]
        br = got.get(f"{prefix}breaches")
        bits = 0  # bits per packed per-case field (none: the breaches are one count)
        if br is not None:
            if any(v is not None and v >= BACKWARDS for v in br.values()):
                self._backwards(ctx, item, p, where, params)  # raises, naming the first line
        else:  # packed (with the ledger): the flag is the field above the cases'
            bits = _case_bits(ctx, p, len(limits))
            top = bits * len(limits)
            if not self._fits(rows, bits) or any(v and v >> top for v in
                                                 got[f"{prefix}case_rows"].values()):
                self._backwards(ctx, item, p, where, params)  # raises if there is one
        if f"{prefix}uncovered" in got:
            self._uncovered(ctx, item, p, sorted(v for v in got[f"{prefix}uncovered"].values()
                                                 if v is not None))
        if not ctx.ledger:
            out = {}
            for eid in ctx.employees:
                b = br.get(eid) or 0
                out[eid] = Measure(b, (), {"rows": rows.get(eid) or 0, "breaches": b})
            return out
        counts = self._case_counts(ctx, p, limits, got, prefix, rows, bits, t, where, params,
                                   case_expr, case_params)
        lim_expr = _case_limit(limits)
        elapsed = self._elapsed(ctx, p)
        inner = (f"SELECT employee_id, _line, {ref} AS ref, [{p.start}] AS s, [{p.end}] AS e, "
                 f"{elapsed} AS elapsed, {case_expr} AS c FROM {t} WHERE {where}")
        # every breach of every employee is one evidence row, selected in SQL when the
        # evaluation ends and rendered (render_breach) only when someone reads the ledger
        evidence = Evidence(
            item.id, BREACH_RENDERER,
            f"SELECT employee_id, _line AS line, ref, s AS at, CASE WHEN e IS NULL THEN "
            f"NULL ELSE elapsed END AS value, {lim_expr} AS lim, c AS kind FROM ({inner}) "
            f"WHERE elapsed > {lim_expr} ORDER BY employee_id, s", tuple(case_params + params),
            {"item": item.id, "file": ctx.file(p.source), "labels": self._labels(p),
             "limits": [lim.text for lim in limits], "verdict": "breach"}, p.source)
        return self._measures(ctx, item, p, counts, {eid: (evidence,) for eid in counts})

    def _case_counts(self, ctx, p, limits, got, prefix, rows, bits, t, where, params, case_expr,
                     case_params):
        """``{employee_id: {case: (rows, breaches)}}`` (cases with rows only), unpacked from the
        fused scan (packed ``bits`` bits a case), or counted by a query of its own when they
        were not packed or a count may not fit its bits."""
        if bits and self._fits(rows, bits):
            mask, counts = (1 << bits) - 1, {}
            packed_b = got[f"{prefix}case_breaches"]
            for eid, packed in got[f"{prefix}case_rows"].items():
                if not packed:
                    continue
                pb = packed_b[eid] or 0
                per = counts[eid] = {}
                for c in range(len(limits)):
                    n = packed >> bits * c & mask
                    if n:
                        per[c] = (n, pb >> bits * c & mask)
            return counts
        lim_expr = _case_limit(limits)
        counts = {}
        for eid, c, n, b in ctx.query(
                f"SELECT employee_id, c, COUNT(*), SUM(elapsed > {lim_expr}) FROM (SELECT "
                f"employee_id, {self._elapsed(ctx, p)} AS elapsed, {case_expr} AS c FROM {t} "
                f"WHERE {where}) WHERE c >= 0 GROUP BY employee_id, c", case_params + params):
            counts.setdefault(eid, {})[c] = (n, b or 0)
        return counts

    @staticmethod
    def _fits(rows, bits) -> bool:
        """Whether every employee's rows fit a packed field of ``bits`` bits."""
        return bool(bits) and all((n or 0) < 1 << bits for n in rows.values())

    def _labels(self, p):
        """Each case's label for the ledger (its own, or its conditions)."""
        return [c.label or ", ".join(f"{k}={'/'.join(map(str, v)) if isinstance(v, list) else v}"
                                     for k, v in c.when.items()) or "all" for c in p.cases]

    def _measures(self, ctx, item, p, counts, lines):
        out = {}
        labels = self._labels(p) if ctx.ledger else None
        for eid in ctx.employees:
            per = counts.get(eid, {})
            total = sum(n for n, _ in per.values())
            breaches = sum(b for _, b in per.values())
            data = {"rows": total, "breaches": breaches}
            if not ctx.ledger:
                out[eid] = Measure(breaches, (), data)
                continue
            summary = "; ".join(
                f"{labels[c]}: {b}/{n} over "
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
        labels = self._labels(p) if ctx.ledger else None
        for eid, line, r, s, e, c in rows:
            if eid not in ctx.employees:
                continue
            lim = limits[c]
            start = epoch_datetime(s)
            end = epoch_datetime(e) if e is not None else None
            if end is None and p.open_end == "ignore":
                continue
            breach, how = _breached(ctx, lim, start, end, period_end, p.open_end)
            n, b = counts.setdefault(eid, {}).get(c, (0, 0))
            counts[eid][c] = (n + 1, b + int(breach))
            if breach and ctx.ledger:
                lines.setdefault(eid, []).append(Line(
                    item.id, f"{item.id}: {r or ctx.ref(p.source, line)} ({labels[c]}) received "
                             f"{ctx.timestamp(s)}, {how}: breach", ref=ctx.ref(p.source, line)))
        return self._measures(ctx, item, p, counts, lines)


def _case_limit(limits) -> str:
    """SQL of the limit in seconds of a row's case ``c`` (its index among the cases)."""
    return "CASE c " + " ".join(f"WHEN {i} THEN {lim.seconds}"
                                for i, lim in enumerate(limits)) + " END"


#: the renderer of limit_breaches' evidence rows (scorecard.evidence)
BREACH_RENDERER = "limit_breaches.breach"


@renderer(BREACH_RENDERER, version=1)
def render_breach(row, args) -> Line:
    """``handling_time: C123 (simple case) received 2026-10-01 09:00:00, took 16 min > limit
    15 min: breach`` — one evidence row of a breach (value: seconds taken, NULL while open;
    kind: the case)."""
    where_ = f"{args['file']}:{row.line}"
    took = "still open at the period's end" if row.value is None else describe_seconds(row.value)
    item = args["item"]
    return Line(item, f"{item}: {row.ref or where_} ({args['labels'][row.kind]}) received "
                      f"{format_timestamp(row.at)}, took {took} > limit "
                      f"{args['limits'][row.kind]}: {args['verdict']}", ref=where_)


def _not_counted(ln, evolved):
    """A busy row's breach line as discretionary evidence ("...: evidence, not counted"); an
    Evidence placeholder is changed once per rule, not once per employee."""
    if isinstance(ln, Evidence):
        if id(ln) not in evolved:
            evolved[id(ln)] = attrs.evolve(
                ln, args={**ln.args, "verdict": "evidence, not counted"})
        return evolved[id(ln)]
    return Line(ln.rule, f"{ln.text.removesuffix(': breach')}: evidence, not counted",
                ln.points, ln.ref)


def _breached(ctx, lim, start: datetime, end: datetime | None, period_end, open_end):
    if lim.unit in ("wd", "cd"):
        deadline, due = day_deadline(ctx.calendar, lim, start.date())
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


@hookimpl
def register_metric_types(register):
    for cls in (LimitBreaches,):
        register(cls())
