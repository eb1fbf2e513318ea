"""The evaluation: sources -> metrics -> scorers -> penalties -> total -> grade -> payout, in
exact arithmetic, with every step's explanation lines kept in the ledger."""

import json
from fractions import Fraction
from operator import attrgetter

import attrs

from . import __version__, scans
from .completeness import assess
from .context import Context
from .errors import EvaluationError, ScorecardError
from .evidence import placeholder_ref, placeholder_uses
from .flags import flag_dict
from .ingest import data_fingerprint, ingest
from .manager import plugin_rows
from .numbers import fmt, lean, quantize, to_text
from .periods import Period
from .registry import get_registry
from .speed import gc_paused
from .sql import quote
from .store import Store, now_text, result_hash, source_table
from .types import Adjustment, Evidence, Grade, Line, Measure, Payout, Scored
from .workdays import WorkCalendar


@attrs.define
class ItemOutcome:
    """One item for one employee: its spec, measure and points (``ctx.outcomes`` holds these for
    the earlier items)."""

    item: object
    measure: Measure
    scored: Scored

    @property
    def points(self):
        return self.scored.points


@attrs.define
class EmployeeResult:
    """One employee's evaluation: items, adjustments, total, grade, payout and the ledger."""

    employee: dict
    scorecard: object
    items: list = attrs.Factory(list)  # ItemOutcome
    adjustments: list = attrs.Factory(list)  # (PenaltySpec, Adjustment)
    total: Fraction | None = None
    score: object = None  # Decimal
    grade: Grade | None = None
    payout: object = None  # Decimal
    fines: object = None  # Decimal
    lines: list = attrs.Factory(list)
    focus: list = attrs.Factory(list)
    status: str = "ok"
    notes: list = attrs.Factory(list)
    flags: list = attrs.Factory(list)  # flags raised: {id, label, label_zh, reason} (no numbers)
    #: the evaluation's evidence (scorecard.evidence.Book): renders the Evidence placeholders
    #: of ``lines`` (per-record lines kept as rows) when they are read
    book: object = None

    @property
    def employee_id(self):
        return self.employee["employee_id"]

    def item(self, item_id) -> "ItemOutcome":
        return next(o for o in self.items if o.item.id == item_id)

    def points(self, item_id):
        return self.item(item_id).points

    def adjustment(self, penalty_id):
        return next(a for p, a in self.adjustments if p.id == penalty_id)

    def explained(self) -> list:
        """The ledger lines, with each :class:`~scorecard.types.Evidence` placeholder rendered
        into its per-record lines (``lines`` keeps the placeholders)."""
        if self.book is None or not any(type(ln) is Evidence for ln in self.lines):
            return list(self.lines)
        return self.book.expand(self.employee_id, self.lines)

    def text(self) -> str:
        return "\n".join(ln.text for ln in self.explained())


@attrs.define
class Evaluation:
    """The results of one evaluation of a rule set over a period, with the input fingerprints;
    :func:`record` stores it and fills ``run_id`` and ``same_as``/``differs_from``."""

    ruleset: object
    period: Period
    results: list  # EmployeeResult, in employee order
    fingerprints: dict
    counters: dict
    run_id: int | None = None
    same_as: int | None = None
    differs_from: int | None = None
    result_hash: str = ""
    store: object = None
    #: what the run stands on: rows, quarantined rows, coverage, no activity
    #: (:mod:`scorecard.completeness`)
    completeness: object = None
    #: the ledger's evidence rows (:class:`scorecard.evidence.Book`), None without any
    book: object = None

    def result(self, employee_id) -> "EmployeeResult":
        for er in self.results:
            if er.employee_id == employee_id:
                return er
        raise KeyError(employee_id)


#: the types an exact number field may hold (bool is refused: it is not a number here)
_EXACT_TYPES = frozenset({int, Fraction, type(None)})


def _expect(kind, type_name, method, rule_path, result, cls, employees):
    # the common case checked in bulk: every employee answered with exactly ``cls`` holding
    # exact numbers; anything else is looked at employee by employee below, for the message
    if type(result) is dict:
        try:
            got = [result[e] for e in employees]
        except KeyError:
            got = None
        if got is not None and set(map(type, got)) <= {cls} and all(
                set(map(type, map(attrgetter(f), got))) <= _EXACT_TYPES
                for f in EXACT_FIELDS[cls]):
            return result
    owner = get_registry().owner_of(kind, type_name)
    where = f"plugin {owner!r}, {kind} type {type_name!r}, {method}() for rule {rule_path}"
    if not isinstance(result, dict):
        raise EvaluationError(f"{where} returned {type(result).__name__}, expected a dict of "
                              f"employee_id -> {cls.__name__}")
    missing = [e for e in employees if e not in result]
    if missing:
        raise EvaluationError(f"{where} returned no {cls.__name__} for {len(missing)} "
                              f"employee(s), e.g. {missing[0]!r}")
    fields = EXACT_FIELDS[cls]
    for eid in employees:
        got = result[eid]
        if type(got) is not cls and not isinstance(got, cls):
            raise EvaluationError(f"{where} returned {type(got).__name__} for "
                                  f"{eid!r}, expected {cls.__name__}")
        for field in fields:
            v = getattr(got, field)
            if v is None or type(v) is Fraction or type(v) is int:
                continue  # the common case, checked without isinstance's generality
            if isinstance(v, bool) or not isinstance(v, int | Fraction):
                raise EvaluationError(
                    f"{where} returned {cls.__name__}.{field} = {v!r} ({type(v).__name__}) "
                    f"for {eid!r}: numbers must be exact, use fractions.Fraction "
                    f"(scorecard.numbers.to_fraction converts text and Decimal)")
    return result


#: the number fields of each result class, which must be exact (int or Fraction) or None
EXACT_FIELDS = {Measure: ("value",), Scored: ("points",), Adjustment: ("points", "fines"),
                Grade: ("coefficient",), Payout: ("amount",)}


def load_employees(store, rs):
    """``{employee_id: record}`` from the ingested employees source, ordered by id; a blank site
    is the rule set's site."""
    cols = list(rs.columns["employees"])
    table = source_table(rs.dataset, "employees")
    rows = store.conn.execute(
        f"SELECT _line, {', '.join(map(quote, cols))} FROM {quote(table)} ORDER BY employee_id"
    ).fetchall()
    out = {}
    keys = ["_line", *cols]
    for row in rows:
        rec = dict(zip(keys, row, strict=True))
        if not rec.get("site"):
            rec["site"] = rs.meta.site  # a blank site is the rule set's site
        rec.setdefault("level", None)
        out[rec["employee_id"]] = rec
    return out


def evaluate(store: Store, rs, period: Period, ledger: bool = True, ingest_first: bool = True,
             only: set | None = None, progress=None, allow_empty: bool = False,
             checked: bool = False, fuse: bool = True) -> Evaluation:
    """Evaluate the rule set over ``period`` (does not write a run: see :func:`record`).

    A rule set with ``scorecard check`` errors does not run (``checked``: the caller has just
    refused them itself). ``fuse=False`` answers each rule's declared aggregates by a scan of
    its own instead of one fused scan per source (same results; for tests and measurements)."""
    with gc_paused():  # many small result objects, no cycles: about 10 % at 20k agents
        return _evaluate(store, rs, period, ledger, ingest_first, only, progress, allow_empty,
                         checked, fuse)


def _evaluate(store, rs, period, ledger, ingest_first, only, progress, allow_empty, checked,
              fuse=True):
    from .check import refuse_errors

    registry = get_registry()
    if not checked:
        refuse_errors(rs)
    if ingest_first:
        ingest(store, rs)
    # One read transaction from the first query to the last: another process re-ingesting the
    # sources meanwhile cannot give this run some items of the old data and some of the new.
    with store.snapshot():
        ev = _evaluate_snapshot(store, rs, period, ledger, only, progress, allow_empty,
                                registry, fuse)
        if ledger:  # in the snapshot: the evidence is the data the counts were made from
            _book_evidence(store, ev)
        return ev


def _book_evidence(store, ev):
    """Select every Evidence placeholder of the ledger once into the evaluation's book (a
    temporary table of the store's connection), and give the results the book to read it."""
    from .evidence import Book

    book = None
    for er in ev.results:
        for ln in er.lines:
            if type(ln) is Evidence:
                if book is None:
                    book = Book(store.conn)
                book.add(ln)
    if book is None:
        return
    ev.book = book
    for er in ev.results:
        er.book = book


def _evaluate_snapshot(store, rs, period, ledger, only, progress, allow_empty, registry,
                       fuse=True):
    fingerprints = {}
    for name in rs.sources:
        rec = store.ingest_record(rs.dataset, name)
        if rec is None:
            raise ScorecardError(f"source {name!r} has not been ingested: run `scorecard ingest`")
        fingerprints[name] = rec["fingerprint"]
    employees = load_employees(store, rs)
    calendar = WorkCalendar.from_spec(rs.calendar)
    # the engine plans the reads: one scan per source answers every rule's declared aggregates
    # and who was active (scorecard.scans)
    plan = _plan(registry, store, rs, period, calendar, ledger, fuse)
    active = plan.active
    if active and not allow_empty and not any(active.values()):
        raise ScorecardError(_empty_message(store, rs, period, active))
    if only:
        unknown = sorted(set(only) - set(employees))
        if unknown:
            raise ScorecardError(f"unknown employee(s): {', '.join(unknown)}")
        employees = {k: v for k, v in employees.items() if k in only}
    by_card: dict[str, dict] = {k: {} for k in rs.scorecards}
    unmatched = []
    for eid, emp in employees.items():
        sc = rs.scorecard_for_role(emp["role"])
        if sc is None:
            unmatched.append(emp)
        else:
            by_card[sc.id][eid] = emp
    if unmatched:
        roles = sorted({r for sc in rs.scorecards.values() for r in sc.roles})
        e = unmatched[0]
        raise ScorecardError(
            f"{rs.file_name('employees')}:{e['_line']}: role {e['role']!r} of {e['employee_id']} "
            f"has no scorecard (roles with one: {', '.join(roles)}); fix the role or add it to a "
            f"scorecard's roles ({len(unmatched)} employee(s) affected)")
    results, counters = {}, {"scans": plan.scans}
    # a restricted evaluation (only) has part of a scorecard's staff: roll-ups then read the
    # store instead
    evaluated = {} if not only else None
    for sc_id in _card_order(registry, rs):
        emps = by_card[sc_id]
        if not emps:
            continue
        sc = rs.scorecards[sc_id]
        ctx = Context(store=store, ruleset=rs, scorecard=sc, period=period, employees=emps,
                      calendar=calendar, ledger=ledger, counters=counters, active=active,
                      evaluated=evaluated if evaluated is not None else {},
                      aggregates=plan.aggregates.get(sc_id, {}))
        res = {eid: EmployeeResult(employee=emp, scorecard=sc) for eid, emp in emps.items()}
        _evaluate_card(registry, rs, sc, ctx, res)
        results.update(res)
        if evaluated is not None:
            evaluated[sc_id] = res
        if progress:
            progress(len(emps))
    ordered = [results[e] for e in employees if e in results]
    return Evaluation(ruleset=rs, period=period, results=ordered, fingerprints=fingerprints,
                      counters=counters,
                      completeness=assess(store, rs, period, ordered, plan.rows or None))


def _card_order(registry, rs) -> list:
    """The scorecards in rule-set order, except that one whose items read other scorecards'
    results (a metric type's optional ``after(item)``, e.g. team roll-ups) comes after them."""
    deps = {}
    for sc_id, sc in rs.scorecards.items():
        need = set()
        for item in sc.items:
            after = getattr(registry.get("metric", item.type), "after", None)
            if after is not None:
                need |= set(after(item)) & set(rs.scorecards)
        deps[sc_id] = need - {sc_id}
    order, left = [], list(rs.scorecards)
    while left:
        ready = [s for s in left if deps[s] <= set(order)]
        if not ready:
            raise ScorecardError(f"{rs.path}: scorecards {', '.join(left)} read each other's "
                                 f"results (team roll-ups in a circle); break the circle")
        order.append(ready[0])
        left.remove(ready[0])
    return order


@attrs.define
class CardRun:
    """One scorecard's evaluation in progress: what its stages read and write."""

    registry: object
    ruleset: object
    scorecard: object
    ctx: Context
    results: dict  # employee_id -> EmployeeResult
    employee_ids: list
    scores: dict = attrs.Factory(dict)  # employee_id -> rounded score as a Fraction, or None


def _run_rule(run: CardRun, kind, type_name, method, rule_path, cls, *args) -> dict:
    """Call one rule's plugin type for every employee of the scorecard at once: look the type
    up, count the hook call, call ``method`` with the plugin blamed for a crash, and check that
    it answered one exact ``cls`` per employee. Every stage calls plugins through here."""
    obj = run.registry.get(kind, type_name)
    run.ctx.count("hook_calls")
    got = run.registry.call(kind, type_name, method, rule_path, getattr(obj, method), *args)
    return _expect(kind, type_name, method, rule_path, got, cls, run.employee_ids)


def _stage_items(run: CardRun):
    """metrics -> scorers, item by item in rule-set order: a later item (a composite) reads the
    earlier items' outcomes from ``ctx.outcomes``."""
    ctx, eids = run.ctx, run.employee_ids
    # each employee's item list, looked up once for all the items
    lists = [run.results[eid].items for eid in eids]
    for item in run.scorecard.items:
        measures = _run_rule(run, "metric", item.type, "compute", item.path, Measure, ctx, item)
        if item.score is not None:
            scored = _run_rule(run, "scorer", item.score.type, "score", item.path, Scored,
                               ctx, item, measures)
        else:
            scored = {e: value_points(item, measures[e]) for e in eids}
        outcomes = ctx.outcomes[item.id] = {}
        for eid, items in zip(eids, lists, strict=True):
            out = outcomes[eid] = ItemOutcome(item, measures[eid], scored[eid])
            items.append(out)


def _stage_penalties(run: CardRun):
    """Penalties and adjustments, after the items (they may read the items' outcomes)."""
    for pen in run.scorecard.penalties:
        adj = _run_rule(run, "penalty", pen.type, "apply", pen.path, Adjustment, run.ctx, pen)
        for eid in run.employee_ids:
            run.results[eid].adjustments.append((pen, adj[eid]))


def _stage_total(run: CardRun):
    """Fines, then the total of the counted items and adjustments, clamped to the scorecard's
    range and rounded to the score; employees left unscored say why."""
    ctx, sc, r = run.ctx, run.scorecard, run.ruleset.rounding
    idle = _no_activity(ctx, sc, run.employee_ids)
    if idle and sc.on_no_activity == "error":
        _refuse_no_activity(run.ruleset, sc, ctx.period, idle)
    memo = _Memo(r)
    no_fines = quantize(0, r.money, r.mode)
    sections = _section_items(sc)
    counted_at = [i for i, it in enumerate(sc.items) if it.in_total]
    n_items, low, high = len(sc.items), sc.total.min, sc.total.max
    for eid in run.employee_ids:
        er = run.results[eid]
        # fines are reported beside the score, also for an employee who is not scored
        er.fines = (quantize(sum((a.fines for _, a in er.adjustments), 0), r.money, r.mode)
                    if er.adjustments else no_fines)
        if eid in idle and sc.on_no_activity == "unscored":
            _not_scored(ctx, sc, er, idle[eid])
            continue
        if eid in idle:  # on_no_activity = "base"
            er.lines.append(Line("note", f"no row in {idle[eid]} for {ctx.period}: no activity;"
                                         f" every item is at its base (scorecards.{sc.id}."
                                         f"on_no_activity = \"base\")"))
            er.notes.append("no activity: scored at the bases")
        items = er.items
        if not ctx.ledger and not er.adjustments and len(items) == n_items:
            # the common case in one pass: what _add_up does, without the words (the items
            # are the scorecard's, in its order: the items stage built them)
            total, present = 0, False
            for i in counted_at:
                pts = items[i].scored.points
                if pts is not None:
                    present = True
                    total += (pts.numerator if type(pts) is Fraction and pts.denominator == 1
                              else pts)
            if present or not counted_at:
                clamped = total
                if low is not None and clamped < low:
                    clamped = low
                if high is not None and clamped > high:
                    clamped = high
                er.total, er.score = memo.fraction(clamped), memo.score(clamped)
            else:
                er.status = "no_score"
                er.lines.append(Line("total", "no item has data for this period: no score"))
            er.focus = _focus(sc, er, sections)
            continue
        counted = [o for o in items if o.item.in_total]
        present = [o for o in counted if o.scored.points is not None]
        if ctx.ledger:
            _item_lines(er)
        if not present and counted:
            er.status = "no_score"
            er.lines.append(Line("total", "no item has data for this period: no score"))
        else:
            _add_up(ctx, sc, r, er, present, memo)
        er.focus = _focus(sc, er, sections)
    run.scores = {eid: memo.back(run.results[eid].score) for eid in run.employee_ids}


class _Memo:
    """The exact conversions every employee of a scorecard repeats on the same few values (a
    total of 87, a score of 87.00): computed once per value, the immutable result shared."""

    def __init__(self, rounding):
        self.r = rounding
        self._fraction, self._score, self._back = {}, {}, {}

    def fraction(self, v) -> Fraction:
        got = self._fraction.get(v)
        if got is None:
            got = self._fraction[v] = Fraction(v)
        return got

    def score(self, v):
        """``quantize(v, score step, mode)``: equal values (5 and Fraction(5)) round alike."""
        got = self._score.get(v)
        if got is None:
            got = self._score[v] = quantize(v, self.r.score, self.r.mode)
        return got

    def back(self, score):
        """A rounded score (Decimal) as the Fraction the grading reads, None stays None."""
        if score is None:
            return None
        got = self._back.get(score)
        if got is None:
            got = self._back[score] = Fraction(score)
        return got


def _section_items(sc):
    """``[(index, section, max)]`` of the items that count towards a section's lost points, or
    None when the scorecard names no focus sections."""
    if not sc.sections or sc.focus_sections <= 0:
        return None
    return [(i, it.section, lean(it.max)) for i, it in enumerate(sc.items)
            if it.section and it.max is not None]


def _focus(sc, er, sections) -> list[str]:
    """:func:`focus_sections` for an employee whose items are the scorecard's, in its order
    (what the items stage builds), from the scorecard's ``_section_items``."""
    if sections is None:  # the scorecard names no focus sections
        return []
    items = er.items
    if len(items) != len(sc.items):
        return focus_sections(sc, er)
    lost: dict = {}
    for i, section, mx in sections:
        pts = items[i].scored.points
        if pts is not None:
            if type(pts) is Fraction and pts.denominator == 1:
                pts = pts.numerator
            lost[section] = lost.get(section, 0) + (mx - pts)
    return _largest_losses(sc, lost)


def _item_lines(er):
    for o in er.items:
        er.lines.extend(o.measure.lines)
        er.lines.extend(o.scored.lines)


def _not_scored(ctx, sc, er, sources: str):
    """An employee with no row in the scorecard's activity sources (``on_no_activity =
    "unscored"``): status no_activity, no score, no payout, for a person to decide."""
    _item_lines(er)
    er.status = "no_activity"
    er.lines.append(Line("total", f"no row in {sources} for {ctx.period}: no activity, not "
                                  f"scored and not paid (scorecards.{sc.id}.on_no_activity = "
                                  f"\"unscored\"); a person decides (scorecard adjust)"))


def _add_up(ctx, sc, r, er, present, memo=None):
    """``er.total`` and ``er.score`` from the items with points and the adjustments."""
    # whole points add up as ints (exact, and much faster than Fractions)
    total = 0
    for o in present:
        pts = o.scored.points
        total += pts.numerator if type(pts) is Fraction and pts.denominator == 1 else pts
    terms = [(o.item.id, o.scored.points) for o in present] if ctx.ledger else None
    for pen, a in er.adjustments:
        if ctx.ledger:
            er.lines.extend(a.lines)
        if a.points:
            total += lean(a.points)
            if terms is not None:
                terms.append((pen.id, a.points))
    clamped = total
    if sc.total.min is not None and clamped < sc.total.min:
        clamped = sc.total.min
    if sc.total.max is not None and clamped > sc.total.max:
        clamped = sc.total.max
    memo = memo or _Memo(r)
    er.total = memo.fraction(clamped)
    er.score = memo.score(clamped)
    if ctx.ledger:
        text = f"total = {_signed_sum(terms) or '0'} = {fmt(total)}"
        if clamped != total:
            text += f", clamped to {fmt(clamped)}"
        text += f"; score {er.score} (rounded {r.mode.replace('_', '-')} to {r.score})"
        er.lines.append(Line("total", text, er.score))


def _stage_grade(run: CardRun):
    """The grading type turns the rounded scores into grades (bands, eligibility, ranks)."""
    spec = run.scorecard.grading
    if spec is None:
        return
    grades = _run_rule(run, "grading", spec.type, "grade", spec.path, Grade, run.ctx, spec,
                       run.scores)
    for eid in run.employee_ids:
        run.results[eid].grade = grades[eid]
        run.results[eid].lines.extend(grades[eid].lines)


def _stage_payout(run: CardRun):
    """The payout type turns the graded results into money, rounded by the money step."""
    spec, r = run.scorecard.payout, run.ruleset.rounding
    if spec is None:
        return
    pays = _run_rule(run, "payout", spec.type, "pay", spec.path, Payout, run.ctx, spec,
                     run.results)
    rounded: dict[int, object] = {}  # id of a (possibly shared) Payout -> its rounded amount
    for eid in run.employee_ids:
        pay = pays[eid]
        er = run.results[eid]
        got = rounded.get(id(pay))
        if got is None:  # pays holds every Payout alive, so an id is not reused meanwhile
            got = rounded[id(pay)] = (None if pay.amount is None else
                                      quantize(pay.amount, r.money, r.mode))
        er.payout = got
        if pay.lines:
            er.lines.extend(pay.lines)


#: the flag operators as functions of (value, threshold)
_FLAG_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
             ">=": lambda a, b: a >= b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b}


def _stage_flags(run: CardRun):
    """The scorecard's flags: a condition on the rounded total or on an item's value or points
    raises a named flag (a consequence such as "serious handling"). No number changes; nothing is
    raised without a value (no score, an item without data)."""
    flags = run.scorecard.flags
    if not flags:
        return
    for eid in run.employee_ids:
        er = run.results[eid]
        for f in flags:
            if f.on == "total":
                x, what = (None if er.score is None else Fraction(er.score)), "score"
            else:
                o = next(o for o in er.items if o.item.id == f.on)
                x = o.measure.value if f.use == "value" else o.points
                what = f"{f.on} {f.use}"
            if x is None or not _FLAG_OPS[f.op](x, f.value):
                continue
            reason = f"{what} {fmt(x)} {f.op} {fmt(f.value)}"
            er.flags.append(flag_dict(f, reason))
            names = " / ".join(n for n in (f.label or f.id, f.label_zh) if n)
            er.lines.append(Line("flag", f"flag {f.id} ({names}): {reason} "
                                         f"(scorecards.{run.scorecard.id}.flags; "
                                         f"no points change)"))


def _stage_trim_ledger(run: CardRun):
    """Without a ledger only the total's line is kept (plugins may have explained anyway)."""
    if not run.ctx.ledger:
        for eid in run.employee_ids:
            er = run.results[eid]
            er.lines = [ln for ln in er.lines if ln.rule == "total"]


#: The stages of one scorecard's evaluation, in order: ``(name, stage(run))``. Each stage reads
#: what the earlier ones left in the :class:`CardRun` and its results; a new stage is one
#: function and one entry here.
CARD_STAGES = (
    ("items", _stage_items),  # metrics -> scorers
    ("penalties", _stage_penalties),
    ("total", _stage_total),
    ("grade", _stage_grade),
    ("payout", _stage_payout),
    ("flags", _stage_flags),
    ("ledger", _stage_trim_ledger),
)


def _evaluate_card(registry, rs, sc, ctx, res):
    run = CardRun(registry=registry, ruleset=rs, scorecard=sc, ctx=ctx, results=res,
                  employee_ids=list(ctx.employees))
    for _name, stage in CARD_STAGES:
        stage(run)


def _with_rows(ctx, src) -> set:
    """The employee ids with a row of ``src`` in the period (of the whole source, not only the
    employees in ``ctx``)."""
    where, params = ctx.where(src)
    return {e for (e,) in ctx.query(f"SELECT DISTINCT employee_id FROM {ctx.table(src)} "
                                    f"WHERE {where}", params)}


def _plan(registry, store, rs, period, calendar, ledger, fuse) -> scans.Plan:
    """The fused scans of the evaluation (:mod:`scorecard.scans`): every rule's declared
    aggregates and ``active`` (``{source: {employee ids with a row in the period}}`` for the
    period-bound sources), one query per source. Without ``fuse`` only the activity is read
    here and each rule scans for itself (``ctx.aggregated``)."""
    base = Context(store=store, ruleset=rs, scorecard=None, period=period, employees={},
                   calendar=calendar, ledger=ledger)
    cards = [attrs.evolve(base, scorecard=sc) for sc in rs.scorecards.values()] if fuse else []
    return scans.plan(registry, base, cards)


def _empty_message(store, rs, period, active) -> str:
    spans = []
    for src in active:
        col = rs.sources[src].period_by
        lo, hi = store.conn.execute(
            f"SELECT min({quote(col)}), max({quote(col)}) FROM "
            f"{quote(source_table(rs.dataset, src))}").fetchone()
        if rs.columns[src][col].type == "timestamp" and lo is not None:
            from .columns import format_timestamp

            lo, hi = format_timestamp(lo)[:10], format_timestamp(hi)[:10]
        spans.append(f"{src}: {'empty' if lo is None else f'{lo} .. {hi}'}")
    return (f"no row of {', '.join(active) or 'any source'} falls in {period.key}; the data "
            f"holds {'; '.join(spans) or 'nothing'}. Check the period and the exports, or pass "
            f"--allow-empty to evaluate an empty period (every employee then has no activity: "
            f"see the scorecards' on_no_activity).")


def _no_activity(ctx, sc, eids) -> dict:
    """``{employee id: "contacts or ..."}`` for the employees with no row this period in the
    scorecard's activity sources: its ``active_when``, else every period-bound source."""
    sources = list(sc.active_when) or list(ctx.active)
    if not sources:
        return {}
    active = set()
    for src in sources:
        # the period-bound sources were read once for the whole evaluation (ctx.active)
        active |= ctx.active[src] if src in ctx.active else _with_rows(ctx, src)
    return {e: " or ".join(sources) for e in eids if e not in active}


def _refuse_no_activity(rs, sc, period, idle):
    """``on_no_activity = "error"``: the evaluation stops, naming the employees."""
    ids = sorted(idle)
    shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
    raise ScorecardError(
        f"{rs.path}: scorecards.{sc.id}.on_no_activity = \"error\": {len(ids)} employee(s) "
        f"have no row in {idle[ids[0]]} for {period}: {shown}. Complete the exports, or set "
        f"on_no_activity = \"unscored\" to leave them for a person to decide")


def _signed_sum(terms) -> str:
    """``a 9 + b 10 − c 2``: each term with its own sign, so a negative item reads as one."""
    parts = []
    for name, v in terms:
        neg = v < 0
        text = f"{name} {fmt(-v if neg else v)}"
        parts.append((" − " if neg else " + ") + text if parts else ("−" + text if neg else text))
    return "".join(parts)


def value_points(item, measure: Measure) -> Scored:
    """Default scoring: the measured value is the points, clamped to [0, max] when max is set."""
    v = measure.value
    if v is None:
        return Scored(None, (Line(item.id, f"{item.id}: no data this period; left out"),))
    if item.max is not None and (v > item.max or v < 0):
        c = min(max(v, Fraction(0)), item.max)
        return Scored(c, (Line(item.id, f"{item.id}: {fmt(v)} clamped to [0, {fmt(item.max)}] "
                                        f"= {fmt(c)}", c),))
    return Scored(v)


def focus_sections(sc, er) -> list[str]:
    """The sections where most points were lost (training focus), largest loss first."""
    if not sc.sections or sc.focus_sections <= 0:
        return []
    return _largest_losses(sc, lost_in_sections(er))


def _largest_losses(sc, lost) -> list[str]:
    """The scorecard's number of focus sections from ``{section: points lost}``, largest loss
    first (ties by name), sections without a loss left out."""
    order = sorted((s for s in lost if lost[s] > 0), key=lambda s: (-lost[s], s))
    return order[: sc.focus_sections]


def lost_in_sections(er) -> dict:
    """Points lost (max − points) per section, over the items with a max and points."""
    lost: dict[str, Fraction] = {}
    for o in er.items:
        it = o.item
        if it.section and it.max is not None and o.points is not None:
            lost[it.section] = lost.get(it.section, 0) + (lean(it.max) - lean(o.points))
    return lost


# -- recording ---------------------------------------------------------------------------------
def _text(value):
    """:func:`to_text`, with the common cases short-cut (same result): whole numbers, and the
    few distinct fractions of a run (points, maxima, rates) formatted once each."""
    c = value.__class__
    if c is Fraction:
        # Fraction's own slots: its numerator/denominator properties are Python calls
        num, den = value._numerator, value._denominator
        if den == 1:
            return str(num)
        key = (num, den)
        text = _TEXTS.get(key)
        if text is None:
            if len(_TEXTS) > 100_000:
                _TEXTS.clear()
            text = _TEXTS[key] = to_text(value)
        return text
    if c is int:
        return str(value)
    return to_text(value)


_TEXTS: dict = {}


def result_rows(run_id, ev: Evaluation, ledger: bool = True):
    """Rows of the results, items and explanations tables (explanations only with ``ledger``:
    they are not part of the result hash)."""
    results, items, lines = [], [], []
    for er in ev.results:
        e = er.employee
        g = er.grade
        results.append({
            "run_id": run_id, "employee_id": e["employee_id"], "name": e.get("name"),
            "site": e.get("site"), "role": e.get("role"), "level": e.get("level"),
            "scorecard": er.scorecard.id, "status": er.status,
            "score": None if er.score is None else str(er.score),
            "score_exact": _text(er.total),
            "grade": g.grade if g else None, "grade_label": g.label if g else None,
            "grade_label_zh": g.label_zh if g else None,
            "coefficient": _text(g.coefficient) if g and g.coefficient is not None else None,
            "eligible": None if g is None else int(g.eligible),
            "rank": g.rank if g else None,
            "payout": None if er.payout is None else str(er.payout),
            "fines": str(er.fines) if er.fines else None,
            "focus": json.dumps(er.focus),
            # the flags raised (no number): JSON, so a run without flags hashes as before
            "data": _HASH_JSON({"flags": er.flags})
            if er.flags else None,
        })
        for n, o in enumerate(er.items):
            it = o.item
            # whole numbers as ints: the same text, without Fraction arithmetic per item
            lost = (lean(it.max) - lean(o.points)) if it.max is not None and \
                o.points is not None else None
            items.append({
                "run_id": run_id, "employee_id": e["employee_id"], "item_id": it.id,
                "ord": n, "kind": "item", "label": it.label, "label_zh": it.label_zh,
                "section": it.section, "value": _text(o.measure.value),
                "points": _text(o.points), "max": _text(it.max), "lost": _text(lost),
            })
        for n, (pen, a) in enumerate(er.adjustments, len(er.items)):
            items.append({
                "run_id": run_id, "employee_id": e["employee_id"], "item_id": pen.id,
                "ord": n, "kind": "penalty", "label": pen.label, "label_zh": pen.label_zh,
                "section": None,
                "value": _text(a.fines) if a.fines else None, "points": _text(a.points),
                "max": None, "lost": _text(-a.points) if a.points else None,
            })
        if not ledger:
            continue
        book, eid, seq = er.book, e["employee_id"], 0
        for ln in er.lines:
            if type(ln) is Evidence:  # a placeholder: its rows are copied by record_rows
                grp = book.add(ln)
                if not book.filled(grp, eid):
                    continue  # no row: it reads as nothing, and is not stored
                seq += 1
                lines.append({"run_id": run_id, "employee_id": eid, "seq": seq,
                              "rule": ln.rule, "text": None, "points": None,
                              "ref": placeholder_ref(grp)})
                continue
            seq += 1
            lines.append({"run_id": run_id, "employee_id": eid, "seq": seq,
                          "rule": ln.rule, "text": ln.text, "points": _text(ln.points),
                          "ref": ln.ref})
    return results, items, lines


def evidence_rows(ev: Evaluation, lines) -> dict | None:
    """The evidence of ``ev`` kept by the explanation rows ``lines`` (:func:`result_rows`), as
    plain data for :func:`record_rows` in another process (a group run's worker); None when
    there is none."""
    if ev.book is None:
        return None
    return ev.book.shipped(placeholder_uses(lines))


_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # = json.dumps(...)


def run_header(rs, ruleset_path=None) -> dict:
    """What a stored run says about the rule set it ran (``ruleset_path``: the path as the
    caller named it, when the rule set was loaded elsewhere, e.g. on a worker)."""
    return {"org": rs.meta.org, "site": rs.meta.site, "bundle": rs.meta.bundle,
            "dataset": rs.dataset, "ruleset_path": str(ruleset_path or rs.path),
            "ruleset_text": rs.text, "ruleset_hash": rs.hash}


def record(store: Store, ev: Evaluation, ledger=True, label=None,
           accept_incomplete=None) -> Evaluation:
    """Store the evaluation as a new immutable run, with its completeness; notes an earlier
    identical run. Refused (nothing stored) below ``[ruleset] require_coverage``;
    ``accept_incomplete`` is the stated reason to publish a run with quarantined rows."""
    from . import completeness

    rs, comp = ev.ruleset, ev.completeness
    extra = {}
    if comp is not None:
        completeness.gate(rs, comp)
        if accept_incomplete and str(accept_incomplete).strip():
            comp.accepted = str(accept_incomplete).strip()
        completeness.ensure_schema(store)
        extra[completeness.TABLE] = [completeness.row(None, comp)]
    rows = result_rows(None, ev, ledger)
    evidence = None
    if ledger and ev.book is not None:
        # the same connection: copied in SQL from the book; else shipped as rows
        evidence = ev.book if ev.book.conn is store.conn else evidence_rows(ev, rows[2])
    run_id, rh, same_as, differs_from = record_rows(
        store, run_header(ev.ruleset), ev.period.key, ev.fingerprints, rows, ledger, label,
        extra=extra, evidence=evidence)
    ev.run_id, ev.result_hash, ev.same_as, ev.differs_from = run_id, rh, same_as, differs_from
    return ev


def record_rows(store: Store, header: dict, period_key: str, fingerprints: dict, rows,
                ledger=True, label=None, created_at=None, extra=None, evidence=None):
    """Store one run from its rows (:func:`result_rows`, made anywhere: in this process or on a
    worker of a group run) as a new sealed run and return ``(run_id, result_hash, same_as,
    differs_from)``; ``extra``: more ``{table: rows}`` of the run (e.g. its completeness),
    written and sealed with it; ``evidence``: the rows behind the ledger's placeholders (a
    :class:`scorecard.evidence.Book` of this store's connection, or
    :func:`evidence_rows`' plain data), sealed with the ledger. The run id comes from the
    insert, in the same write transaction as the look-up of an earlier identical run.

    Inside an open ``store.transaction()`` the run joins it (a group stores all its sites' runs
    in one transaction)."""
    from .cycle import refuse_closed

    results, items, lines = rows
    rh = result_hash(results, items)
    dfp = data_fingerprint(fingerprints)
    plugins = [{k: v for k, v in p.items() if k in ("name", "version")} for p in plugin_rows()]
    with store.transaction():
        # under the write lock: a close cannot slip in between this check and the insert
        refuse_closed(store, header["dataset"], period_key,
                      where=f"{header['org']} / {header['site']}")
        same_as = differs_from = None
        prev = store.find_same_run(header["ruleset_hash"], dfp, period_key)
        if prev is not None:
            if prev[1] == rh:
                same_as = prev[0]
            else:
                differs_from = prev[0]
        run = {
            "created_at": created_at or now_text(), "org": header["org"],
            "site": header["site"], "bundle": header["bundle"], "dataset": header["dataset"],
            "period": period_key, "ruleset_path": header["ruleset_path"],
            "ruleset_text": header["ruleset_text"], "ruleset_hash": header["ruleset_hash"],
            "data_fingerprint": dfp, "plugins": json.dumps(plugins),
            "scorecard_version": __version__, "ledger": int(ledger), "result_hash": rh,
            "same_as": same_as, "employees": len(results), "label": label,
        }
        run_id = store.save_run(run, results, items, lines if ledger else [], extra=extra,
                                evidence=evidence if ledger else None)
    for table in (results, items, lines, *(extra or {}).values()):
        for r in table:
            r["run_id"] = run_id
    return run_id, rh, same_as, differs_from
