"""Who may see and change what.

======================  ==================================================================
role                    may
======================  ==================================================================
admin                   everything, including accounts
global_hub              see drafts of every city; review
regional_hub            see drafts of the cities in its ``region`` (SDG region); review
city_editor             see drafts of, and add or correct values for, its granted cities
investor, learner       see published data
public (anonymous)      see published data
======================  ==================================================================
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.accounts.users import user_city_ids
from sdgcities.store.models import City, User

HUB_ROLES = ("global_hub", "regional_hub")


def can_edit_city(user: User | None, city_id: int, session: Session) -> bool:
    """Whether ``user`` may add or correct values of the city ``city_id``."""
    if user is None or not user.active:
        return False
    if user.role == "admin":
        return True
    if user.role == "city_editor":
        return city_id in user_city_ids(session, user.id)
    return False


def editable_city_ids(user: User | None, session: Session) -> set[int] | None:
    """The cities ``user`` may edit: None means all (admin), an empty set none."""
    if user is None or not user.active:
        return set()
    if user.role == "admin":
        return None
    if user.role == "city_editor":
        return user_city_ids(session, user.id)
    return set()


def draft_city_ids(user: User | None, session: Session) -> set[int] | None:
    """The cities whose draft values ``user`` may see: None means all."""
    if user is None or not user.active:
        return set()
    if user.role in ("admin", "global_hub"):
        return None
    if user.role == "regional_hub":
        if not user.region:
            return set()
        return set(session.scalars(select(City.id).where(City.sdg_region == user.region)))
    if user.role == "city_editor":
        return user_city_ids(session, user.id)
    return set()


def can_see_drafts(user: User | None, city_id: int, session: Session) -> bool:
    ids = draft_city_ids(user, session)
    return ids is None or city_id in ids
