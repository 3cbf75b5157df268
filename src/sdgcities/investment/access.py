"""Who may see and do what in the investment facility.

=================  ====================================================================
role               may
=================  ====================================================================
public, learner    see the projects whose city consented to a public page, the windows
investor           the same, plus the investor profiles and its own profile's matches
                   and introductions
city_editor        create and edit its cities' projects (any stage, drafts included),
                   give or withdraw their public consent; see their matches
regional_hub       advise the cities its hubs serve: see their projects, run matching,
                   shortlist or reject, record introductions and their outcomes
global_hub, admin  advise every city; an admin may also revert a stage (with a reason)
=================  ====================================================================
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from sdgcities.accounts.permissions import draft_city_ids, editable_city_ids, reviewable_city_ids
from sdgcities.investment.models import InvestmentProject, Investor, ProjectConsent
from sdgcities.store.models import User


def consented() -> ColumnElement[bool]:
    """The projects whose city consented to a public page."""
    return InvestmentProject.id.in_(select(ProjectConsent.project_id))


def staff_city_ids(user: User | None, session: Session) -> set[int] | None:
    """Cities whose every project ``user`` sees (editors and advisors); None = all."""
    return draft_city_ids(user, session)


def visible_projects(user: User | None, session: Session) -> ColumnElement[bool]:
    """The ``WHERE`` clause of the projects ``user`` may see."""
    ids = staff_city_ids(user, session)
    if ids is None:
        return true()
    if not ids:
        return consented()
    return or_(consented(), InvestmentProject.city_id.in_(sorted(ids)))


def can_see(user: User | None, project: InvestmentProject, session: Session) -> bool:
    ids = staff_city_ids(user, session)
    if ids is None or project.city_id in ids:
        return True
    return session.get(ProjectConsent, project.id) is not None


def can_edit(user: User | None, city_id: int, session: Session) -> bool:
    """City editors of the city (and admins)."""
    ids = editable_city_ids(user, session)
    return ids is None or city_id in ids


def can_advise(user: User | None, city_id: int | None, session: Session) -> bool:
    """Hub staff serving the city, the global hub and admins (any city when None)."""
    ids = reviewable_city_ids(user, session)
    if ids is None:
        return True
    return bool(ids) and (city_id is None or city_id in ids)


def advised_city_ids(user: User | None, session: Session) -> set[int] | None:
    return reviewable_city_ids(user, session)


def is_investor(user: User | None) -> bool:
    return user is not None and user.active and user.role == "investor"


def can_list_investors(user: User | None, session: Session) -> bool:
    """Investor profiles: investors, city editors, advisors and admins (logged in)."""
    return user is not None and user.active


def own_investor_ids(user: User | None, session: Session) -> set[int]:
    if user is None:
        return set()
    return set(session.scalars(select(Investor.id).where(Investor.user_id == user.id)))
