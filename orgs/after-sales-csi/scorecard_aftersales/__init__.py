"""scorecard bundle for a dealer's after-sales department (seeds 002 and 003, RULES.md §3).

Everything here is configuration of the built-in building blocks (likert, first_time_fix,
timeliness, composite, the item_band scorer and bands grading) in ``bundle/scorecard.toml``, with a
year of sample data in ``bundle/data`` so that ``scorecard annual`` has twelve months to roll up.
See ``docs/orgs/after-sales-csi.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import load_bundle

SCORECARD_HOOKSPEC = 1

BUNDLE = load_bundle(Path(__file__).parent / "bundle")  # described by its [bundle] table


@hookimpl
def register_bundles(register):
    register(BUNDLE)
