"""The demo's programme portfolio: the five flagship programmes from the bundled data.

Loads ``data/portfolio.yaml`` and ``data/initiatives.yaml`` (read from the Executive
Board report on the flagship programmes, reviewed; see ``data/README.md``), so the demo
does not need the report itself. Idempotent: a second run changes nothing it loaded.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.programmes.models import FundingLine, Initiative, Programme
from sdgcities.programmes.service import bundled_initiatives, bundled_portfolio, import_portfolio


def demo_line(session: Session) -> str:
    portfolio = bundled_portfolio()
    if session.scalar(select(func.count(Programme.id))) == 0:
        import_portfolio(session, portfolio, bundled_initiatives(), publish=True)
    n = session.scalar(select(func.count(Programme.id)))
    i = session.scalar(select(func.count(Initiative.id)))
    f = session.scalar(select(func.count(FundingLine.id)))
    return f"{n} flagship programmes, {i} initiatives and {f} funding lines (report, 2020)"
