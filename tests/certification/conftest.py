"""Fixtures of the certification tests: a seeded store and a plan-record stand-in.

The strategic plan is recorded by the planning domain, built in parallel; until it lands,
``plan_kind`` registers a resolver for ``approved_plan`` through the same extension point
that domain will use (:func:`register_evidence_kind`), answering for plan ``"7"`` only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from sdgcities.certification import evidence
from tests.certification._seed import Seeded, seed


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed(engine)


@pytest.fixture
def plan_kind() -> Iterator[None]:
    def resolve(session: object, ref: str) -> evidence.EvidenceRecord | None:
        if ref != "7":
            return None
        return evidence.EvidenceRecord("approved_plan", ref, None, "Kisumu 2030 plan")

    before = evidence.evidence_kind("approved_plan")
    evidence.register_evidence_kind("approved_plan", resolve)
    yield
    if before is None:
        evidence._KINDS.pop("approved_plan", None)
    else:
        evidence._KINDS["approved_plan"] = before
