"""A small per-process cache of computed page data, keyed by the store's data version.

Scores of 1,000 cities take seconds to compute; a page must answer in milliseconds.
Every entry is stored with the *data version* — a cheap fingerprint of the tables the
pages read (largest ids and row counts, which grow on every import, correction or
edit) — and is recomputed when that version changes. Each worker process keeps its
own cache; nothing is shared or written to disk.

``SDGCITIES_PAGE_CACHE=off`` (or ``0``/``false``/``no``) switches every page cache off —
this one and the anonymous-response cache built on it — so that measurements and
debugging see the real cost of each page (scores themselves are stored in the database,
``sdgcities.assessment.stored``, and need no cache to be fast).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.review.models import ReviewLogEntry
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
#: an entry is recomputed after this many seconds even if the version did not change
#: (bounds the staleness after in-place edits that leave ids and counts unchanged)
MAX_AGE_S = 60.0


def page_cache_enabled() -> bool:
    """False when ``SDGCITIES_PAGE_CACHE`` is ``off``, ``0``, ``false`` or ``no``."""
    value = os.environ.get("SDGCITIES_PAGE_CACHE", "on").strip().lower()
    return value not in ("off", "0", "false", "no")


class PageCache:
    """LRU cache ``key -> (data version, value)``; thread-safe.

    ``enabled=False`` (default: :func:`page_cache_enabled`) computes every value afresh.
    """

    def __init__(self, maxsize: int = 512, *, enabled: bool | None = None) -> None:
        self.maxsize = maxsize
        self.enabled = page_cache_enabled() if enabled is None else enabled
        self._items: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Any, float]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._version_at = 0.0

    def data_version(self, session: Session) -> tuple[Any, ...]:
        """The store's data version (looked up at most once a second per process)."""
        now = time.monotonic()
        current = self._version
        if current is not None and now - self._version_at < _VERSION_TTL_S:
            return current
        if current is None:
            return self._read_version(session, now)
        if not self._refreshing.acquire(blocking=False):
            return current  # another thread is reading it: use the last one meanwhile
        try:
            return self._read_version(session, now)
        finally:
            self._refreshing.release()

    def _read_version(self, session: Session, now: float) -> tuple[Any, ...]:
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
        # publishing changes no id above but always appends to the review log
        parts.append(session.execute(select(func.max(ReviewLogEntry.id))).scalar())
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

    def fresh_version(self) -> tuple[Any, ...] | None:
        """The version looked up less than a second ago, or None (then ask the store)."""
        if self._version is not None and time.monotonic() - self._version_at < _VERSION_TTL_S:
            return self._version
        return None

    def peek(self, key: tuple[Any, ...], version: tuple[Any, ...]) -> Any | None:
        """The cached value of ``key`` if it was computed for ``version``, else None."""
        if not self.enabled:
            return None
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version and time.monotonic() - hit[2] < MAX_AGE_S:
                self._items.move_to_end(key)
                return hit[1]
        return None

    def invalidate(self) -> None:
        """Forget the version (call after this process changed the data)."""
        self._version = None

    def get_or_compute(self, session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        if not self.enabled:
            return compute()
        version = self.data_version(session)
        hit = self.peek(key, version)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        value = compute()
        self.put(key, version, value)
        return value

    def put(self, key: tuple[Any, ...], version: tuple[Any, ...], value: Any) -> None:
        """Keep ``value`` for ``key``, computed from the data at ``version``."""
        if not self.enabled:
            return
        with self._lock:
            self._items[key] = (version, value, time.monotonic())
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def drop_kinds(self, kinds: tuple[str, ...]) -> None:
        """Forget the entries whose key starts with one of ``kinds``, and the version."""
        with self._lock:
            for key in [k for k in self._items if k and k[0] in kinds]:
                del self._items[key]
        self._version = None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
        self._version = None


class AnonymousPageMiddleware:
    """Answers anonymous ``GET`` requests from the page cache without entering the app.

    Applies to paths under ``prefixes`` (query strings allowed only under
    ``query_prefixes``), and only when the request has no session cookie and no
    ``Authorization`` header — nothing personal can be in such a response. A miss goes
    through the app; a ``200`` answer without ``Set-Cookie`` (and under 5 MB) is kept for
    the data version read *before* it was computed, so a change is never hidden.
    """

    MAX_BODY = 5 * 1024 * 1024
    SKIP_HEADERS = frozenset({b"set-cookie", b"date", b"server", b"content-length"})

    def __init__(
        self,
        app: Any,
        *,
        cache: PageCache,
        engine: Callable[[], Any],
        prefixes: tuple[str, ...],
        query_prefixes: tuple[str, ...] = (),
        session_cookie: str,
    ) -> None:
        self.app = app
        self.cache = cache
        self.engine = engine
        self.prefixes = prefixes
        self.query_prefixes = query_prefixes
        self.session_cookie = session_cookie.encode()

    def _key(self, scope: Any) -> tuple[Any, ...] | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        query: bytes = scope.get("query_string") or b""
        if not path.startswith(self.prefixes) or (
            query and not path.startswith(self.query_prefixes)
        ):
            return None
        headers = dict(scope.get("headers") or [])
        if b"authorization" in headers or self.session_cookie in headers.get(b"cookie", b""):
            return None
        lang = scope.get("state", {}).get("lang", "en")
        return ("resp", path, query, headers.get(b"host", b""), lang, b"hx-request" in headers)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        key = self._key(scope) if self.cache.enabled else None
        if key is None:
            await self.app(scope, receive, send)
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                # a write in this process: forget whole responses at once (other workers
                # see the new data version within a second, or the entry's maximum age)
                self.cache.drop_kinds(("resp", "page"))
            return
        version = self.cache.fresh_version()
        if version is None:
            import anyio

            version = await anyio.to_thread.run_sync(self._version)
        hit = self.cache.peek(key, version)
        if hit is not None:
            headers, body = hit
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Any) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= self.MAX_BODY:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if not message.get("more_body", False):
                    self._store(key, version, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _store(
        self, key: tuple[Any, ...], version: tuple[Any, ...], start: dict[str, Any], body: bytes
    ) -> None:
        headers = list(start.get("headers") or [])
        if start.get("status") != 200 or len(body) > self.MAX_BODY:
            return
        if any(name.lower() == b"set-cookie" for name, _ in headers):
            return
        kept = [(n, v) for n, v in headers if n.lower() not in self.SKIP_HEADERS]
        self.cache.put(key, version, (kept, body))

    def _version(self) -> tuple[Any, ...]:
        from sdgcities.store.db import session_factory

        with session_factory(self.engine())() as session:
            return self.cache.data_version(session)
