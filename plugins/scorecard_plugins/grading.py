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
        mins = [b.min for b in bands]
        for i in range(1, len(mins)):
            if mins[i - 1] is None or (mins[i] is not None and mins[i] >= mins[i - 1]):
                raise SchemaError(f"{spec.path}.bands[{i}].min", "bands go from the highest "
                                  "lower bound down; only the last may leave min out")
        grades = [b.grade for b in bands]
        if len(set(grades)) != len(grades):
            raise SchemaError(f"{spec.path}.bands", "grades must be unique")

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
            text = f"grade {band.grade}" + (f" {band.label}" if band.label else "") + (
                f" ({band.label_zh})" if band.label_zh else "")
            text += f": score {fmt(v)}" + (f" ≥ {fmt(band.min)}" if band.min is not None else "")
            if band.coefficient is not None:
                text += f", pay coefficient {fmt(band.coefficient)}"
            if p.ranking_min is not None:
                text += (f"; ranked {ranks.get(eid)} of {len(ranked)}" if eligible else
                         f"; below {fmt(p.ranking_min)}: not ranked")
            out[eid] = Grade(band.grade, band.label, band.label_zh, band.coefficient, eligible,
                             ranks.get(eid) if eligible else None, (Line("grade", text),))
        return out


@hookimpl
def register_grading_types(register):
    register(Bands())
