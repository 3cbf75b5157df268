"""A small per-process cache of computed page data, keyed by the store's data version.

Scores of 1,000 cities take seconds to compute; a page must answer in milliseconds.
Every entry is stored with the *data version* — a cheap fingerprint of the tables the
pages read (largest ids and row counts, which grow on every import, correction or
edit) — and is recomputed when that version changes. Each worker process keeps its
own cache; nothing is shared or written to disk.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.store.models import (
    Benchmark,
    BenchmarkSet,
    City,
    CityTypology,
    HexLayer,
    ImportBatch,
    Indicator,
    Observation,
    Target,
)

T = TypeVar("T")

_VERSION_TTL_S = 1.0  # how long a looked-up version is trusted within one process


class PageCache:
    """LRU cache ``key -> (data version, value)``; thread-safe."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._version_at = 0.0

    def data_version(self, session: Session) -> tuple[Any, ...]:
        """The store's data version (looked up at most once a second per process)."""
        now = time.monotonic()
        if self._version is not None and now - self._version_at < _VERSION_TTL_S:
            return self._version
        parts: list[Any] = []
        for model in (
            Observation,
            ImportBatch,
            City,
            CityTypology,
            Indicator,
            Target,
            BenchmarkSet,
            Benchmark,
            HexLayer,
        ):
            parts.append(session.execute(select(func.max(model.id))).scalar())
        parts.append(session.execute(select(func.count()).select_from(City)).scalar())
        parts.append(session.execute(select(func.count()).select_from(Target)).scalar())
        parts.append(
            session.execute(
                select(func.count()).select_from(Observation).where(Observation.is_current)
            ).scalar()
            if parts[0] is not None and parts[0] < 200_000
            else parts[0]
        )
        self._version = tuple(parts)
        self._version_at = now
        return self._version

    def invalidate(self) -> None:
        """Forget the version (call after this process changed the data)."""
        self._version = None

    def get_or_compute(self, session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        version = self.data_version(session)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version:
                self._items.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._items[key] = (version, value)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
        self._version = None
