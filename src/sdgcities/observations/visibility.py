"""Which version of a value each reader sees.

Every key (city, indicator, year, disaggregation) has up to two versions that matter:

- the **current** version (``is_current``): the newest, which may be a ``draft``;
- the **public** version (``is_public``): the newest ``published`` version.

The public, and everyone without draft rights for a city, sees only public versions:
a draft correction leaves the published value in public view until the correction is
itself published. A reader with draft rights for a city (its editors, the hub that
reviews it, admins: :func:`sdgcities.accounts.permissions.draft_city_ids`) sees the
current versions of that city and the public versions of every other city — so peer
medians and derived bounds never include another city's drafts.

The invariant "at most one public version per key" is kept by every write path
through :func:`retire_public` (before a published version is inserted) and
:func:`make_public` (when a draft is published).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased

from sdgcities.store.models import Observation

__all__ = [
    "make_public",
    "make_public_many",
    "public_only",
    "retire_public",
    "visible",
    "visible_layers",
]


def public_only() -> ColumnElement[bool]:
    """The versions the public sees."""
    return Observation.is_public.is_(True)


#: the draft cities of :func:`visible_shape`'s condition, bound when the statement runs
DRAFT_IDS = "visible_draft_ids"


def visible_shape(draft_cities: Collection[int] | None) -> tuple[str, dict[str, Any]]:
    """(shape, parameters) of :func:`visible_prebuilt` for ``draft_cities``.

    For statements built once and run many times: the shape names the condition,
    the parameters hold the draft cities (``all``, ``public`` need none).
    """
    if draft_cities is None:
        return "all", {}
    if not draft_cities:
        return "public", {}
    return "drafts", {DRAFT_IDS: sorted(draft_cities)}


#: the draft cities of a condition: bound when the statement runs, or the ids themselves
_Ids = BindParameter[list[int]] | list[int]


def _draft_ids() -> BindParameter[list[int]]:
    return bindparam(DRAFT_IDS, expanding=True)


def visible_prebuilt(shape: str, ids: _Ids | None = None) -> ColumnElement[bool]:
    """:func:`visible` of a :func:`visible_shape`, its draft cities a bound parameter
    (or ``ids``)."""
    if shape == "all":
        return Observation.is_current.is_(True)
    if shape == "public":
        return public_only()
    ids = _draft_ids() if ids is None else ids
    return or_(
        and_(Observation.city_id.in_(ids), Observation.is_current.is_(True)),
        and_(Observation.city_id.not_in(ids), Observation.is_public.is_(True)),
    )


def visible(draft_cities: Collection[int] | None) -> ColumnElement[bool]:
    """The versions seen by a reader with draft rights for ``draft_cities``.

    ``None`` means every city (current versions everywhere), an empty collection none
    (public versions only). Use as a ``WHERE`` clause on :class:`Observation`.
    """
    shape, _ = visible_shape(draft_cities)
    return visible_prebuilt(shape, sorted(draft_cities or ()))


def retire_public(
    session: Session, city_id: int, indicator_id: int, year: int, disaggregation: str
) -> None:
    """Clear ``is_public`` on the key's versions, before a newer published one is added."""
    session.execute(
        update(Observation)
        .where(
            Observation.city_id == city_id,
            Observation.indicator_id == indicator_id,
            Observation.year == year,
            Observation.disaggregation == disaggregation,
            Observation.is_public.is_(True),
        )
        .values(is_public=false())
        .execution_options(synchronize_session="fetch")
    )


def make_public(session: Session, observation: Observation) -> None:
    """Publish ``observation``: it becomes its key's public version (flushes)."""
    retire_public(
        session,
        observation.city_id,
        observation.indicator_id,
        observation.year,
        observation.disaggregation,
    )
    observation.status = "published"
    observation.is_public = True
    session.flush()


def make_public_many(session: Session, ids: Collection[int], *, chunk: int = 2000) -> None:
    """Publish the versions ``ids`` at once (set-based; at most one per key, flushes).

    The same as :func:`make_public` for each, in two statements per ``chunk`` ids: the
    public versions of their keys are retired, then they become public and published.
    """
    session.flush()
    todo = sorted(set(ids))
    new = aliased(Observation)
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        cities, indicators = zip(
            *session.execute(
                select(Observation.city_id, Observation.indicator_id)
                .where(Observation.id.in_(part))
                .distinct()
            ),
            strict=True,
        )
        same_key = exists().where(
            new.id.in_(part),
            new.city_id == Observation.city_id,
            new.indicator_id == Observation.indicator_id,
            new.year == Observation.year,
            new.disaggregation == Observation.disaggregation,
        )
        session.execute(
            update(Observation)
            .where(
                Observation.city_id.in_(sorted(set(cities))),  # the public-version index
                Observation.indicator_id.in_(sorted(set(indicators))),
                Observation.is_public.is_(True),
                same_key,
            )
            .values(is_public=false())
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Observation)
            .where(Observation.id.in_(part))
            .values(is_public=true(), status="published")
            .execution_options(synchronize_session=False)
        )
    session.expire_all()


def visible_layers(draft_cities: Collection[int] | None) -> ColumnElement[bool]:
    """The hex layers a reader with draft rights for ``draft_cities`` sees.

    A hex layer shows where a value's people are; it is public once its city has a public
    value of the layer's indicator, and always seen by those with draft rights for the
    city (its editors, its hub, admins). Use as a ``WHERE`` clause on ``HexLayer``.
    """
    shape, _ = visible_shape(draft_cities)
    return visible_layers_prebuilt(shape, sorted(draft_cities or ()))


def visible_layers_prebuilt(shape: str, ids: _Ids | None = None) -> ColumnElement[bool]:
    """:func:`visible_layers` of a :func:`visible_shape`, its draft cities bound (or
    ``ids``)."""
    from sdgcities.store.models import HexLayer

    if shape == "all":
        return true()
    if shape == "public":
        return _public_layer()
    return or_(HexLayer.city_id.in_(_draft_ids() if ids is None else ids), _public_layer())


def _public_layer() -> ColumnElement[bool]:
    """The layer's city has a public value of the layer's indicator."""
    from sdgcities.store.models import HexLayer, Indicator

    return (
        select(Observation.id)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(
            Observation.city_id == HexLayer.city_id,
            Observation.is_public.is_(True),
            Indicator.code == HexLayer.indicator_code,
        )
        .correlate(HexLayer)
        .exists()
    )
