"""The JSON API (mounted at ``/api/v1`` by :func:`sdgcities.web.app.create_app`).

Thin adapters over the same service functions as the CLI: cities, indicators,
observations (read; add or correct), scores and challenges, hex layers, exports, and
the account behind the request. Errors have one shape (:mod:`sdgcities.web.errors`);
lists share one pagination envelope (``items``, ``total``, ``limit``, ``offset``, ``next``).
"""

from __future__ import annotations

from sdgcities.web._routing import PrefixRouter
from sdgcities.web.api import capacity as capacity_api
from sdgcities.web.api import certification as certification_api
from sdgcities.web.api import (
    cities,
    exports,
    indicators,
    layers,
    learning,
    me,
    observations,
    review,
    scores,
    servicedesk,
)
from sdgcities.web.api import investment as investment_api
from sdgcities.web.api import network as network_api
from sdgcities.web.api import notifications as notifications_api
from sdgcities.web.api import planning as planning_api
from sdgcities.web.api import profiling as profiling_api
from sdgcities.web.api import programmes as programmes_api
from sdgcities.web.api import revenue as revenue_api
from sdgcities.web.errors import ERROR_RESPONSES

#: where the API is served; a page request is not matched against its routes
router = PrefixRouter("/api/v1", responses=ERROR_RESPONSES)
for _module in (
    cities,
    scores,
    layers,
    indicators,
    observations,
    exports,
    me,
    servicedesk,
    review,
    revenue_api,
    profiling_api,
    learning,
    network_api,
    certification_api,
    investment_api,
    planning_api,
    programmes_api,
    capacity_api,
    notifications_api,
):
    router.include_router(_module.router)
router.include_router(scores.benchmark_router)

__all__ = ["router"]
