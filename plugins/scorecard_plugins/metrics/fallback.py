"""First of: an item taking the points (or value) of the first of several earlier items that has
one — a measured figure when the data for it is given, a typed-in one otherwise (the wholesale
manager's complaint handling from the centre's register, else from the typed-in booleans)."""

import attrs

from scorecard import hookimpl
from scorecard.numbers import fmt
from scorecard.schema import SchemaError, did_you_mean
from scorecard.types import Line, Measure, MetricType


@attrs.frozen
class FirstOfParams:
    items: list[str]  # earlier item ids, in order of preference
    use: str = "points"  # "points" or "value" of those items


class FirstOf(MetricType):
    name = "first_of"
    Params = FirstOfParams
    description = "The points (or value) of the first of several earlier items that has one: "\
                  "a measured figure, else a typed-in fallback."

    def validate(self, rs, sc, item):
        p = item.params
        if p.use not in ("points", "value"):
            raise SchemaError(f"{item.path}.use", "one of points, value")
        if not p.items:
            raise SchemaError(f"{item.path}.items", "name the earlier items, preferred first")
        earlier = []
        for it in sc.items:
            if it.id == item.id:
                break
            earlier.append(it.id)
        for i, ref in enumerate(p.items):
            if ref not in earlier:
                raise SchemaError(f"{item.path}.items[{i}]", f"{ref!r} is not an item before "
                                  f"this one{did_you_mean(ref, earlier)} (earlier items: "
                                  f"{', '.join(earlier) or 'none'})")

    def sources(self, item):
        return {}

    def compute(self, ctx, item):
        p = item.params
        out = {}
        for eid in ctx.employees:
            chosen, tried = None, []
            for ref in p.items:
                o = ctx.outcomes[ref][eid]
                v = o.points if p.use == "points" else o.measure.value
                if v is not None:
                    chosen = (ref, v)
                    break
                tried.append(ref)
            if chosen is None:
                out[eid] = Measure(None, (Line(item.id, f"{item.id}: none of "
                                                        f"{', '.join(p.items)} has {p.use}: "
                                                        f"no data"),))
                continue
            ref, v = chosen
            skipped = f" ({', '.join(tried)}: no data)" if tried else ""
            out[eid] = Measure(v, (Line(item.id, f"{item.id}: {p.use} of {ref} = "
                                                 f"{fmt(v)}{skipped}"),), {"from": ref})
        return out


@hookimpl
def register_metric_types(register):
    register(FirstOf())
