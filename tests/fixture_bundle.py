"""A test bundle for the core tests (a helper, not a test module): the contact-centre rule set,
sample data and golden cases frozen in ``tests/fixtures/contact_centre``, registered through
:func:`scorecard.testing.registered` by the ``contact_bundle`` fixture (conftest.py), so the
core tests run without any organisation's bundle installed. The bundles' own tests live in
``orgs/*/tests``."""

from pathlib import Path

from scorecard import hookimpl
from scorecard.bundles import load_bundle

BUNDLE = load_bundle(Path(__file__).resolve().parent / "fixtures" / "contact_centre")
NAME = BUNDLE.name


@hookimpl
def register_bundles(register):
    register(BUNDLE)
