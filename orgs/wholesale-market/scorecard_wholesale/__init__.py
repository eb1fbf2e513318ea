"""scorecard bundle for a wholesale commodities market (seed 001, RULES.md §2a–2d).

The rule set in ``bundle/scorecard.toml`` configures the built-in building blocks; the only code
here is the market's KPI catalogue (§15.1–15.2) as a ready metric type, ``wholesale_kpi``
(:mod:`scorecard_wholesale.kpis`). Sample data in ``bundle/data`` comes from
:mod:`scorecard_wholesale.generate`. See ``docs/orgs/wholesale-market.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import load_bundle

from .kpis import WholesaleKpi

SCORECARD_HOOKSPEC = 1

BUNDLE = load_bundle(Path(__file__).parent / "bundle")  # described by its [bundle] table


@hookimpl
def register_bundles(register):
    register(BUNDLE)


@hookimpl
def register_metric_types(register):
    register(WholesaleKpi())
