import pytest

from scorecard.registry import reset


@pytest.fixture(autouse=True)
def _fresh_registry():
    reset()
    yield
    reset()


@pytest.fixture
def contact_bundle():
    """The test bundle (tests/fixture_bundle.py) registered for the test; its name is
    ``fixture_bundle.NAME``."""
    import fixture_bundle

    from scorecard.testing import registered

    with registered(fixture_bundle, name=fixture_bundle.NAME):
        yield fixture_bundle.BUNDLE
