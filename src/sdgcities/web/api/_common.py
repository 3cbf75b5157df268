"""Plumbing shared by the API routers: pagination, safe query strings, visibility."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from sdgcities.accounts import permissions
from sdgcities.store.models import City, User
from sdgcities.web.api._schemas import Page
from sdgcities.web.auth import current_user
from sdgcities.web.deps import DbSession as DbSession  # the one session alias

T = TypeVar("T")

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000
#: printable text without NUL (PostgreSQL refuses NUL in text; nobody means it)
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"

OptionalUser = Annotated[User | None, Depends(current_user)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")]


def text_query(description: str, *, max_length: int = 200) -> Any:
    """A ``Query`` for a free-text filter (bounded, no control characters)."""
    return Query(default=None, max_length=max_length, pattern=TEXT_PATTERN, description=description)


def page(request: Request, items: Sequence[T], *, total: int, limit: int, offset: int) -> Page[T]:
    """The pagination envelope, with the URL of the next page when there is one."""
    nxt = None
    if offset + len(items) < total and items:
        nxt = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    # unparametrised: ``Page[T]`` built a pydantic submodel per call; the route's
    # response_model (``Page[CityOut]`` …) validates and documents the items
    return Page(items=list(items), total=total, limit=limit, offset=offset, next=nxt)


def page_response(
    request: Request,
    model: type[BaseModel],
    items: Sequence[BaseModel],
    *,
    total: int,
    limit: int,
    offset: int,
) -> Response:
    """:func:`page` of ``model`` items, serialised here: the response itself.

    For the busiest lists: returned as a response, the page is not validated a second
    time against the route's ``response_model`` (which still documents it), a step
    FastAPI runs in another trip to the thread pool. Serialised as ``Page[model]``, so
    only ``model``'s fields go out, as the ``response_model`` would let through, even
    for an item of a richer subclass.
    """
    envelope = page(request, items, total=total, limit=limit, offset=offset)
    typed = Page[model].model_construct(**dict(envelope))  # type: ignore[valid-type]
    return Response(typed.model_dump_json(), media_type="application/json")


def get_city_or_404(session: Session, key: str | int) -> City:
    """The city by slug, id or name (NotFoundError → 404 with suggestions)."""
    from sdgcities.cities.service import get_city

    city: City = get_city(session, key)
    return city


def published_only_for(user: User | None, city_id: int, session: Session) -> bool:
    """True unless ``user`` may see this city's draft values."""
    return not permissions.can_see_drafts(user, city_id, session)
