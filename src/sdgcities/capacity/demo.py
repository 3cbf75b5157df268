"""The demo's capacity-building and one-stop-shop records, from the real report.

``seed_demo`` loads the strategy's implementation plan bundled from HSP/EB.2021/17, its
2022 additional budget (para. 24), the catalogue entries and partners the report names
(paras. 7–8, with their paragraph in each summary) and a one-stop-shop office with an
example service-level policy — the report promises "guaranteed response times" without
figures, so the policy is labelled as an example. Idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity import needs as cb
from sdgcities.capacity.models import CapacityPlan, CatalogueEntry, PlanBudgetLine, Provider
from sdgcities.capacity.service import import_plan

PLAN_TITLE = (
    "Detailed implementation plan for the UN-Habitat capacity-building strategy for the "
    "period 2021-2024 (HSP/EB.2021/17)"
)


def _data() -> Path:
    return Path(str(resources.files("sdgcities.capacity") / "data"))


def seed_demo(session: Session) -> dict[str, int]:
    """Load the demo records once; returns what was added."""
    added = {"plan": 0, "catalogue": 0, "providers": 0, "offices": 0}
    spec: dict[str, Any] = yaml.safe_load((_data() / "demo.yaml").read_text(encoding="utf-8"))
    if session.scalar(select(CapacityPlan.id).where(CapacityPlan.title == PLAN_TITLE)) is None:
        plan = import_plan(session, _data() / "implementation_plan_2021_2024.csv", user="demo")
        plan.title = PLAN_TITLE
        for b in spec["budget_2022"]:
            session.add(
                PlanBudgetLine(
                    plan_id=plan.id,
                    item=b["item"],
                    amount=float(b["amount"]),
                    currency="USD",
                    year=2022,
                    funding="extrabudgetary (to be mobilised)",
                    paragraph="24",
                )
            )
        added["plan"] = 1
    for e in spec["catalogue"]:
        if (
            session.scalar(select(CatalogueEntry.id).where(CatalogueEntry.slug == e["slug"]))
            is None
        ):
            cb.add_entry(session, published=True, **e)
            added["catalogue"] += 1
    for p in spec["providers"]:
        if session.scalar(select(Provider.id).where(Provider.name == p["name"])) is None:
            cb.add_provider(
                session,
                kind=p["kind"],
                name=p["name"],
                themes=p["themes"],
                languages=p.get("languages", ["en"]),
                regions=p.get("regions", []),
                accreditation=p.get("note", ""),
            )
            added["providers"] += 1
    added["offices"] = _seed_servicedesk(session)
    session.flush()
    return added


def _seed_servicedesk(session: Session) -> int:
    from sdgcities.servicedesk import service as sd
    from sdgcities.servicedesk.models import Office, SlaPolicy

    if session.scalar(select(Office.id).where(Office.slug == "unhabitat-nairobi")) is not None:
        return 0
    sd.create_office(
        session,
        slug="unhabitat-nairobi",
        name="UN-Habitat headquarters, Nairobi",
        timezone="Africa/Nairobi",
        hours="Mon-Fri 08:00-12:30,13:30-17:00",
        country="KE",
    )
    if session.scalar(select(SlaPolicy.id)) is None:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        sd.add_policy(
            session,
            name="Example: standard",
            first_response_hours=16,
            next_update_hours=40,
            resolution_hours=160,
            valid_from=start,
        )
        sd.add_policy(
            session,
            name="Example: urgent",
            priority="urgent",
            first_response_hours=4,
            next_update_hours=16,
            resolution_hours=40,
            valid_from=start,
        )
    return 1


def demo_line(session: Session) -> str:
    """Seed the demo records (once) and say what the demo now holds, for ``sdgcities demo``."""
    seeded = seed_demo(session)
    if not seeded["plan"]:
        return "capacity building and one-stop shop already loaded"
    return (
        "capacity building: the strategy's implementation plan 2021–2024 "
        f"(HSP/EB.2021/17), {seeded['catalogue']} catalogue entries and {seeded['providers']} "
        "partners named in it, and a one-stop-shop office with an example policy"
    )
