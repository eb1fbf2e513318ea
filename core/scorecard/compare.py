"""``scorecard compare A B --period P``: both rule sets on the same data, and what the
difference does to people and to cost.

The data is the sources of one rule set (A by default): the other rule set reads the same files
(its sources are pointed at them by name), so every delta comes from the rules alone. Neither run
is stored: the evaluations happen in a temporary database.
"""

import copy
import tempfile
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import attrs
import tomli_w

from .engine import evaluate
from .errors import ScorecardError
from .numbers import fmt, quantize
from .periods import Period
from .ruleset import load_ruleset
from .store import Store

NONE = "—"
GRADING = "(grading bands)"
PAYOUT = "(payout table)"


@attrs.define
class Comparison:
    """Per-employee deltas, the grade migration matrix, cost totals and the driving rules."""

    rs_a: object
    rs_b: object
    period: Period
    rows: list  # per employee dicts
    grades: list  # grade order for the matrix (rows: A, columns: B)
    matrix: dict  # grade_a -> grade_b -> count
    sites: list  # per site totals
    total: dict  # all sites
    drivers: list  # per rule: net points change, employees affected
    evaluations: tuple = ()

    def row(self, employee_id) -> dict:
        return next(r for r in self.rows if r["employee_id"] == employee_id)

    def as_dict(self) -> dict:
        return {"a": str(self.rs_a.path), "b": str(self.rs_b.path), "period": self.period.key,
                "employees": self.rows, "grades": self.grades, "migration": self.matrix,
                "sites": self.sites, "total": self.total, "drivers": self.drivers}


def with_sources_of(rs, data_rs):
    """Rule set ``rs`` reading ``data_rs``'s files (sources paired by name)."""
    data = copy.deepcopy(rs.merged_data)
    for name in rs.sources:
        if name not in data_rs.sources:
            raise ScorecardError(f"{rs.path}: source {name!r} has no counterpart in "
                                 f"{data_rs.path}, whose data is compared (sources there: "
                                 f"{', '.join(data_rs.sources)})")
        theirs = data_rs.merged_data["sources"][name]
        mine = data["sources"][name]
        for key in ("type", "path", "encoding", "delimiter", "sheet", "table", "query"):
            mine.pop(key, None)
            if key in theirs:
                mine[key] = theirs[key]
        if isinstance(mine.get("path"), str) and not Path(mine["path"]).is_absolute():
            mine["path"] = str((data_rs.base_dir / mine["path"]).resolve())
    text = tomli_w.dumps(data, multiline_strings=True)
    return attrs.evolve(load_ruleset(rs.path, data=data, text=text), merged=rs.merged)


def _dec(v):
    return None if v is None else str(v)


def _grade(er):
    return er.grade.grade if er.grade is not None and er.grade.grade is not None else NONE


def _delta(a, b):
    if a is None or b is None:
        return None
    # exact: the default context keeps 28 digits
    with localcontext(prec=200):
        return str(Decimal(b) - Decimal(a))


def compare(path_a, path_b, period: str, data: str = "a", db=None) -> Comparison:
    """Evaluate rule sets A and B for ``period`` on one data set (``data``: "a" or "b")."""
    return compare_rulesets(load_ruleset(Path(path_a)), load_ruleset(Path(path_b)), period,
                            data, db)


def compare_rulesets(rs_a, rs_b, period: str, data: str = "a", db=None) -> Comparison:
    """:func:`compare` of rule sets already loaded (a group run's worker loads them from the
    files or from the bytes the caller shipped)."""
    if rs_a.meta.period != rs_b.meta.period:
        raise ScorecardError(f"{rs_a.path} is {rs_a.meta.period}ly but {rs_b.path} is "
                             f"{rs_b.meta.period}ly: they cannot be compared on one period")
    if data == "a":
        run_b = with_sources_of(rs_b, rs_a)
        run_a = rs_a
    else:
        run_a = with_sources_of(rs_a, rs_b)
        run_b = rs_b
    p = Period.from_user(period, rs_a.meta.period)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db or Path(tmp) / "compare.db")
        ev_a = evaluate(store, run_a, p)
        ev_b = evaluate(store, run_b, p)
    return build(rs_a, rs_b, p, ev_a, ev_b)


def build(rs_a, rs_b, period, ev_a, ev_b) -> Comparison:
    by_a = {er.employee_id: er for er in ev_a.results}
    by_b = {er.employee_id: er for er in ev_b.results}
    ids = list(by_a) + [e for e in by_b if e not in by_a]
    rows, drivers = [], {}
    for eid in ids:
        a, b = by_a.get(eid), by_b.get(eid)
        emp = (a or b).employee
        row = {"employee_id": eid, "name": emp.get("name"), "site": emp.get("site"),
               "level": emp.get("level"),
               "score_a": _dec(a.score) if a else None, "score_b": _dec(b.score) if b else None,
               "grade_a": _grade(a) if a else NONE, "grade_b": _grade(b) if b else NONE,
               "payout_a": _dec(a.payout) if a else None,
               "payout_b": _dec(b.payout) if b else None}
        row["score_delta"] = _delta(row["score_a"], row["score_b"])
        row["payout_delta"] = _delta(row["payout_a"], row["payout_b"])
        cost = Fraction(row["payout_delta"]) if row["payout_delta"] is not None else Fraction(0)

        def drive(rule, cost, d=Fraction(0)):
            agg = drivers.setdefault(rule, {"rule": rule, "net": Fraction(0),
                                            "gross": Fraction(0), "employees": 0,
                                            "payout": Fraction(0)})
            agg["net"] += d
            agg["gross"] += abs(d)
            agg["employees"] += 1
            agg["payout"] += cost  # the cost change of the employees the rule moved

        changed = []
        for rule, pa, pb in _rule_points(a, b):
            d = (pb or 0) - (pa or 0)
            if d or (pa is None) != (pb is None):
                changed.append(f"{rule} {'+' if d > 0 else ''}{fmt(d)}")
                drive(rule, cost, d)
        if not changed and row["grade_a"] != row["grade_b"]:
            changed.append(GRADING)  # same score, other band: the band table changed
            drive(GRADING, cost)
        elif not changed and cost:
            changed.append(PAYOUT)  # same score and grade, other amount: the payout rule
            drive(PAYOUT, cost)
        row["changed_rules"] = ", ".join(changed)
        rows.append(row)
    grades = grade_order((rs_a, rs_b), (g for r in rows for g in (r["grade_a"], r["grade_b"])))
    matrix = {g: {h: 0 for h in grades} for g in grades}
    for r in rows:
        matrix[r["grade_a"]][r["grade_b"]] += 1
    money = rs_a.rounding
    sites, total = _totals(rows, money)
    ordered = sorted(drivers.values(), key=lambda d: (-d["gross"], -abs(d["payout"]),
                                                      -d["employees"], d["rule"]))
    for d in ordered:
        d["net"], d["gross"] = fmt(d["net"]), fmt(d["gross"])
        d["payout"] = str(quantize(d["payout"], money.money, money.mode))
    return Comparison(rs_a, rs_b, period, rows, grades, matrix, sites, total, ordered,
                      (ev_a, ev_b))


def _rule_points(a, b):
    """(rule id, points under A, points under B) for every item and penalty of either."""
    pts: dict = {}
    for side, er in ((0, a), (1, b)):
        if er is None:
            continue
        for o in er.items:
            if o.item.in_total:
                pts.setdefault(o.item.id, [None, None])[side] = o.points
        for p, adj in er.adjustments:
            pts.setdefault(p.id, [None, None])[side] = adj.points
    return [(k, v[0], v[1]) for k, v in pts.items()]


def declared_grades(rs) -> list:
    """The grades of a rule set's band tables, in the order they are declared."""
    order = []
    for sc in rs.scorecards.values():
        if sc.grading is not None:
            for band in getattr(sc.grading.params, "bands", []) or []:
                if band.grade not in order:
                    order.append(band.grade)
    return order


def grade_order(rulesets, seen, declared=None) -> list:
    """Grades in the order the rule sets' band tables declare them, then any other grade
    ``seen`` in the results, then "no grade" last: the axis of migration matrices and grade
    mixes. ``declared``: the rule sets' :func:`declared_grades` lists instead of the rule sets
    (a group run gets them back from its workers)."""
    order = []
    for grades in declared if declared is not None else map(declared_grades, rulesets):
        for g in grades:
            if g not in order:
                order.append(g)
    for g in seen:
        if g not in order and g != NONE:
            order.append(g)
    return order + [NONE]


def _totals(rows, rounding):
    def money(v):
        return str(quantize(v, rounding.money, rounding.mode))

    groups: dict = {}
    for r in rows:
        groups.setdefault(r["site"] or NONE, []).append(r)
    out = []
    for site, rs in [*sorted(groups.items()), ("(all)", rows)]:
        head = len(rs)
        pa = sum((Fraction(r["payout_a"]) for r in rs if r["payout_a"] is not None), Fraction(0))
        pb = sum((Fraction(r["payout_b"]) for r in rs if r["payout_b"] is not None), Fraction(0))
        out.append({"site": site, "headcount": head, "payout_a": money(pa),
                    "payout_b": money(pb), "payout_delta": money(pb - pa),
                    "per_head_a": money(pa / head) if head else None,
                    "per_head_b": money(pb / head) if head else None,
                    "per_head_delta": money((pb - pa) / head) if head else None,
                    "changed": sum(1 for r in rs if r["score_a"] != r["score_b"]
                                   or r["payout_a"] != r["payout_b"])})
    return out[:-1], out[-1]


ROW_COLUMNS = ["employee_id", "name", "site", "level", "score_a", "score_b", "score_delta",
               "grade_a", "grade_b", "payout_a", "payout_b", "payout_delta", "changed_rules"]
MONEY_COLUMNS = ("payout_delta", "per_head_a", "per_head_b", "per_head_delta", "payout")


def column_places(c: Comparison) -> dict:
    """Each numeric column's decimal places, from the rule sets' declared rounding: A's score
    and payout by A's steps, B's by B's, deltas and totals by the finer of the two (a 0.1 step
    shows one place, a step of 1 none)."""
    from .output import places_of

    sa, sb = places_of(c.rs_a.rounding.score), places_of(c.rs_b.rounding.score)
    ma, mb = places_of(c.rs_a.rounding.money), places_of(c.rs_b.rounding.money)
    return {"score_a": sa, "score_b": sb, "score_delta": max(sa, sb), "net": max(sa, sb),
            "gross": max(sa, sb), "payout_a": ma, "payout_b": mb,
            **{k: max(ma, mb) for k in MONEY_COLUMNS}}


def nonzero(delta) -> bool:
    """A delta that changes something (``"0.0"`` and ``"0.00"`` do not)."""
    return delta is not None and Decimal(delta) != 0


def _row_changed(r) -> bool:
    """An employee's row whose score, payout or grade differs between A and B."""
    return nonzero(r["score_delta"]) or nonzero(r["payout_delta"]) or r["grade_a"] != r["grade_b"]


def render_text(c: Comparison, only_changed=True) -> str:
    from .output import table

    out = [f"compare {c.rs_a.path} (A) with {c.rs_b.path} (B) — {c.period.key} — same data "
           f"({len(c.rows)} employees)"]
    rows = [r for r in c.rows if not only_changed or _row_changed(r)]
    cols = column_places(c)
    places, mode = cols["score_delta"], c.rs_a.rounding.mode
    out.append(f"\nemployees whose result changed: {len(rows)}")
    if rows:
        out.append(table(rows, ROW_COLUMNS, ["employee", "name", "site", "level", "score A",
                                             "score B", "Δ score", "grade A", "grade B",
                                             "payout A", "payout B", "Δ payout", "rules"],
                         places, mode, cols))
    out.append("\ngrade migration (rows: A, columns: B)")
    mrows = [{"g": g, **{h: c.matrix[g][h] for h in c.grades}} for g in c.grades]
    out.append(table(mrows, ["g", *c.grades], ["A \\ B", *c.grades]))
    out.append("\npayout cost")
    money = ["site", "headcount", "payout_a", "payout_b", "payout_delta", "per_head_a",
             "per_head_b", "per_head_delta"]
    out.append(table([*c.sites, c.total], money, ["site", "heads", "A", "B", "Δ", "per head A",
                                                  "per head B", "Δ per head"],
                     places, mode, cols))
    out.append("\nrules that drove the change")
    if c.drivers:
        out.append(table(c.drivers, ["rule", "net", "gross", "employees", "payout"],
                         ["rule", "net points", "points moved", "employees",
                          "Δ payout of those employees"], places, mode, cols))
    else:
        out.append("(none: every rule gives the same points)")
    return "\n".join(out)


def render_csv(c: Comparison) -> str:
    from .output import to_csv

    return to_csv(c.rows, ROW_COLUMNS)


# -- one rule set against many sites (``scorecard compare A B1 B2 ...``) -----------------------
def _changed(c: Comparison) -> int:
    return sum(1 for r in c.rows if _row_changed(r))


def many_summary(run) -> list[dict]:
    """One row per comparison of a group run (A with each B): the whole-data payout totals."""
    return [{"b": o["config"], "site": o["site"], "employees": len(o["comparison"].rows),
             "changed": _changed(o["comparison"]),
             **{k: o["comparison"].total[k] for k in ("payout_a", "payout_b", "payout_delta",
                                                      "per_head_a", "per_head_b",
                                                      "per_head_delta")}}
            for o in run.succeeded]


def many_as_dict(a, period: str, run) -> dict:
    return {"a": str(a), "period": period, "summary": many_summary(run),
            "comparisons": [o["comparison"].as_dict() for o in run.succeeded],
            "failed": [{"config": o["config"], "error": o["error"]} for o in run.failed]}


def render_many_text(a, run, only_changed=True) -> str:
    from .output import table

    out = [f"compare {a} (A) with {len(run.outcomes)} rule set(s) (B) — {run.period}"]
    # every pair's money by its own steps; the summary's columns by the finest of them
    places: dict = {}
    for o in run.succeeded:
        for k, n in column_places(o["comparison"]).items():
            places[k] = max(places.get(k, 0), n)
    out.append(table(many_summary(run), ["b", "employees", "changed", "payout_a", "payout_b",
                                         "payout_delta", "per_head_delta"],
                     ["B", "employees", "changed", "payout A", "payout B", "Δ", "Δ per head"],
                     column_places={k: places.get(k, 2) for k in ("payout_a", "payout_b",
                                                                  "payout_delta",
                                                                  "per_head_delta")}))
    for o in run.succeeded:
        out.append("\n" + render_text(o["comparison"], only_changed))
    if run.failed:
        out.append(f"\nFAILED: {len(run.failed)} comparison(s), not in the tables above")
        from .group import failure_text

        out.extend(failure_text(o["config"], o["error"]) for o in run.failed)
    return "\n".join(out)


def render_many_csv(run) -> str:
    from .output import to_csv

    return to_csv([{"b": o["config"], **r} for o in run.succeeded for r in o["comparison"].rows],
                  ["b", *ROW_COLUMNS])


def render_many_html(a, run, data: str = "a") -> str:
    from .report_html import _a, hbars, html_table, page

    rows = many_summary(run)
    whose = "A's data" if data == "a" else "each B's own data"
    parts = [f'<p class="note">A = {_a(a)}, compared with each B on {whose}; period '
             f"{_a(run.period)}.</p>"]
    if rows:
        parts.append('<div class="charts">' + hbars(
            "payout-delta-per-head", "Δ payout per head (B − A)", [r["site"] for r in rows],
            [r["per_head_delta"] or 0 for r in rows]) + "</div>")
    parts.append("<h2>Comparisons</h2>")
    parts.append(html_table(rows, ["b", "site", "employees", "changed", "payout_a", "payout_b",
                                   "payout_delta", "per_head_a", "per_head_b",
                                   "per_head_delta"]))
    if run.failed:
        parts.append(f'<h2 class="failed">Failed ({len(run.failed)}), not in the table '
                     f"above</h2>")
        parts.append(html_table([{"config": o["config"], "error": o["error"]}
                                 for o in run.failed], ["config", "error"]))
    return page(f"Compare {a} with {len(run.outcomes)} rule sets — {run.period}", parts)
