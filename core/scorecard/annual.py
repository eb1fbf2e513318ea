"""Roll-ups over stored runs: the year-end grade from a year's period scores, the star of a
period, and an employee's history (growth record).

Nothing here evaluates anything: it reads the latest stored run of each period for the rule set's
organisation and site — for a published or closed period its final result (published run +
decisions, :mod:`scorecard.cycle`) — so a roll-up is exactly as reproducible as the runs it
names. A period
without a run, or an employee without a score in it, is reported, never filled in.

Year-end grade (``[scorecards.X.annual]``): the core finds the latest run of each period of the
year and every employee's period scores (or why a period has none); the scorecard's annual
type, a plugin registered through ``register_annual_types``, grades them. The built-in
``ranked_year`` (the after-sales rules, and the default when the table names no type) is
described in :mod:`scorecard_plugins.grading.year_end`.
"""

from decimal import Decimal
from fractions import Fraction

import attrs

from .errors import EvaluationError, ScorecardError
from .periods import Period
from .registry import get_registry


def year_periods(kind: str, year: int) -> list[str]:
    """The periods of ``kind`` that make up ``year``: twelve months, four quarters or the year."""
    if kind == "month":
        return [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    if kind == "quarter":
        return [f"{year:04d}-Q{q}" for q in range(1, 5)]
    return [f"{year:04d}"]


def latest_runs(store, rs, periods) -> dict:
    """``{period: run row or None}``: the latest run of each period for the rule set's org/site."""
    return {p: store.latest_run(org=rs.meta.org, site=rs.meta.site, period=p) for p in periods}


def _score(text):
    return None if text is None else Fraction(Decimal(text))


@attrs.frozen
class AnnualRow:
    employee_id: str
    name: str
    role: str
    scorecard: str
    scores: dict  # period -> Fraction | None
    missing: dict  # period -> why ("no run", "not in run 7", "no score in run 7")
    total: Fraction | None = None
    rank_top: int | None = None
    rank_bottom: int | None = None
    grade: str | None = None
    reasons: tuple[str, ...] = ()
    grade_label_zh: str = ""  # the annual type's Chinese label of the grade

    @property
    def grade_zh(self):
        return self.grade_label_zh


@attrs.frozen
class AnnualReport:
    year: int
    periods: tuple[str, ...]
    runs: dict  # period -> run id | None
    rows: tuple[AnnualRow, ...]
    hashes: dict = attrs.Factory(dict)  # period -> rule-set hash of the run used

    @property
    def mixed_rulesets(self) -> bool:
        """True when the year's runs were made with different rule sets (a parameter changed
        during the year): the roll-up is still what the stored runs say, but say so."""
        return len(set(self.hashes.values())) > 1

    @property
    def missing_periods(self):
        return [p for p, r in self.runs.items() if r is None]

    def row(self, employee_id) -> AnnualRow:
        return next(r for r in self.rows if r.employee_id == employee_id)


def annual(store, rs, year: int) -> AnnualReport:
    """Grade every employee found in the year's runs (see the module docstring)."""
    from .cycle import period_results

    periods = year_periods(rs.meta.period, year)
    # a published or closed period counts with its final result (published run + decisions)
    got = {p: period_results(store, rs, p) for p in periods}
    runs = {p: g[0] for p, g in got.items()}
    if all(r is None for r in runs.values()):
        raise ScorecardError(f"no stored run of {rs.meta.org}/{rs.meta.site} for any period of "
                             f"{year}: run `scorecard evaluate --period {periods[0]}` (and the "
                             f"others) first")
    people: dict[str, dict] = {}
    for p, run in runs.items():
        if run is None:
            continue
        for res in got[p][1]:
            e = people.setdefault(res["employee_id"], {"scores": {}, "info": res})
            e["info"] = res  # the latest period's name, role and scorecard
            e["scores"][p] = (res["score"], res["status"], run["id"])
    rows = []
    for eid in sorted(people):
        info = people[eid]["info"]
        sc = rs.scorecards.get(info["scorecard"])
        if sc is None or sc.annual is None:
            raise ScorecardError(f"{rs.path}: scorecards.{info['scorecard']}.annual: missing; add "
                                 f"the [scorecards.{info['scorecard']}.annual] table (thresholds "
                                 f"of the year-end grade) to roll the year up")
        scores, missing = {}, {}
        for p in periods:
            got = people[eid]["scores"].get(p)
            if runs[p] is None:
                missing[p] = "no run"
            elif got is None:
                missing[p] = f"not in run {runs[p]['id']}"
            elif got[0] is None:
                missing[p] = f"no score in run {got[2]} ({got[1]})"
            else:
                scores[p] = _score(got[0])
        rows.append(AnnualRow(eid, info["name"], info["role"], info["scorecard"], scores, missing))
    graded = []
    reg = get_registry()
    for sc_id in sorted({r.scorecard for r in rows}):
        spec = rs.scorecards[sc_id].annual
        group = [r for r in rows if r.scorecard == sc_id]
        scheme = reg.get("annual", spec.type)
        got = reg.call("annual", spec.type, "grade_year", spec.path, scheme.grade_year, spec,
                       tuple(periods), group)
        graded += _expect_rows(reg, spec, got, group)
    return AnnualReport(year, tuple(periods), {p: (r["id"] if r else None)
                                               for p, r in runs.items()}, tuple(graded),
                        {p: r["ruleset_hash"] for p, r in runs.items() if r})


def _expect_rows(reg, spec, got, group) -> list:
    """The annual type's answer is one :class:`AnnualRow` per employee given, in any order."""
    where = (f"plugin {reg.owner_of('annual', spec.type)!r}, annual type {spec.type!r}, "
             f"grade_year() for {spec.path}")
    if not isinstance(got, list | tuple) or not all(isinstance(r, AnnualRow) for r in got):
        raise EvaluationError(f"{where} returned {type(got).__name__}, expected a list of "
                              f"scorecard.annual.AnnualRow")
    if sorted(r.employee_id for r in got) != sorted(r.employee_id for r in group):
        raise EvaluationError(f"{where} did not return exactly one row per employee")
    return list(got)


# -- star of the period -------------------------------------------------------------------------
def stars(store, rs, period: Period, run_id: int | None = None):
    """The best score of the period per scorecard, ties broken by the scorecard's
    ``annual.star_tiebreak`` items' values (higher first; no value ranks last); employees still
    tied share the star. Returns ``(run, rows)``, rows best first with ``star`` set."""
    from .cycle import period_results

    final = None
    if run_id:
        run = store.run(run_id, verify=False)
        if run is not None:
            from .store import check_scope

            check_scope(run, rs)  # --run of another organisation's run is refused
            store.verify_run(run)
        all_results = store.results(run_id) if run else []
    else:  # a published or closed period: its final result (published run + decisions)
        run, all_results, final = period_results(store, rs, period)
    if run is None:
        raise ScorecardError(f"no stored run for {period.key}: run `scorecard evaluate "
                             f"--period {period.key}` first")
    results = [r for r in all_results if r["score"] is not None]
    items = {}
    for it in (final.items if final is not None else store.items(run["id"])):
        items[(it["employee_id"], it["item_id"])] = it["value"]
    rows = []
    for sc_id in sorted({r["scorecard"] for r in results}):
        sc = rs.scorecards.get(sc_id)
        ties = tuple(sc.annual.star_tiebreak) if sc and sc.annual else ()

        def key(r, ties=ties):
            k = [_score(r["score"])]
            for t in ties:
                v = items.get((r["employee_id"], t))
                k.append(Fraction(-10**9) if v is None else Fraction(v))
            return k

        group = sorted((r for r in results if r["scorecard"] == sc_id),
                       key=lambda r: ([-x for x in key(r)], r["employee_id"]))
        best = key(group[0]) if group else None
        for r in group:
            vals = {t: items.get((r["employee_id"], t)) for t in ties}
            rows.append({"scorecard": sc_id, "employee_id": r["employee_id"], "name": r["name"],
                         "role": r["role"], "score": r["score"], "grade": r["grade"],
                         **{t: vals[t] for t in ties}, "star": key(r) == best,
                         "tiebreak": list(ties)})
    return run, rows


# -- history ------------------------------------------------------------------------------------
def history(store, rs, employee_id: str):
    """The employee's result in the latest run of every period stored for the rule set's
    org/site, oldest period first, with the change from the previous period of the same kind
    and the item values. Returns a list of dicts (``run_text`` holds that run's rule set)."""
    runs = store.runs(org=rs.meta.org, site=rs.meta.site)
    latest: dict[str, dict] = {}
    for r in runs:
        latest[r["period"]] = r  # ordered by id: the last one wins
    from .cycle import final_results

    rows, prev = [], {}
    for key in sorted(latest, key=lambda k: (Period.parse(k).start, Period.parse(k).kind)):
        run = latest[key]
        store.verify_run(run)  # a tampered run is an error, never a normal row of the history
        # a published or closed period: its final result (published run + decisions)
        final = final_results(store, rs, key) if store.has_table("cycle_events") else None
        if final is not None:
            run = store.run(final.run_id)
            res = final.result(employee_id)
        else:
            res = store.result(run["id"], employee_id)  # not every employee's row of the run
        if res is None:
            continue
        kind = Period.parse(key).kind
        score = _score(res["score"])
        before = prev.get(kind)
        change = None if score is None or before is None else score - before
        if score is not None:
            prev[kind] = score
        items = [it for it in (final.items_of(employee_id) if final is not None
                               else store.items(run["id"], employee_id)) if it["kind"] == "item"]
        rows.append({"period": key, "run_id": run["id"], "status": res["status"],
                     "score": res["score"], "grade": res["grade"],
                     "grade_label": res["grade_label"], "grade_label_zh": res["grade_label_zh"],
                     "change": change, "scorecard": res["scorecard"],
                     "focus": res["focus"], "items": items,
                     "runs_for_period": [r["id"] for r in runs if r["period"] == key]})
    return rows
