"""A KPI catalogue as data: a TOML file of named measures on the built-in ``count``, ``rate`` and
``mean`` types, registered as one metric type whose items name a KPI (``kpi = "..."``) and the
source holding its raw counts.

A bundle registers its catalogue with ``register(load_catalogue(path))`` and ships no metric
code of its own. The file::

    [catalogue]
    name = "wholesale_kpi"           # the metric type's name in rule sets
    description = "..."

    [kpis.revisit_rate]
    type = "rate"                    # count, rate or mean, with that type's parameters
    label = "Customer revisit rate"
    definition = "客户回访率 = customers actually revisited / revisits planned × 100 %"
    unit = "%"
    numerator_sum = "revisits_done"
    denominator_sum = "revisits_planned"
    filled = ["revisits_done", "revisits_planned"]

An item gives ``source`` and ``kpi``, and may add ``match`` and ``when_empty``; every other
parameter is the catalogue's, so one KPI means the same thing on every scorecard using it.
"""

import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from scorecard.schema import SchemaError, build, did_you_mean
from scorecard.types import MetricType

from .measures import Count, Mean, Rate

#: the types a catalogue entry may use: the counting measures, whose parameters are all data
TYPES = {t.name: t for t in (Count(), Rate(), Mean())}
#: keys of an entry that are the catalogue's own (the rest are the type's parameters)
ENTRY_KEYS = ("type", "label")


class CatalogueError(Exception):
    """A catalogue file that cannot be used: names the file, the key and the fix."""


@attrs.frozen
class KpiParams:
    source: str
    kpi: str
    match: dict[str, Any] = attrs.Factory(dict)
    when_empty: Fraction | None = None  # overrides the entry's (0 where nothing was reported)


@attrs.frozen
class Entry:
    """One KPI: the built-in type computing it and that type's parameters (without source)."""

    type: str
    label: str
    params: dict


class Catalogue(MetricType):
    """A metric type made of a catalogue file's entries."""

    Params = KpiParams

    def __init__(self, name: str, description: str, entries: dict[str, Entry], path: Path):
        self.name, self.description, self.entries, self.path = name, description, entries, path

    def _resolved(self, item):
        """The item as the built-in type sees it: the entry's parameters with the item's
        source, match and when_empty."""
        p = item.params
        if p.kpi not in self.entries:
            raise SchemaError(f"{item.path}.kpi", f"unknown KPI {p.kpi!r}"
                              f"{did_you_mean(p.kpi, self.entries)} (catalogue: "
                              f"{', '.join(self.entries)})")
        e = self.entries[p.kpi]
        params = build(TYPES[e.type].Params, {**e.params, "source": p.source}, item.path)
        # the item's match and when_empty are already checked values: set, not converted again
        params = attrs.evolve(params, match=p.match, **(
            {} if p.when_empty is None else {"when_empty": p.when_empty}))
        return TYPES[e.type], attrs.evolve(item, type=e.type, params=params)

    def validate(self, rs, sc, item):
        t, resolved = self._resolved(item)
        try:
            t.validate(rs, sc, resolved)
        except SchemaError as e:
            # the offending key is in the catalogue file, not in the rule set: say so
            raise SchemaError(f"{item.path}.kpi", f"KPI {item.params.kpi!r} ({self.path.name}):"
                                                  f" {e.reason}") from None

    def sources(self, item):
        t, resolved = self._resolved(item)
        return t.sources(resolved)

    def aggregates(self, ctx, item):
        # the built-in type's declaration, so the KPI joins the fused scan of its source
        t, resolved = self._resolved(item)
        return t.aggregates(ctx, resolved)

    def compute(self, ctx, item):
        t, resolved = self._resolved(item)
        return t.compute(ctx, resolved)


def load_catalogue(path) -> Catalogue:
    """The metric type described by the catalogue file ``path`` (every entry checked now, so a
    typo in the file is reported when the bundle loads, not when a rule set first uses it)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CatalogueError(f"{path}: {e}") from None
    head = data.get("catalogue", {})
    if not isinstance(head.get("name"), str) or not head["name"]:
        raise CatalogueError(f"{path}: [catalogue] name: missing: the metric type's name, e.g. "
                             f'name = "my_kpi"')
    unknown = set(data) - {"catalogue", "kpis"}
    if unknown:
        raise CatalogueError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}: a catalogue "
                             f"has [catalogue] and [kpis.NAME] tables")
    entries = {}
    for name, raw in data.get("kpis", {}).items():
        where = f"kpis.{name}"
        if raw.get("type") not in TYPES:
            raise CatalogueError(f"{path}: {where}.type: expected one of "
                                 f"{', '.join(TYPES)}, got {raw.get('type')!r}")
        params = {k: v for k, v in raw.items() if k not in ENTRY_KEYS}
        if "source" in params:
            raise CatalogueError(f"{path}: {where}.source: the item names the source, not the "
                                 f"catalogue; remove it here")
        try:  # the source is the item's; a placeholder lets the rest be checked now
            build(TYPES[raw["type"]].Params, {**params, "source": "-"}, where)
        except SchemaError as e:
            raise CatalogueError(f"{path}: {e}") from None
        entries[name] = Entry(raw["type"], str(raw.get("label", "")), params)
    if not entries:
        raise CatalogueError(f"{path}: no [kpis.NAME] entries")
    return Catalogue(head["name"], str(head.get("description", "")), entries, path)
