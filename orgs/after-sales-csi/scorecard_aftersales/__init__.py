"""scorecard bundle for a dealer's after-sales department (seeds 002 and 003, RULES.md §3).

Everything here is configuration of the built-in building blocks (likert, first_time_fix,
timeliness, composite, the band scorer and bands grading) in ``bundle/scorecard.toml``, with a
year of sample data in ``bundle/data`` so that ``scorecard annual`` has twelve months to roll up.
See ``docs/orgs/after-sales-csi.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import Bundle

SCORECARD_HOOKSPEC = 1

BUNDLE = Bundle(
    name="after-sales-csi",
    path=Path(__file__).parent / "bundle",
    sample_period="2026-12",
    title="Dealer after-sales CSI: service advisors, technicians, parts staff",
    title_zh="售后CSI考核",
    docs="docs/orgs/after-sales-csi.md",
    demo_periods=tuple(f"2026-{m:02d}" for m in range(1, 12)),
)


@hookimpl
def register_bundles(register):
    register(BUNDLE)
