"""scorecard bundle for a wholesale commodities market (seed 001, RULES.md §2a–2d).

The rule set in ``bundle/scorecard.toml`` configures the built-in building blocks; the only code
here is the market's KPI catalogue (§15.1–15.2) as a ready metric type, ``wholesale_kpi``
(:mod:`scorecard_wholesale.kpis`). Sample data in ``bundle/data`` comes from
:mod:`scorecard_wholesale.generate`. See ``docs/orgs/wholesale-market.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import Bundle

from .kpis import WholesaleKpi

SCORECARD_HOOKSPEC = 1

BUNDLE = Bundle(
    name="wholesale-market",
    path=Path(__file__).parent / "bundle",
    sample_period="2026-10",
    title="Wholesale market: floor managers, supervisors and customer-service centre",
    title_zh="小商品城楼层管理员与客服中心绩效考核",
    docs="docs/orgs/wholesale-market.md",
    # earlier months first, so the media-exposure escalation (history within the year) shows
    demo_periods=("2026-08", "2026-09"),
)


@hookimpl
def register_bundles(register):
    register(BUNDLE)


@hookimpl
def register_metric_types(register):
    register(WholesaleKpi())
