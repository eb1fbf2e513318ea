"""The year-end scheme ``ranked_year`` (``[scorecards.X.annual]``; the default when the table
names no ``type``): the after-sales rules' annual grade, every threshold a parameter.

- The annual total is the mean (or sum) of the employee's period scores (the rounded, published
  scores). Employees with a total are *graded*; G is their number.
- Rank from the top ``r_top`` = 1 + the number of graded employees with a higher total (ties share
  the better rank); from the bottom ``r_bottom`` = 1 + the number with a lower total.
- "Within the top p %" means ``r_top ≤ cut(p)``, "within the bottom p %" ``r_bottom ≤ cut(p)``,
  where ``cut(p) = p % × G`` rounded down (``rank_round = "down"``: in a group of 5 nobody is in
  the top 10 %) or up (``"up"``: at least one person when p > 0).
- fail: ``consecutive`` periods in a row (no gap) scored below ``fail_below``, or within the bottom
  ``fail_pct`` %; otherwise excellent: within the top ``excellent_pct`` % and every period ≥
  ``excellent_min``; otherwise good: within the top ``good_pct`` % and more than ``most_share`` of
  the periods ≥ ``good_min``; otherwise pass.
- ``missing = "no_grade"``: an employee with any period of the year unscored (no run, not in the
  run, or no score) gets no grade and is not counted in G; ``"evaluated_only"`` grades from the
  scored periods (a gap breaks a run of low periods) and lists the others.

The core (:mod:`scorecard.annual`) finds the runs and the period scores; this module only grades.
"""

import math
from fractions import Fraction
from typing import Literal

import attrs

from scorecard import hookimpl
from scorecard.numbers import fmt
from scorecard.schema import SchemaError
from scorecard.types import AnnualType


@attrs.frozen
class RankedYearParams:
    """The scheme's keys of ``[scorecards.X.annual]``, defaults from the after-sales rules."""

    excellent_pct: Fraction = Fraction(10)  # rank within the top N % ...
    excellent_min: Fraction = Fraction(80)  # ... and every period's score >= this
    good_pct: Fraction = Fraction(40)  # rank within the top N % ...
    good_min: Fraction = Fraction(70)  # ... and most periods' scores >= this
    most_share: Fraction = Fraction(1, 2)  # "most" = more than this share of the periods
    fail_pct: Fraction = Fraction(10)  # rank within the bottom N % fails ...
    fail_below: Fraction = Fraction(60)  # ... as do `consecutive` periods in a row below this
    consecutive: int = 3
    total: Literal["mean", "sum"] = "mean"  # the annual total that is ranked
    rank_round: Literal["down", "up"] = "down"  # top N % of G people = floor/ceil(N % × G)
    missing: Literal["no_grade", "evaluated_only"] = "no_grade"  # a period without a score
    # the grades' Chinese labels, by grade: the rule set's words (none built in; the
    # after-sales rule set declares its original's)
    labels_zh: dict[str, str] = attrs.Factory(dict)


class RankedYear(AnnualType):
    """Ranks the year's totals and grades excellent / good / pass / fail by rank and by the
    period scores (the module docstring has the rules)."""

    name = "ranked_year"
    Params = RankedYearParams
    description = ("Year-end grade by rank within the top/bottom N % and the period scores "
                   "(after-sales CSI).")

    def validate(self, rs, sc, spec):
        p, path = spec.params, spec.path
        for key in ("excellent_pct", "good_pct", "fail_pct"):
            if not 0 <= getattr(p, key) <= 100:
                raise SchemaError(f"{path}.{key}", "a percentage between 0 and 100")
        if p.excellent_pct > p.good_pct:
            raise SchemaError(f"{path}.excellent_pct", "cannot be larger than good_pct")
        if not 0 <= p.most_share < 1:
            raise SchemaError(f"{path}.most_share", "a share from 0 up to (not including) 1")
        if p.consecutive < 1:
            raise SchemaError(f"{path}.consecutive", "at least 1")
        unknown = sorted(set(p.labels_zh) - {"excellent", "good", "pass", "fail"})
        if unknown:
            raise SchemaError(f"{path}.labels_zh.{unknown[0]}", "not a grade of this scheme "
                              "(excellent, good, pass, fail)")

    def grade_year(self, spec, periods, rows):
        return _grade_group(spec.params, list(periods), rows)


def _cut(spec: RankedYearParams, pct: Fraction, n: int) -> int:
    x = pct / 100 * n
    return math.floor(x) if spec.rank_round == "down" else math.ceil(x)


def _low_run(spec: RankedYearParams, periods, scores):
    """The first ``consecutive`` periods in a row (no gap) below ``fail_below``, or None."""
    run = []
    for p in periods:
        s = scores.get(p)
        if s is not None and s < spec.fail_below:
            run.append(p)
            if len(run) >= spec.consecutive:
                return run[-spec.consecutive:]
        else:
            run = []
    return None


def _grade_group(spec: RankedYearParams, periods, rows):
    def total(r):
        if not r.scores or (r.missing and spec.missing == "no_grade"):
            return None
        s = sum(r.scores.values(), Fraction(0))
        return s / len(r.scores) if spec.total == "mean" else s

    totals = {r.employee_id: total(r) for r in rows}
    ranked = [t for t in totals.values() if t is not None]
    g = len(ranked)
    out = []
    for r in rows:
        t = totals[r.employee_id]
        if t is None:
            why = ("no scored period" if not r.scores else
                   "periods without a score: " + ", ".join(f"{p} ({w})"
                                                          for p, w in r.missing.items()))
            out.append(attrs.evolve(r, reasons=(f"no grade: {why} (missing = "
                                                 f"{spec.missing!r})",)))
            continue
        top = 1 + sum(1 for x in ranked if x > t)
        bottom = 1 + sum(1 for x in ranked if x < t)
        vals = list(r.scores.values())
        n = len(vals)
        low = _low_run(spec, periods, r.scores)
        reasons = [f"annual total {fmt(t)} ({spec.total} of {n} period(s)); rank {top} of {g} "
                   f"from the top, {bottom} from the bottom"]
        if r.missing:
            reasons.append("not scored: " + ", ".join(f"{p} ({w})" for p, w in r.missing.items()))
        fail_cut = _cut(spec, spec.fail_pct, g)
        exc_cut = _cut(spec, spec.excellent_pct, g)
        good_cut = _cut(spec, spec.good_pct, g)
        at_least = sum(1 for v in vals if v >= spec.good_min)
        if low:
            grade = "fail"
            reasons.append(f"fail: {spec.consecutive} consecutive periods below "
                           f"{fmt(spec.fail_below)} ({', '.join(low)})")
        elif bottom <= fail_cut:
            grade = "fail"
            reasons.append(f"fail: within the bottom {fmt(spec.fail_pct)} % (rank {bottom} from "
                           f"the bottom ≤ {fail_cut} of {g})")
        elif top <= exc_cut and all(v >= spec.excellent_min for v in vals):
            grade = "excellent"
            reasons.append(f"excellent: within the top {fmt(spec.excellent_pct)} % (rank {top} ≤ "
                           f"{exc_cut}) and every period ≥ {fmt(spec.excellent_min)}")
        elif top <= good_cut and at_least > spec.most_share * n:
            grade = "good"
            reasons.append(f"good: within the top {fmt(spec.good_pct)} % (rank {top} ≤ "
                           f"{good_cut}) and {at_least} of {n} periods ≥ {fmt(spec.good_min)} "
                           f"(more than {fmt(spec.most_share * n)})")
        else:
            grade = "pass"
            why = []
            if top <= exc_cut:
                why.append(f"top {fmt(spec.excellent_pct)} % but not every period ≥ "
                           f"{fmt(spec.excellent_min)}")
            if top <= good_cut and not at_least > spec.most_share * n:
                why.append(f"top {fmt(spec.good_pct)} % but only {at_least} of {n} periods ≥ "
                           f"{fmt(spec.good_min)}")
            if top > good_cut:
                why.append(f"rank {top} is outside the top {fmt(spec.good_pct)} % "
                           f"(≤ {good_cut} of {g})")
            reasons.append("pass: " + "; ".join(why))
        out.append(attrs.evolve(r, total=t, rank_top=top, rank_bottom=bottom, grade=grade,
                                reasons=tuple(reasons),
                                grade_label_zh=spec.labels_zh.get(grade, "")))
    return out


@hookimpl
def register_annual_types(register):
    register(RankedYear())
