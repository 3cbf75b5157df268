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
    learning,
    revenue_entry,
    review,
    servicedesk,
)
from sdgcities.web.pages import certification as certification_pages
from sdgcities.web.pages import institutions as institutions_pages
from sdgcities.web.pages import investment as investment_pages
from sdgcities.web.pages import network as network_pages
from sdgcities.web.pages import notifications as notification_pages
from sdgcities.web.pages import partners as partner_pages
from sdgcities.web.pages import planning as planning_pages
from sdgcities.web.pages import profiling as profiling_pages
from sdgcities.web.pages import programmes as programmes_pages
from sdgcities.web.pages import reporting as reporting_pages
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
        profiling_pages,
        learning,
        network_pages,
        certification_pages,
        reporting_pages,
        investment_pages,
        planning_pages,
        institutions_pages,
        revenue_entry,
        programmes_pages,
        partner_pages,
        notification_pages,
    ):
        router.include_router(module.router)
    return router
