"""The access matrix's per-domain parts: one module per domain, found by name.

Each module defines ``ROUTES: dict[str, list[Case]]`` (path template → cases, as in
:data:`tests.web.test_access_matrix.MATRIX`) and may define ``seed(engine, world)``,
called after the core world is seeded, to add the domain's records (their ids go into
``world.extra``). Modules are loaded in name order.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

from sqlalchemy import Engine

from tests.web._matrix import Case, World


def modules() -> list[ModuleType]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return [import_module(f"{__name__}.{n}") for n in names]


def routes(core: dict[str, list[Case]]) -> dict[str, list[Case]]:
    """The core matrix with every part's routes added; a route declared twice is an error."""
    merged = dict(core)
    for module in modules():
        for template, cases in getattr(module, "ROUTES", {}).items():
            if template in merged:
                raise AssertionError(f"{module.__name__} declares {template} a second time")
            merged[template] = cases
    return merged


def seed(engine: Engine, world: World) -> None:
    for module in modules():
        if hasattr(module, "seed"):
            module.seed(engine, world)
