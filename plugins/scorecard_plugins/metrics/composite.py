"""Weighted composite of earlier items: leaves out components with no data and rescales the
rest (after-sales 0.7/0.2/0.1), or a plain weighted sum (0.85 × ability + 0.15 × attitude)."""

import re
from fractions import Fraction

import attrs

from scorecard import hookimpl
from scorecard.numbers import fmt, quantize, to_fraction
from scorecard.schema import SchemaError
from scorecard.types import Line, Measure, MetricType


@attrs.frozen
class CompositeParams:
    components: dict[str, Fraction]  # earlier item id -> weight
    use: str = "value"  # combine the components' "value" or their "points"
    rescale_missing: bool = True  # leave out components with no data, scale the rest up
    require: list[str] = attrs.Factory(list)  # components that must be present
    # false: components whose value was given by rule for lack of data (a metric marks its
    # Measure with data["by_rule"] = True, e.g. "no complaint -> 100") do not make a score alone
    score_from_defaults: bool = True
    # round the value to this step (rule set's rounding mode) when the rules round an
    # intermediate result, e.g. "the mark is the raters' mean to 0.01" before adjustments
    round: str | None = None


class Composite(MetricType):
    name = "composite"
    Params = CompositeParams
    derived = True  # reads only ctx.outcomes
    description = "Σ weight × component over earlier items; components without data are left "\
                  "out and the other weights rescaled to their sum."

    def validate(self, rs, sc, item):
        p = item.params
        earlier = [i.id for i in sc.items[: sc.items.index(item)]]
        for c in p.components:
            if c not in earlier:
                raise SchemaError(f"{item.path}.components.{c}",
                                  f"not an item declared before {item.id!r} in this scorecard "
                                  f"(earlier items: {', '.join(earlier) or 'none'})")
        for c, w in p.components.items():
            if w <= 0:
                raise SchemaError(f"{item.path}.components.{c}", f"weight {fmt(w)} must be "
                                                                 f"above 0 (leave it out instead)")
        if p.use not in ("value", "points"):
            raise SchemaError(f"{item.path}.use", "one of value, points")
        if p.round is not None and not re.fullmatch(r"(1|0\.0*1)", p.round):
            raise SchemaError(f"{item.path}.round", f"expected a step such as \"0.01\", got "
                                                    f"{p.round!r}")

    def compute(self, ctx, item):
        p = item.params
        ledger = ctx.ledger
        full = sum(p.components.values(), Fraction(0))
        mode = ctx.ruleset.rounding.mode if p.round is not None else None
        out = {}
        for eid in ctx.employees:
            parts, used, total, missing, real = [], Fraction(0), Fraction(0), [], 0
            for cid, w in p.components.items():
                o = ctx.outcomes[cid][eid]
                v = o.measure.value if p.use == "value" else o.points
                if v is None:
                    missing.append(cid)
                    continue
                used += w
                total += w * v
                real += not o.measure.data.get("by_rule", False)
                if ledger:
                    parts.append(f"{fmt(w)} × {cid} {fmt(v)}")
            present = len(missing) < len(p.components)
            absent_required = [c for c in p.require if c in missing]
            only_defaults = present and not real and not p.score_from_defaults
            if not present or absent_required or only_defaults:
                why = "no component has data" if not present else \
                    f"required {', '.join(absent_required)} missing" if absent_required else \
                    "no component has data (only values given by rule for lack of data): no score"
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: {why}"),))
                continue
            rescaled = missing and p.rescale_missing and used != full
            value = total / used * full if rescaled else total
            rounded = value if p.round is None else to_fraction(quantize(value, p.round, mode))
            if not ledger:
                out[eid] = Measure(rounded, (), {"missing": missing})
                continue
            text = " + ".join(parts)
            if rescaled:
                text = (f"({text}) / {fmt(used)}{'' if full == 1 else ' × ' + fmt(full)} = "
                        f"{fmt(value)} ({', '.join(missing)} left out, weights rescaled)")
            else:
                text = f"{text} = {fmt(value)}"
                if missing:
                    text += f" ({', '.join(missing)} missing, counted as 0)"
            if rounded != value:
                text += f", rounded {mode.replace('_', '-')} to {p.round}: {fmt(rounded)}"
            out[eid] = Measure(rounded, (Line(item.id, f"{item.id}: {text}"),),
                               {"missing": missing})
        return out


@hookimpl
def register_metric_types(register):
    register(Composite())
