"""Every domain's store models, so that ``Base.metadata`` describes the whole store.

The core tables live in :mod:`sdgcities.store.models`; each domain package
(``capacity``, ``planning`` …) keeps its own ``models`` module on the same ``Base`` and
lists it here. Alembic and the drift test load them through :func:`load_all`.
"""

from __future__ import annotations

from importlib import import_module

from sqlalchemy import MetaData

#: the modules that define store tables, core first
MODEL_MODULES: tuple[str, ...] = (
    "sdgcities.store.models",
    "sdgcities.accounts.models",
    "sdgcities.servicedesk.models",
    "sdgcities.capacity.models",
    "sdgcities.review.models",
    "sdgcities.revenue.models",
    "sdgcities.investment.models",
    "sdgcities.reporting.models",
    "sdgcities.profiling.models",
    "sdgcities.learning.models",
    "sdgcities.network.models",
    "sdgcities.certification.models",
    "sdgcities.planning.models",
    "sdgcities.institutions.models",
    "sdgcities.programmes.models",
    "sdgcities.notifications.models",
)


def load_all() -> MetaData:
    """Import every model module and return the complete metadata."""
    from sdgcities.store.models import Base

    for name in MODEL_MODULES:
        import_module(name)
    return Base.metadata
