"""scorecard bundle for an automotive contact centre (seed 000, RULES.md §1).

Everything here is configuration of the built-in building blocks: the rule set in
``bundle/scorecard.toml`` and sample data in ``bundle/data``. See
``docs/orgs/automotive-contact-centre.md``.
"""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import Bundle

SCORECARD_HOOKSPEC = 1

BUNDLE = Bundle(
    name="automotive-contact-centre",
    path=Path(__file__).parent / "bundle",
    sample_period="2026-10",
    title="Automotive contact centre: agents on phone, online chat and e-mail",
    title_zh="汽车客服绩效考核",
    docs="docs/orgs/automotive-contact-centre.md",
)


@hookimpl
def register_bundles(register):
    register(BUNDLE)
