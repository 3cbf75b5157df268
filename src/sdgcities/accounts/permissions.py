"""Who may see and change what.

======================  ==================================================================
role                    may
======================  ==================================================================
admin                   everything, including accounts; publish at once (audited)
global_hub              see drafts of every city; review every city; publish at once
regional_hub            see drafts of, and review, the cities its hubs serve
                        (:class:`~sdgcities.store.models.HubMember` →
                        :class:`~sdgcities.store.models.HubCity`)
city_editor             see drafts of, add or correct values for, and submit for review,
                        its granted cities
investor, learner       see published data
public (anonymous)      see published data
======================  ==================================================================

:func:`draft_city_ids` is the single answer to "whose drafts may this reader see";
:func:`reviewable_city_ids` to "whose submissions may this reader publish or return".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.accounts.users import user_city_ids
from sdgcities.store.models import HubCity, HubMember, User

HUB_ROLES = ("global_hub", "regional_hub")
#: roles that may publish without review (e.g. the UN-Habitat database, the demo)
PUBLISHER_ROLES = ("admin", "global_hub")


def _active(user: User | None) -> bool:
    return user is not None and user.active


def hub_city_ids(session: Session, user_id: int) -> set[int]:
    """The cities served by the hubs whose staff ``user_id`` is on."""
    return set(
        session.scalars(
            select(HubCity.city_id)
            .join(HubMember, HubMember.hub_id == HubCity.hub_id)
            .where(HubMember.user_id == user_id)
        )
    )


def can_edit_city(user: User | None, city_id: int, session: Session) -> bool:
    """Whether ``user`` may add or correct values of the city ``city_id``."""
    ids = editable_city_ids(user, session)
    return ids is None or city_id in ids


def editable_city_ids(user: User | None, session: Session) -> set[int] | None:
    """The cities ``user`` may edit: None means all (admin), an empty set none."""
    if user is None or not _active(user):
        return set()
    if user.role == "admin":
        return None
    if user.role == "city_editor":
        return user_city_ids(session, user.id)
    return set()


def reviewable_city_ids(user: User | None, session: Session) -> set[int] | None:
    """The cities whose submissions ``user`` may publish or return: None means all."""
    if user is None or not _active(user):
        return set()
    if user.role in ("admin", "global_hub"):
        return None
    if user.role == "regional_hub":
        return hub_city_ids(session, user.id)
    return set()


def can_review(user: User | None, city_id: int, session: Session) -> bool:
    ids = reviewable_city_ids(user, session)
    return ids is None or city_id in ids


def can_publish_directly(user: User | None) -> bool:
    """Whether ``user`` may publish values without review (audited all the same)."""
    return user is not None and _active(user) and user.role in PUBLISHER_ROLES


def draft_city_ids(user: User | None, session: Session) -> set[int] | None:
    """The cities whose draft values (and editors' e-mails) ``user`` may see: None = all.

    A city's editors, the hub that reviews it, the global hub and admins.
    """
    editable = editable_city_ids(user, session)
    reviewable = reviewable_city_ids(user, session)
    if editable is None or reviewable is None:
        return None
    return editable | reviewable


def can_see_drafts(user: User | None, city_id: int, session: Session) -> bool:
    ids = draft_city_ids(user, session)
    return ids is None or city_id in ids


def is_staff(user: User | None, session: Session) -> bool:
    """Whether ``user`` may see some city's drafts (and so staff details such as e-mails)."""
    return draft_city_ids(user, session) != set()
