"""Fixtures for the project-level tests."""

import pytest

from chatsite import outage


@pytest.fixture(autouse=True)
def _no_outage_left_over():
    """An outage one test provoked must not make the next test's requests probe for its recovery."""
    yield
    outage._down_since.clear()
    outage._cache_probed_at = 0.0
