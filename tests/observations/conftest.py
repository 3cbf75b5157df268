"""Fixtures of the observations tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.observations.obs_helpers import add_cities_and_indicators


@pytest.fixture
def store(engine: Engine) -> Engine:
    """A migrated store (SQLite and PostgreSQL) with a few cities and indicators."""
    add_cities_and_indicators(engine)
    return engine
