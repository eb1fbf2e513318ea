"""Item-level bands: a scorer that keeps an item's measured value as its points and names the
band it falls in (CSI "good", first-time-fix rate "fair", complaint timeliness "90–99 %"), so
every metric of a month, not only the total, is graded in the ledger and in ``history``."""

from fractions import Fraction

import attrs

from scorecard import hookimpl
from scorecard.numbers import fmt
from scorecard.schema import SchemaError
from scorecard.types import Line, Scored, Scorer

from ..grading.bands import Band, band_for


@attrs.frozen
class ItemBandParams:
    bands: list[Band]  # highest lower bound first; the last may leave min out


def band_text(band: Band) -> str:
    label = band.label if band.label and band.label != band.grade else ""
    return band.grade + (f" {label}" if label else "") + (
        f" ({band.label_zh})" if band.label_zh else "")


def check_bands(bands, path):
    if not bands:
        raise SchemaError(f"{path}.bands", "give at least one band")
    mins = [b.min for b in bands]
    for i in range(1, len(mins)):
        if mins[i - 1] is None or (mins[i] is not None and mins[i] >= mins[i - 1]):
            raise SchemaError(f"{path}.bands[{i}].min", "bands go from the highest lower bound "
                                                         "down; only the last may leave min out")
    grades = [b.grade for b in bands]
    if len(set(grades)) != len(grades):
        raise SchemaError(f"{path}.bands", "grades must be unique")


class ItemBand(Scorer):
    """Points = the measured value (clamped to [0, max] when the item has a max); the ledger
    names the band. No value: the item is left out, and no band is given."""

    name = "item_band"
    keeps_value = True  # the points are the value; the band is named beside it
    # called "band" until 0.1, too close to the grading type "bands"
    old_names = ("band",)
    Params = ItemBandParams
    description = "Keeps the value as points and names its band (lower bounds inclusive)."

    def validate(self, rs, sc, item):
        check_bands(item.score.params.bands, f"{item.path}.score")

    def score(self, ctx, item, measures):
        bands = item.score.params.bands
        out = {}
        for eid, m in measures.items():
            v = m.value
            if v is None:
                out[eid] = Scored(None, (Line(item.id, f"{item.id}: no data this period: no "
                                                       f"band, left out"),))
                continue
            pts = v
            if item.max is not None:
                pts = min(max(v, Fraction(0)), item.max)
            if not ctx.ledger:
                out[eid] = Scored(pts)
                continue
            band = band_for(bands, v)
            if band is None:
                text = f"{item.id}: {fmt(v)} is below every band"
            else:
                text = f"{item.id}: band {band_text(band)}: {fmt(v)}" + (
                    f" ≥ {fmt(band.min)}" if band.min is not None else "")
            out[eid] = Scored(pts, (Line(item.id, text),))
        return out


def item_band(bands, value):
    """The :class:`Band` of ``value`` in a band list (``None`` when below every band)."""
    return None if value is None else band_for(bands, value)


@hookimpl
def register_scorers(register):
    register(ItemBand())
