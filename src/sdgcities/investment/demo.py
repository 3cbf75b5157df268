"""The demo's investment-facility records.

* the investment windows the seed report states (HSP/EB.2020/19 para 92: "Sustainable
  Development Goal and COVID-19 investment windows by major banks and financial
  institutions") — the report names no institution, amount, country or deadline, so
  those stay empty (``data/windows_demo.yaml``);
* one investor profile, named "Example investor (illustrative profile)": the report
  names potential users of the facility (para 90) but no investor's terms;
* one "example project" in the first demo city, when there is one: no real project
  facts are in the seeds.

Idempotent: a second run adds nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.investment.investors import demo_windows
from sdgcities.investment.models import InvestmentProject, Investor
from sdgcities.investment.service import CLI, TrancheInput, create_project, set_tranches
from sdgcities.store.models import City

EXAMPLE_INVESTOR = "Example investor (illustrative profile)"
EXAMPLE_PROJECT = "Example project: bus rapid transit corridor (illustrative)"


def demo_line(session: Session) -> str:
    """Load the demo records once; the line ``sdgcities demo`` prints."""
    windows = demo_windows(session)
    added = []
    if session.scalar(select(Investor.id).where(Investor.name == EXAMPLE_INVESTOR)) is None:
        session.add(
            Investor(
                name=EXAMPLE_INVESTOR,
                sdg_focus=["11", "9.1"],
                regions=[],
                ticket_min=1_000_000,
                ticket_max=50_000_000,
                currency="USD",
                instruments=["concessional loan", "guarantee"],
                stages=["feasibility", "structuring"],
                returns="concessional",
                is_example=True,
                source="example profile for the demo; not a real investor",
            )
        )
        added.append("an example investor profile")
    city = session.scalar(select(City).order_by(City.id).limit(1))
    if city is not None and (
        session.scalar(
            select(InvestmentProject.id).where(InvestmentProject.title == EXAMPLE_PROJECT)
        )
        is None
    ):
        p = create_project(
            session,
            {
                "city": city.slug,
                "title": EXAMPLE_PROJECT,
                "description": "An illustrative project to show the pipeline; not a real one.",
                "sector": "21020",
                "sdg_targets": "11.2;11.6",
                "budget": "20000000",
                "currency": "USD",
                "start": date(2027, 1, 1).isoformat(),
                "end": date(2030, 12, 31).isoformat(),
                "stage": "feasibility",
                "implementing_org": "City transport department (example)",
            },
            CLI,
        )
        set_tranches(
            session,
            p,
            [
                TrancheInput("grant", 4_000_000, "USD"),
                TrancheInput("concessional loan", 16_000_000, "USD"),
            ],
            CLI,
        )
        added.append(f"an example project in {city.name}")
    extra = f"; {', '.join(added)}" if added else ""
    return f"investment: {windows} investment windows stated in HSP/EB.2020/19 para 92{extra}"
