"""Fixtures of the assessment tests: the hand-computable store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from sdgcities.assessment.benchmarksets import load_benchmark_set
from sdgcities.store.db import transaction
from tests.assessment._fixture_store import build_store, write_bench


@pytest.fixture
def hand_store(engine: Engine, tmp_path: Path) -> tuple[Engine, dict[str, int]]:
    """The store of ``_fixture_store`` with benchmark set ``hand`` loaded."""
    ids = build_store(engine)
    with transaction(engine) as s:
        load_benchmark_set(s, "hand", write_bench(tmp_path))
    return engine, ids
