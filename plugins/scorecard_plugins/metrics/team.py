"""Team roll-ups: a manager's item measured from the results of the employees who report to them
(``employees.manager_id``) on another scorecard, for the same period — the mean of their scores,
the share at or above a threshold, or how many are in some grades.

The staff results come from the evaluation in progress when it evaluates that scorecard for
everyone (the engine evaluates it first), else from the latest stored run of the period; a period
whose staff results are nowhere is an error saying what to evaluate first. The ledger names the
run read.
"""

from fractions import Fraction

import attrs

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.numbers import fmt, to_fraction
from scorecard.ruleset import require_source
from scorecard.schema import SchemaError, did_you_mean
from scorecard.store import source_table
from scorecard.types import Line, Measure, MetricType

STATS = ("mean", "share_at_least", "count_grade")


@attrs.frozen
class Fallback:
    """A typed-in value used for a manager nobody reports to (a site without ``manager_id``)."""

    source: str
    column: str


@attrs.frozen
class TeamParams:
    scorecards: list[str]  # the staff scorecard(s) whose results are read
    stat: str = "mean"  # mean | share_at_least (% of the team) | count_grade
    threshold: Fraction | None = None  # share_at_least: score >= threshold
    grades: list[str] = attrs.Factory(list)  # count_grade: the grades counted
    manager_column: str = "manager_id"  # employees column naming each one's manager
    fallback: Fallback | None = None
    when_empty: Fraction | None = None  # value for a team with no scored member (else no data)


class TeamScore(MetricType):
    name = "team_score"
    Params = TeamParams
    description = "A manager's value from the period's results of the employees reporting to "\
                  "them (manager_id) on another scorecard: mean score, share ≥ a threshold, "\
                  "or count in grades; the run read is named in the ledger."

    def validate(self, rs, sc, item):
        p = item.params
        if p.stat not in STATS:
            raise SchemaError(f"{item.path}.stat", f"one of {', '.join(STATS)}")
        if not p.scorecards:
            raise SchemaError(f"{item.path}.scorecards", "name the staff scorecard(s) to read")
        for i, s in enumerate(p.scorecards):
            if s not in rs.scorecards:
                raise SchemaError(f"{item.path}.scorecards[{i}]", f"unknown scorecard {s!r}"
                                  f"{did_you_mean(s, rs.scorecards)} (declared: "
                                  f"{', '.join(rs.scorecards)})")
            if s == sc.id:
                raise SchemaError(f"{item.path}.scorecards[{i}]", "a scorecard cannot roll up "
                                  "its own results")
        if p.stat == "share_at_least" and p.threshold is None:
            raise SchemaError(f"{item.path}.threshold", "share_at_least needs a threshold")
        if p.stat == "count_grade" and not p.grades:
            raise SchemaError(f"{item.path}.grades", "count_grade needs the grades to count")
        if p.manager_column not in rs.columns.get("employees", {}):
            raise SchemaError(f"{item.path}.manager_column", f"the employees source has no "
                              f"column {p.manager_column!r}; declare it, e.g. "
                              f"{p.manager_column} = {{ type = \"str\", required = false, "
                              f"optional = true }}")
        if p.fallback is not None:
            require_source(rs, p.fallback.source, f"{item.path}.fallback",
                           ["employee_id", p.fallback.column])

    def sources(self, item):
        p = item.params
        out = {"employees": {p.manager_column}}
        if p.fallback is not None:
            out[p.fallback.source] = {p.fallback.column}
        return out

    def after(self, item):
        """The scorecards this item reads: the engine evaluates them first."""
        return tuple(item.params.scorecards)

    def compute(self, ctx, item):
        p = item.params
        teams = self._teams(ctx, p)
        staff = {e for members in teams.values() for e in members}
        results, where = self._results(ctx, p, bool(staff))
        fallback = self._fallback(ctx, p) if p.fallback is not None else {}
        out = {}
        for eid in ctx.employees:
            members = teams.get(eid, [])
            if not members:
                out[eid] = self._no_team(ctx, item, p, eid, fallback)
                continue
            scored, skipped = [], []
            for m in members:
                r = results.get(m)
                if r is None:
                    skipped.append(f"{m} (no result on {'/'.join(p.scorecards)})")
                elif r[0] is None:
                    skipped.append(f"{m} (no score)")
                else:
                    scored.append((m, *r))
            value, calc = self._stat(p, scored)
            if value is None:
                value = p.when_empty
                calc = "no staff member has a score: " + (
                    "no data" if value is None else f"{fmt(value)} by rule")
            lines = ()
            if ctx.ledger:
                shown = ", ".join(f"{m} {fmt(s)}" + (f" {g}" if p.stat == "count_grade" else "")
                                  for m, s, g in scored)
                lines = [Line(item.id, f"{item.id}: {len(members)} staff report to {eid} "
                                       f"({p.manager_column}); results of "
                                       f"{'/'.join(p.scorecards)} for {ctx.period} from "
                                       f"{where}: {shown or 'none scored'}", ref=where),
                         Line(item.id, f"{item.id}: {calc}")]
                if skipped:
                    lines.append(Line(item.id, f"{item.id}: left out: {', '.join(skipped)}"))
            out[eid] = Measure(value, tuple(lines), {"team": len(members),
                                                     "scored": len(scored), "run": where})
        return out

    def _teams(self, ctx, p) -> dict:
        """manager id -> the ids of the employees reporting to them, in id order."""
        t = source_table(ctx.ruleset.dataset, "employees")
        teams: dict[str, list] = {}
        for eid, mid in ctx.query(f"SELECT employee_id, [{p.manager_column}] FROM [{t}] "
                                  f"WHERE [{p.manager_column}] IS NOT NULL ORDER BY employee_id"):
            if mid in ctx.employees and mid != eid:
                teams.setdefault(mid, []).append(eid)
        return teams

    def _results(self, ctx, p, needed: bool):
        """``{employee_id: (score or None, grade)}`` on the staff scorecards, and where from."""
        current = getattr(ctx, "evaluated", None) or {}
        if all(s in current for s in p.scorecards):
            out = {}
            for s in p.scorecards:
                for eid, er in current[s].items():
                    out[eid] = (None if er.score is None else to_fraction(er.score),
                                er.grade.grade if er.grade is not None else None)
            return out, "this evaluation (the run being recorded)"
        if not needed:
            return {}, "nowhere (no team)"
        rs = ctx.ruleset
        marks = ", ".join("?" * len(p.scorecards))
        row = ctx.store.conn.execute(
            f"SELECT r.id FROM runs r WHERE r.org = ? AND r.site = ? AND r.period = ? AND "
            f"EXISTS (SELECT 1 FROM results x WHERE x.run_id = r.id AND x.scorecard IN "
            f"({marks})) ORDER BY r.id DESC LIMIT 1",
            [rs.meta.org, rs.meta.site, ctx.period.key, *p.scorecards]).fetchone()
        if row is None:
            raise ScorecardError(
                f"{ctx.scorecard.id}: the team roll-up reads the results of "
                f"{'/'.join(p.scorecards)} for {ctx.period.key}, but that period has not been "
                f"evaluated yet for {rs.meta.org}/{rs.meta.site}; run `scorecard evaluate "
                f"--period {ctx.period.key}` for the staff first (or evaluate everyone at once)")
        run_id = row[0]
        out = {}
        for eid, score, grade in ctx.store.conn.execute(
                f"SELECT employee_id, score, grade FROM results WHERE run_id = ? AND scorecard "
                f"IN ({marks})", [run_id, *p.scorecards]):
            out[eid] = (None if score is None else to_fraction(score), grade)
        return out, f"run {run_id}"

    def _stat(self, p, scored):
        if not scored:
            return None, ""
        n = len(scored)
        if p.stat == "mean":
            total = sum((s for _, s, _ in scored), Fraction(0))
            v = total / n
            return v, f"mean = {fmt(total)} / {n} = {fmt(v)}"
        if p.stat == "share_at_least":
            k = sum(1 for _, s, _ in scored if s >= p.threshold)
            v = Fraction(k * 100, n)
            return v, f"share with a score ≥ {fmt(p.threshold)} = {k} / {n} × 100 = {fmt(v)} %"
        k = sum(1 for _, _, g in scored if g in p.grades)
        return Fraction(k), f"in grade {'/'.join(p.grades)}: {k} of {n}"

    def _fallback(self, ctx, p) -> dict:
        f = p.fallback
        where, params = ctx.where(f.source)
        vals: dict[str, list] = {}
        for eid, v, line in ctx.query(
                f"SELECT employee_id, [{f.column}], _line FROM {ctx.table(f.source)} WHERE "
                f"{where} AND [{f.column}] IS NOT NULL ORDER BY _line", params):
            vals.setdefault(eid, []).append((to_fraction(v), ctx.ref(f.source, line)))
        return vals

    def _no_team(self, ctx, item, p, eid, fallback):
        got = fallback.get(eid)
        if got:
            v = sum((x for x, _ in got), Fraction(0)) / len(got)
            refs = ", ".join(r for _, r in got)
            return Measure(v, (Line(item.id, f"{item.id}: nobody reports to {eid} "
                                             f"({p.manager_column}): the typed-in "
                                             f"{p.fallback.column} {fmt(v)} is used ({refs})",
                                    ref=got[0][1]),), {"team": 0, "fallback": True})
        v = p.when_empty
        return Measure(v, (Line(item.id, f"{item.id}: nobody reports to {eid} "
                                         f"({p.manager_column}) and no typed-in value: "
                                         + ("no data" if v is None else f"{fmt(v)} by rule")),),
                       {"team": 0})


@hookimpl
def register_metric_types(register):
    register(TeamScore())
