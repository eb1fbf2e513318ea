"""Rater calibration for any rule set with multi-rater items (``rater_mean``): per employee and
item the spread between the raters' marks, the items where they disagree by more than the item's
``max_spread``, and a per-rater leniency summary (mean difference from a reference rater, the
arbitration panel by default) to help the panel arbitrate.

``scorecard calibration -c RULES -p 2026-10`` prints it; :func:`calibrate` returns it
for other tools.
"""

from fractions import Fraction

import attrs
import click

from scorecard import hookimpl
from scorecard.errors import ScorecardError
from scorecard.numbers import to_fraction
from scorecard.options import (
    config_option,
    db_option,
    format_option,
    open_ruleset,
    open_store,
    output_option,
    period_option,
)
from scorecard.render import Document, dec_text, render, style_of, table_text, write


@attrs.frozen
class Spread:
    """One employee's marks for one item and how far apart they are."""

    scorecard: str
    employee_id: str
    item: str
    marks: dict  # rater -> Fraction
    spread: Fraction
    threshold: Fraction | None
    refs: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.threshold is not None and self.spread > self.threshold


@attrs.frozen
class Leniency:
    """How one rater marks compared with the reference rater, over one item's pairs."""

    scorecard: str
    rater: str
    item: str
    pairs: int
    mean_difference: Fraction  # mean of (rater − reference); positive = more lenient
    above: int
    below: int


@attrs.frozen
class Calibration:
    """A period's spreads and leniency over every rater_mean item (see :func:`calibrate`)."""

    period: str
    reference: str
    spreads: tuple[Spread, ...]
    leniency: tuple[Leniency, ...]

    @property
    def flagged(self) -> tuple[Spread, ...]:
        return tuple(s for s in self.spreads if s.flagged)


def calibrate(store, rs, period, reference: str = "panel", max_spread=None) -> Calibration:
    """Spreads and leniency of every ``rater_mean`` item of ``rs`` over ``period`` (the sources
    must have been ingested). ``max_spread`` overrides the items' own thresholds."""
    from scorecard.context import Context
    from scorecard.engine import load_employees
    from scorecard.workdays import WorkCalendar

    employees = load_employees(store, rs)
    calendar = WorkCalendar.from_spec(rs.calendar)
    spreads, leniency, seen_items = [], [], 0
    for sc in rs.scorecards.values():
        emps = {e: v for e, v in employees.items() if rs.scorecard_for_role(v["role"]) is sc}
        items = [it for it in sc.items if it.type == "rater_mean"]
        if not items or not emps:
            continue
        overall: dict[tuple, list] = {}  # (scorecard, rater) -> differences in thresholds
        ctx = Context(store=store, ruleset=rs, scorecard=sc, period=period, employees=emps,
                      calendar=calendar, ledger=False)
        for it in items:
            seen_items += 1
            p = it.params
            if reference not in p.raters:
                raise ScorecardError(f"{it.path}.raters: no rater {reference!r} to compare with "
                                     f"(raters: {', '.join(p.raters)}); use --reference")
            threshold = to_fraction(max_spread) if max_spread is not None else p.max_spread
            where, params = ctx.where(p.source, {p.item_column: p.item_value})
            marks: dict[str, dict] = {}
            for eid, rater, v, line in ctx.query(
                    f"SELECT employee_id, [{p.rater_column}], [{p.value_column}], _line FROM "
                    f"{ctx.table(p.source)} WHERE {where} ORDER BY employee_id, _line", params):
                if eid in emps and v is not None:
                    marks.setdefault(eid, {})[rater] = (to_fraction(v), ctx.ref(p.source, line))
            diffs: dict[str, list] = {}
            for eid, got in marks.items():
                vals = {r: got[r][0] for r in p.raters if r in got}
                if len(vals) < 2:
                    continue
                spreads.append(Spread(sc.id, eid, it.id, vals,
                                      max(vals.values()) - min(vals.values()), threshold,
                                      tuple(got[r][1] for r in p.raters if r in got)))
                if reference in vals:
                    for r, v in vals.items():
                        if r != reference:
                            diffs.setdefault(r, []).append(v - vals[reference])
            for r in p.raters:
                d = diffs.get(r)
                if d:
                    leniency.append(Leniency(sc.id, r, it.id, len(d), sum(d, Fraction(0)) / len(d),
                                             sum(1 for x in d if x > 0),
                                             sum(1 for x in d if x < 0)))
                    if threshold:
                        # items differ in scale (rates 0–100, rubric 1–10): the overall summary
                        # counts each difference in units of its item's flag threshold
                        overall.setdefault((sc.id, r), []).extend(x / threshold for x in d)
        for (sc_id, r), d in overall.items():
            leniency.append(Leniency(sc_id, r, "ALL (in thresholds)", len(d),
                                     sum(d, Fraction(0)) / len(d), sum(1 for x in d if x > 0),
                                     sum(1 for x in d if x < 0)))
    if not seen_items:
        raise ScorecardError(f"{rs.path}: no rater_mean item in any scorecard: nothing to "
                             f"calibrate")
    return Calibration(period.key, reference, tuple(spreads), tuple(leniency))


def _marks_text(marks):
    return ", ".join(f"{r} {dec_text(v)}" for r, v in marks.items())


def calibration_rows(cal: Calibration, flagged_only=True):
    rows = []
    for s in (cal.flagged if flagged_only else cal.spreads):
        rows.append({"scorecard": s.scorecard, "employee_id": s.employee_id, "item": s.item,
                     "marks": _marks_text(s.marks), "spread": dec_text(s.spread),
                     "threshold": dec_text(s.threshold),
                     "flagged": s.flagged, "evidence": ", ".join(s.refs)})
    return rows


def leniency_rows(cal: Calibration):
    return [{"scorecard": ln.scorecard, "rater": ln.rater, "item": ln.item, "pairs": ln.pairs,
             "mean_difference": dec_text(ln.mean_difference), "above": ln.above, "below": ln.below}
            for ln in cal.leniency]


@hookimpl
def register_commands(cli):
    @cli.command()
    @config_option
    @period_option
    @db_option
    @format_option("table", "json", "csv")
    @output_option
    @click.option("--reference", default="panel", show_default=True,
                  help="The rater the others are compared with.")
    @click.option("--max-spread", help="Flag threshold for every item (default: each item's "
                                       "max_spread in the rule set).")
    @click.option("--all", "all_", is_flag=True, help="List every item's spread, not only the "
                                                      "flagged ones.")
    def calibration(config, period, db, fmt_, output, reference, max_spread, all_):
        """Rater calibration: items where self, superior and panel marks disagree by more than
        the item's max_spread, and each rater's mean difference from the reference rater.

        \b
        Example:
            scorecard calibration -c ./wm/scorecard.toml -p 2026-10
        """
        from scorecard.ingest import ingest
        from scorecard.periods import Period

        rs = open_ruleset(config)
        p = Period.from_user(period, rs.meta.period)
        store = open_store(config, db)
        ingest(store, rs)
        try:
            limit = None if max_spread is None else to_fraction(max_spread)
        except ValueError:
            raise ScorecardError(f"--max-spread: {max_spread!r} is not a number") from None
        cal = calibrate(store, rs, p, reference, limit)
        spreads, lenient = calibration_rows(cal, not all_), leniency_rows(cal)
        if fmt_ != "table":
            render(Document(spreads, list(spreads[0]) if spreads else ["employee_id"],
                            payload={"period": cal.period, "reference": cal.reference,
                                     "flagged": len(cal.flagged), "spreads": spreads,
                                     "leniency": lenient}), fmt_, output)
            return
        style = style_of(rs)
        head = [f"{rs.meta.org} / {rs.meta.site} — {cal.period} — rater calibration "
                f"(reference: {cal.reference})",
                f"{len(cal.flagged)} of {len(cal.spreads)} marked item(s) where the raters "
                f"disagree by more than the threshold"]
        if spreads:
            text = table_text(Document(
                spreads, ["employee_id", "item", "marks", "spread", "threshold", "evidence"],
                headers=["employee", "item", "marks", "spread", "max", "evidence"],
                title="\n".join(head), **style))
        else:
            text = "\n".join(head) + "\n"
        text += table_text(Document(
            lenient, ["scorecard", "rater", "item", "pairs", "mean_difference", "above", "below"],
            headers=["scorecard", "rater", "item", "pairs", "mean diff", "above", "below"],
            title=f"\nleniency: mean (rater − {cal.reference}) per item; positive = marks "
                  f"higher than the {cal.reference}", **style))
        write(text, output)
