"""scorecard bundle for a wholesale commodities market (seed 001, RULES.md §2a–2d).

Registration only: the rule set in ``bundle/scorecard.toml`` configures the built-in building
blocks, and the market's KPI catalogue (§15.1–15.2) is data, ``kpis.toml``: named built-in
``count``/``rate``/``mean`` measures registered as one metric type, ``wholesale_kpi``. Sample
data in ``bundle/data`` comes from :mod:`scorecard_wholesale.generate`. See
``docs/orgs/wholesale-market.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import load_bundle
from scorecard_plugins.metrics.catalogue import load_catalogue

SCORECARD_HOOKSPEC = 1

BUNDLE = load_bundle(Path(__file__).parent / "bundle")  # described by its [bundle] table
KPIS = load_catalogue(Path(__file__).parent / "kpis.toml")  # the metric type wholesale_kpi


@hookimpl
def register_bundles(register):
    register(BUNDLE)


@hookimpl
def register_metric_types(register):
    register(KPIS)
