"""Scorers: how a measured value becomes points — deduction from a base, shortfall steps below a
target, tier tables, and scaling. All clamp to [0, max] when the item has a max."""

from fractions import Fraction
from typing import Any

import attrs

from scorecard import hookimpl
from scorecard.numbers import clamp, fmt, lean, to_fraction
from scorecard.schema import SchemaError
from scorecard.types import Line, Scored, Scorer

from .._common import BaseParams, base_for, base_marks, base_ranges, validate_base


def _steps_below(value, target, step) -> int:
    """⌈(target − value) / step⌉ when value is below target, else 0: the started steps below a
    target, in integers (value, target and step are exact: ints or Fractions)."""
    vn, vd = value.numerator, value.denominator
    tn, td = target.numerator, target.denominator
    if vn * td >= tn * vd:  # value >= target (denominators are positive)
        return 0
    num = (tn * vd - vn * td) * step.denominator
    return -(-num // (td * vd * step.numerator))


def _clamp(item, v):
    if v >= 0 and (item.max is None or v <= item.max):
        return v
    return clamp(v, Fraction(0), item.max)


def _clamp_text(item, raw, got):
    return "" if raw == got else f", clamped to [0, {fmt(item.max)}]"


@attrs.frozen
class DeductParams(BaseParams):
    per: Fraction = Fraction(1)  # points per counted incident


class Deduct(Scorer):
    name = "deduct"
    Params = DeductParams
    description = "points = clamp(base − per × value, 0, max); base = the item max or the "\
                  "supervisor's discretionary mark for the period."

    data_ranges = staticmethod(base_ranges)

    def validate(self, rs, sc, item):
        validate_base(rs, item, item.score.params, f"{item.path}.score")
        if item.score.params.per < 0:
            # a negative deduction would pay points for every incident
            raise SchemaError(f"{item.path}.score.per", f"points per incident: 0 or more, got "
                              f"{fmt(item.score.params.per)}")

    def score(self, ctx, item, measures):
        p = item.score.params
        marks = base_marks(ctx, item, p)
        ledger = ctx.ledger
        per = lean(p.per)
        out = {}
        if not ledger:
            return self._points(item, p, marks, per, measures)
        per_text, default = fmt(p.per), None
        # the points and their line depend only on the base's words and the count: an
        # immutable Scored shared by everyone with the same two
        shared: dict[tuple, Scored] = {}
        for eid, m in measures.items():
            if eid in marks:
                base, base_text = base_for(item, p, marks, eid, ledger)
            else:  # the item's own base: the same for everyone without a mark
                if default is None:
                    default = base_for(item, p, marks, eid, ledger)
                base, base_text = default
            # whole numbers as ints: the common case (counts, whole bases) stays exact and fast
            n = lean(m.value) if m.value is not None else 0
            got = shared.get((base_text, n)) if type(n) is int else None
            if got is None:
                raw = lean(base) - per * n
                pts = _clamp(item, raw)
                got = Scored(pts, (Line(item.id, f"{item.id}: {base_text} − {per_text} × "
                                                 f"{fmt(n)} = {fmt(raw)}"
                                                 f"{_clamp_text(item, raw, pts)} → {fmt(pts)}",
                                        pts),))
                if type(n) is int:
                    shared[(base_text, n)] = got
            out[eid] = got
        return out

    def _points(self, item, p, marks, per, measures):
        """The points without the ledger's words: the same arithmetic as :meth:`score`, with
        the loop's constants hoisted and the points of the common whole values shared."""
        top = lean(item.max) if item.max is not None else None
        shared: dict[int, Scored] = {}  # Scored is immutable: one per whole number of points
        default = None
        out = {}
        for eid, m in measures.items():
            if eid in marks:
                base = lean(marks[eid][0])
            else:
                if default is None:
                    default = lean(base_for(item, p, marks, eid, False)[0])
                base = default
            v = m.value
            raw = base - per * (0 if v is None else v if type(v) is int else lean(v))
            if raw >= 0 and (top is None or raw <= top):
                if type(raw) is int:
                    got = shared.get(raw)
                    if got is None:
                        got = shared[raw] = Scored(raw)
                    out[eid] = got
                    continue
                out[eid] = Scored(raw)
            else:
                out[eid] = Scored(_clamp(item, raw))
        return out


@attrs.frozen
class ShortfallParams(BaseParams):
    target: Fraction = Fraction(90)
    step: Fraction = Fraction(1)  # each started step below the target costs per_step
    per_step: Fraction = Fraction(1)
    no_data: str = "keep_base"  # no measured value: "keep_base" or "leave_out"


class Shortfall(Scorer):
    name = "shortfall"
    Params = ShortfallParams
    description = "Full base at or above the target; − per_step for every started step below it."

    data_ranges = staticmethod(base_ranges)

    def validate(self, rs, sc, item):
        p = item.score.params
        validate_base(rs, item, p, f"{item.path}.score")
        if p.step <= 0:
            raise SchemaError(f"{item.path}.score.step", "must be above 0")
        if p.per_step < 0:
            raise SchemaError(f"{item.path}.score.per_step", f"points per step: 0 or more, got "
                              f"{fmt(p.per_step)}")
        if p.no_data not in ("keep_base", "leave_out"):
            raise SchemaError(f"{item.path}.score.no_data", "one of keep_base, leave_out")

    def score(self, ctx, item, measures):
        p = item.score.params
        marks = base_marks(ctx, item, p)
        ledger = ctx.ledger
        out = {}
        per_step = lean(p.per_step)
        default = None  # the item's own base and its words: the same for everyone without a mark
        shared: dict[int, Scored] = {}  # without the ledger: one immutable Scored per points
        lined: dict[tuple, Scored] = {}  # with it: one per (value, base's words)
        top = lean(item.max) if item.max is not None else None
        for eid, m in measures.items():
            if eid in marks:
                base, base_text = base_for(item, p, marks, eid, ledger)
            else:
                if default is None:
                    default = base_for(item, p, marks, eid, ledger)
                base, base_text = default
            if m.value is None:
                if p.no_data == "leave_out":
                    out[eid] = Scored(None, (Line(item.id, f"{item.id}: no data: left out"),)
                                      if ledger else ())
                else:
                    pts = _clamp(item, base)
                    out[eid] = Scored(pts, (Line(item.id, f"{item.id}: no survey data: keeps "
                                                          f"{base_text} → {fmt(pts)}", pts),)
                                      if ledger else ())
                continue
            if ledger:
                # the points and their line depend only on the value and the base's words:
                # rates repeat (small counts), so an immutable Scored is shared per pair
                got = lined.get((m.value, base_text))
                if got is not None:
                    out[eid] = got
                    continue
            steps = _steps_below(m.value, p.target, p.step)
            raw = lean(base) - steps * per_step
            if not ledger:
                if type(raw) is int and raw >= 0 and (top is None or raw <= top):
                    got = shared.get(raw)
                    if got is None:
                        got = shared[raw] = Scored(raw)
                    out[eid] = got
                else:
                    out[eid] = Scored(_clamp(item, raw))
                continue
            pts = _clamp(item, raw)
            if steps == 0:
                why = f"{fmt(m.value)} ≥ target {fmt(p.target)}"
            else:
                why = (f"{fmt(m.value)} < target {fmt(p.target)}: ⌈({fmt(p.target)} − "
                       f"{fmt(m.value)}) / {fmt(p.step)}⌉ = {steps} step(s)")
            out[eid] = lined[(m.value, base_text)] = Scored(
                pts, (Line(item.id, f"{item.id}: {why}; {base_text} − {steps} × "
                                    f"{fmt(p.per_step)} = {fmt(raw)}"
                                    f"{_clamp_text(item, raw, pts)} → {fmt(pts)}", pts),))
        return out


@attrs.frozen
class Tier:
    """One row of a tier table: its points apply when every bound given holds (or ``equals``)."""

    points: Fraction
    min: Fraction | None = None  # value >= min
    max: Fraction | None = None  # value <= max
    above: Fraction | None = None  # value > above
    below: Fraction | None = None  # value < below
    equals: Any = None
    label: str = ""

    def matches(self, v) -> bool:
        if self.equals is not None:
            # to_fraction: the TOML literal 0.1 is exactly 1/10, not the binary float
            return v == to_fraction(self.equals) if not isinstance(self.equals, bool) else \
                v == int(self.equals)
        return ((self.min is None or v >= self.min) and (self.max is None or v <= self.max)
                and (self.above is None or v > self.above)
                and (self.below is None or v < self.below))

    def text(self) -> str:
        parts = []
        if self.equals is not None:
            parts.append(f"= {self.equals}")
        for sym, v in (("≥", self.min), ("≤", self.max), (">", self.above), ("<", self.below)):
            if v is not None:
                parts.append(f"{sym} {fmt(v)}")
        return self.label or (" and ".join(parts) if parts else "otherwise")


@attrs.frozen
class TiersParams:
    tiers: list[Tier]
    otherwise: Fraction | None = Fraction(0)  # no tier matched (None: an error)
    no_data: Fraction | None = None  # value when nothing was measured (None: left out)


class Tiers(Scorer):
    name = "tiers"
    Params = TiersParams
    description = "Tier table: the first tier whose condition holds gives the points "\
                  "(\"≥ 90 → 20, ≥ 85 → 10, ...\")."

    def validate(self, rs, sc, item):
        p = item.score.params
        if not p.tiers:
            raise SchemaError(f"{item.path}.score.tiers", "give at least one tier")

    def check(self, rs, sc, item):
        """Points against the item's max (its weight), gaps between tiers, tiers that never
        apply (``scorecard check``; a tier above the max is an error, so evaluate refuses it)."""
        from scorecard.check import first_match_coverage

        p, path, out = item.score.params, f"{item.path}.score", []
        for i, t in enumerate(p.tiers):
            if item.max is not None and t.points > item.max:
                out.append(("error", f"{path}.tiers[{i}].points",
                            f"{item.id}: the tier {t.text()} gives {fmt(t.points)} points "
                            f"against the item's max (weight) of {fmt(item.max)}; make the "
                            f"points and the weight agree"))
        gaps, outside, unreachable = first_match_coverage(p.tiers, lambda t, v: t.matches(v))
        fallback = ("no value is given (otherwise is not set): the evaluation fails there"
                    if p.otherwise is None else f"they get otherwise = {fmt(p.otherwise)}")
        for g in gaps:
            out.append(("error" if p.otherwise is None else "warning", f"{path}.tiers",
                        f"{item.id}: gap in the tier table: {g} matches no tier; {fallback}"))
        if p.otherwise is None:
            for g in outside:
                out.append(("error", f"{path}.tiers", f"{item.id}: {g} matches no tier and "
                            f"otherwise is not set: the evaluation fails there"))
        for i in unreachable:
            out.append(("warning", f"{path}.tiers[{i}]", f"{item.id}: the tier "
                        f"{p.tiers[i].text()} never applies: the tiers before it take every "
                        f"value it covers (wrong order?)"))
        return out

    def score(self, ctx, item, measures):
        p = item.score.params
        ledger = ctx.ledger
        out = {}
        for eid, m in measures.items():
            if m.value is None:
                pts = p.no_data
                out[eid] = Scored(pts, (Line(item.id, f"{item.id}: no data: " + (
                    "left out" if pts is None else f"{fmt(pts)} by rule"), pts),))
                continue
            tier = next((t for t in p.tiers if t.matches(m.value)), None)
            if tier is None:
                if p.otherwise is None:
                    from scorecard.errors import EvaluationError

                    raise EvaluationError(f"{item.path}.score.tiers: no tier matches "
                                          f"{fmt(m.value)} for {eid}; add a tier that covers it, "
                                          f"or set otherwise")
                pts = p.otherwise
            else:
                pts = tier.points
            if not ledger:
                out[eid] = Scored(pts)
                continue
            why = "no tier matched" if tier is None else tier.text()
            out[eid] = Scored(pts, (Line(item.id, f"{item.id}: {fmt(m.value)} → tier {why} → "
                                                  f"{fmt(pts)}", pts),))
        return out


@attrs.frozen
class ScaleParams:
    factor: Fraction = Fraction(1)
    clamp: bool = True


class Scale(Scorer):
    name = "scale"
    Params = ScaleParams
    description = "points = value × factor (e.g. a rate × 0.12), clamped to [0, max]."

    def score(self, ctx, item, measures):
        p = item.score.params
        out = {}
        for eid, m in measures.items():
            if m.value is None:
                out[eid] = Scored(None, (Line(item.id, f"{item.id}: no data: left out"),))
                continue
            raw = m.value * p.factor
            pts = _clamp(item, raw) if p.clamp else raw
            if not ctx.ledger:
                out[eid] = Scored(pts)
                continue
            out[eid] = Scored(pts, (Line(item.id, f"{item.id}: {fmt(m.value)} × {fmt(p.factor)} "
                                                  f"= {fmt(raw)}{_clamp_text(item, raw, pts)}",
                                         pts),))
        return out


@hookimpl
def register_scorers(register):
    for cls in (Deduct, Shortfall, Tiers, Scale):
        register(cls())
