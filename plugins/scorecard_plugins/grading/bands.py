"""Grading: band tables with English and Chinese labels and pay coefficients, ranking
eligibility (e.g. only scores ≥ 70 are ranked), and the rank among the eligible."""

from fractions import Fraction

import attrs

from scorecard import hookimpl
from scorecard.numbers import fmt
from scorecard.schema import SchemaError
from scorecard.types import Grade, GradingType, Line


@attrs.frozen
class Band:
    """One grade band: scores at or above ``min`` (the last band may have none)."""

    grade: str
    min: Fraction | None = None  # inclusive lower bound; None for the lowest band
    label: str = ""
    label_zh: str = ""
    coefficient: Fraction | None = None


@attrs.frozen
class BandsParams:
    bands: list[Band]  # highest first
    ranking_min: Fraction | None = None  # only scores at or above this are ranked
    rank: bool = True


def band_for(bands, v):
    return next((b for b in bands if b.min is None or v >= b.min), None)


class Bands(GradingType):
    name = "bands"
    Params = BandsParams
    description = "Band table (lower bounds inclusive, highest first) with labels and pay "\
                  "coefficients; ranking of eligible scores."

    def validate(self, rs, sc, spec):
        bands = spec.params.bands
        if not bands:
            raise SchemaError(f"{spec.path}.bands", "give at least one band")
        grades = [b.grade for b in bands]
        if len(set(grades)) != len(grades):
            raise SchemaError(f"{spec.path}.bands", "grades must be unique")

    def check(self, rs, sc, spec):
        """Order, overlaps, gaps below the lowest band, bands no score can reach, coefficients
        that fall as grades rise (``scorecard check``; order and overlaps are errors)."""
        p, path, out = spec.params, f"{spec.path}.bands", []
        bands = p.bands
        for i in range(1, len(bands)):
            hi, lo = bands[i - 1], bands[i]
            if hi.min is None:
                below = ", ".join(b.grade for b in bands[i:])
                out.append(("error", f"{path}[{i - 1}].min", f"band {hi.grade} has no lower "
                            f"bound but is not the last: bands {below} can never be reached"))
            elif lo.min is not None and lo.min == hi.min:
                out.append(("error", f"{path}[{i}].min", f"bands {hi.grade} and {lo.grade} "
                            f"overlap (both from {fmt(lo.min)}): {lo.grade} can never be "
                            f"reached"))
            elif lo.min is not None and lo.min > hi.min:
                out.append(("error", f"{path}[{i}].min", f"thresholds in the wrong order: "
                            f"band {lo.grade} (≥ {fmt(lo.min)}) comes after {hi.grade} "
                            f"(≥ {fmt(hi.min)}); list bands from the highest lower bound down"))
        last = bands[-1]
        floor = sc.total.min if sc.total.min is not None else Fraction(0)
        if last.min is not None and last.min > floor:
            out.append(("warning", f"{path}[{len(bands) - 1}].min", f"gap: scores below "
                        f"{fmt(last.min)} fall in no band and get no grade (add a last band "
                        f"without min)"))
        top = sc.total.max
        if top is None and sc.items and all(it.max is not None for it in sc.items
                                            if it.in_total) and not sc.penalties:
            top = sum((it.max for it in sc.items if it.in_total), Fraction(0))
        for i, b in enumerate(bands):
            if top is not None and b.min is not None and b.min > top:
                out.append(("warning", f"{path}[{i}].min", f"band {b.grade} starts at "
                            f"{fmt(b.min)}, above the highest possible score {fmt(top)}: "
                            f"unreachable"))
        coefs = [(b.grade, b.coefficient) for b in bands if b.coefficient is not None]
        for (g1, c1), (g2, c2) in zip(coefs, coefs[1:], strict=False):
            if c2 > c1:
                out.append(("warning", f"{path}", f"pay coefficient of {g2} ({fmt(c2)}) is "
                            f"above that of the higher band {g1} ({fmt(c1)})"))
        if p.ranking_min is not None and top is not None and p.ranking_min > top:
            out.append(("warning", f"{spec.path}.ranking_min", f"{fmt(p.ranking_min)} is above "
                        f"the highest possible score {fmt(top)}: nobody is ranked"))
        return out

    def grade(self, ctx, spec, scores):
        p = spec.params
        out = {}
        ranked = sorted((v, e) for e, v in scores.items() if v is not None and (
            p.ranking_min is None or v >= p.ranking_min))
        ranks = {}
        if p.rank:
            ordered = sorted(ranked, key=lambda t: (-t[0], t[1]))
            for i, (v, e) in enumerate(ordered):
                prev = ordered[i - 1] if i else None
                ranks[e] = ranks[prev[1]] if prev and prev[0] == v else i + 1
        for eid, v in scores.items():
            if v is None:
                out[eid] = Grade(None, eligible=False, lines=(Line("grade", "no score: no grade"),))
                continue
            band = band_for(p.bands, v)
            if band is None:
                out[eid] = Grade(None, eligible=False, lines=(Line(
                    "grade", f"score {fmt(v)} is below every band"),))
                continue
            eligible = p.ranking_min is None or v >= p.ranking_min
            rank = ranks.get(eid) if eligible else None
            if not ctx.ledger:
                out[eid] = Grade(band.grade, band.label, band.label_zh, band.coefficient,
                                 eligible, rank)
                continue
            text = f"grade {band.grade}" + (f" {band.label}" if band.label else "") + (
                f" ({band.label_zh})" if band.label_zh else "")
            text += f": score {fmt(v)}" + (f" ≥ {fmt(band.min)}" if band.min is not None else "")
            if band.coefficient is not None:
                text += f", pay coefficient {fmt(band.coefficient)}"
            if p.ranking_min is not None:
                text += (f"; ranked {ranks.get(eid)} of {len(ranked)}" if eligible and p.rank
                         else "" if eligible else f"; below {fmt(p.ranking_min)}: not ranked")
            out[eid] = Grade(band.grade, band.label, band.label_zh, band.coefficient, eligible,
                             rank, (Line("grade", text),))
        return out


@hookimpl
def register_grading_types(register):
    register(Bands())
