import pytest

from scorecard.registry import reset


@pytest.fixture(autouse=True)
def _fresh_registry():
    reset()
    yield
    reset()
