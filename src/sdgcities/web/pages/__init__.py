"""The server-rendered pages (Jinja2 + HTMX); each module is one area of the site."""

from __future__ import annotations

from fastapi import APIRouter

from sdgcities.web.pages import (
    admin,
    capacity,
    city,
    compare,
    data,
    home,
    indicators,
    review,
    servicedesk,
)
from sdgcities.web.pages import notifications as notification_pages
from sdgcities.web.pages import partners as partner_pages
from sdgcities.web.pages import revenue as revenue_pages


def pages_router() -> APIRouter:
    """All page routes in one router."""
    router = APIRouter(include_in_schema=False)
    for module in (
        home,
        city,
        compare,
        indicators,
        data,
        admin,
        servicedesk,
        capacity,
        review,
        revenue_pages,
        partner_pages,
        notification_pages,
    ):
        router.include_router(module.router)
    return router
