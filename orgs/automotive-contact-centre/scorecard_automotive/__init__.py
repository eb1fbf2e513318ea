"""scorecard bundle for an automotive contact centre (seed 000, RULES.md §1).

Everything here is configuration of the built-in building blocks: the rule set in
``bundle/scorecard.toml`` and sample data in ``bundle/data``. See
``docs/orgs/automotive-contact-centre.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import load_bundle

SCORECARD_HOOKSPEC = 1

BUNDLE = load_bundle(Path(__file__).parent / "bundle")  # described by its [bundle] table


@hookimpl
def register_bundles(register):
    register(BUNDLE)
