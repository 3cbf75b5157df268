"""Who may see a request and who may act on it.

- **admins** and the **global hub**: every request, and may act on all;
- **regional hub staff** (:class:`~sdgcities.store.models.HubMember`): the requests
  handled by their hubs' offices or coming from the cities their hubs serve; they act
  on those handled by their hubs' offices;
- **city editors**: the requests of their cities, and those they filed;
- anyone signed in: the requests they filed.

The requester's e-mail address is personal data: shown to staff who may act only.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from sdgcities.accounts.users import user_city_ids
from sdgcities.servicedesk.models import Office, ServiceRequest
from sdgcities.store.models import HubCity, HubMember, User

__all__ = ["can_act", "can_file_for_city", "hub_ids", "visible_requests"]


def hub_ids(session: Session, user: User) -> set[int]:
    return set(session.scalars(select(HubMember.hub_id).where(HubMember.user_id == user.id)))


def visible_requests(session: Session, user: User | None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`ServiceRequest` for the requests ``user`` may see."""
    if user is None or not user.active:
        return false()
    if user.role in ("admin", "global_hub"):
        return true()
    clauses: list[ColumnElement[bool]] = [ServiceRequest.created_by == user.id]
    if user.role == "city_editor":
        cities = user_city_ids(session, user.id)
        if cities:
            clauses.append(ServiceRequest.city_id.in_(sorted(cities)))
    hubs = hub_ids(session, user)
    if hubs:
        offices = select(Office.id).where(Office.hub_id.in_(sorted(hubs)))
        served = select(HubCity.city_id).where(HubCity.hub_id.in_(sorted(hubs)))
        clauses.append(ServiceRequest.office_id.in_(offices))
        clauses.append(ServiceRequest.city_id.in_(served))
    return or_(*clauses)


def can_act(session: Session, user: User | None, request: ServiceRequest) -> bool:
    """Whether ``user`` may answer, assign, pause or resolve ``request``."""
    if user is None or not user.active:
        return False
    if user.role in ("admin", "global_hub"):
        return True
    office = session.get(Office, request.office_id)
    return (
        office is not None and office.hub_id is not None and office.hub_id in hub_ids(session, user)
    )


def can_file_for_city(session: Session, user: User | None, city_id: int | None) -> bool:
    """Whether ``user`` may file a request on behalf of the city ``city_id``."""
    if user is None or not user.active:
        return False
    if city_id is None or user.role in ("admin", "global_hub", "regional_hub"):
        return True
    return user.role == "city_editor" and city_id in user_city_ids(session, user.id)
