"""Find a record by its id or its slug, with an error that names the known ones."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import NotFoundError

T = TypeVar("T")


def by_id_or_slug(session: Session, model: type[T], key: str | int, *, what: str, hint: str) -> T:
    """The ``model`` row whose id (a number) or ``slug`` (case-insensitive) is ``key``.

    Otherwise a :class:`NotFoundError` naming up to 20 known slugs and ``hint`` (how to
    add one), e.g. ``no hub 'x'; known hubs: lake (create one with …)``.
    """
    found: T | None = None
    if isinstance(key, int) or str(key).isdigit():
        found = session.get(model, int(key))
    slug: Any = model.slug  # type: ignore[attr-defined]
    if found is None:
        found = session.scalar(select(model).where(slug == str(key).strip().lower()))
    if found is None:
        known = ", ".join(session.scalars(select(slug).order_by(slug).limit(20)))
        raise NotFoundError(f"no {what} {key!r}; known {what}s: {known or 'none'} ({hint})")
    return found
