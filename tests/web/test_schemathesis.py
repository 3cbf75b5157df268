"""Property-based tests of the JSON API against its own OpenAPI document (bounded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sdgcities.store.db import make_engine, migrate
from tests.web._apphelp import bearer, make_app, seed


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(engine)
    data = seed(engine)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", make_app(engine))
    return schema, data.admin_token


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_api_conforms(api_schema: Any) -> None:
    """Every operation, a bounded number of generated requests: no 500, nothing off-schema."""
    schema, admin_token = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)  # anonymous
            case.call_and_validate(checks=CHECKS, headers=bearer(admin_token))

        run()
