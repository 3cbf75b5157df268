"""The demo's programme portfolio: the five flagship programmes from the bundled data.

Loads ``data/portfolio.yaml``, ``data/initiatives.yaml`` and ``data/adaptation.yaml``
(read from the Executive Board report on the flagship programmes, reviewed; see
``data/README.md``), so the demo
does not need the report itself. Idempotent: a second run changes nothing it loaded.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.programmes.models import AdaptationProject, FundingLine, Initiative, Programme
from sdgcities.programmes.service import (
    bundled_adaptation,
    bundled_initiatives,
    bundled_portfolio,
    import_portfolio,
)


def demo_line(session: Session) -> str:
    portfolio = bundled_portfolio()
    if session.scalar(select(func.count(Programme.id))) == 0:
        import_portfolio(session, portfolio, bundled_initiatives(), publish=True)
    from sdgcities.programmes.adaptation import seed_projects

    seed_projects(session, bundled_adaptation())
    n = session.scalar(select(func.count(Programme.id)))
    i = session.scalar(select(func.count(Initiative.id)))
    f = session.scalar(select(func.count(FundingLine.id)))
    a = session.scalar(select(func.count(AdaptationProject.id)))
    return (
        f"{n} flagship programmes, {i} initiatives, {f} funding lines and {a} adaptation "
        "projects (report, 2020)"
    )
