"""Memory probe of the soak's web server, loaded only by ``bench/soak_web.py --trace DIR``.

The soak puts this folder first on the server's ``PYTHONPATH``, so Python imports it at
start-up (``sitecustomize``); it does nothing unless ``SDGCITIES_SOAK_TRACE`` names a
folder. Then a daemon thread waits for ``DIR/load-started`` (written by the soak when its
load begins, so start-up is not slowed by tracing), starts ``tracemalloc`` (6 frames) and,
every ``SDGCITIES_SOAK_TRACE_EVERY`` seconds (default 20), appends one JSON line to
``DIR/probe.jsonl`` — the wall-clock time, VmRSS (KiB), the bytes tracemalloc traces,
the sizes of the page caches (entries and bytes of kept responses) and the SQLAlchemy
statement caches — and writes a tracemalloc snapshot ``DIR/snap-<seconds>.pickle``.

RSS growing while traced bytes stay flat is the allocator holding freed memory
(fragmentation), not Python objects accumulating. The probe never walks the heap with
``gc.get_objects()``: from another thread that can hold a reference to a tuple being
resized and make a request fail. Never imported by the platform itself.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import tracemalloc
import weakref
from pathlib import Path
from typing import Any

#: the page caches and engines seen in use (recorded by the wrappers below)
_CACHES: weakref.WeakSet[Any] = weakref.WeakSet()
_ENGINES: weakref.WeakSet[Any] = weakref.WeakSet()


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _watch() -> None:
    """Record the live page caches and engines: wrap methods every request calls."""
    cache_mod = sys.modules.get("sdgcities.web._cache")
    if cache_mod is not None:
        cls = cache_mod.PageCache
        original = cls.data_version

        def data_version(self: Any, session: Any) -> Any:
            _CACHES.add(self)
            _ENGINES.add(session.get_bind())
            return original(self, session)

        cls.data_version = data_version


def _cache_sizes() -> dict[str, int]:
    out = {"page_cache_entries": 0, "page_cache_bytes": 0, "sqlalchemy_compiled": 0}
    for cache in list(_CACHES):
        items = list(cache._items.values())
        out["page_cache_entries"] += len(items)
        for _version, value, _at in items:
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes):
                out["page_cache_bytes"] += len(value[1])
    for engine in list(_ENGINES):
        compiled = getattr(engine, "_compiled_cache", None)
        out["sqlalchemy_compiled"] += len(compiled) if compiled is not None else 0
    return out


def _probe(folder: Path, every: float) -> None:
    while not (folder / "load-started").exists():
        time.sleep(0.2)
    _watch()
    tracemalloc.start(6)
    start = time.monotonic()
    with (folder / "probe.jsonl").open("a", encoding="utf-8") as out:
        while True:
            time.sleep(every)
            t = round(time.monotonic() - start)
            current, _peak = tracemalloc.get_traced_memory()
            line: dict[str, Any] = {
                "t": t,
                "wall": time.time(),
                "rss_kib": _rss_kib(),
                "traced": current,
                "caches": _cache_sizes(),
            }
            out.write(json.dumps(line) + "\n")
            out.flush()
            tracemalloc.take_snapshot().dump(str(folder / f"snap-{t:05d}.pickle"))


def _install() -> None:
    folder = os.environ.get("SDGCITIES_SOAK_TRACE")
    if not folder:
        return
    every = float(os.environ.get("SDGCITIES_SOAK_TRACE_EVERY", "20"))
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    threading.Thread(target=_probe, args=(path, every), daemon=True, name="soak-probe").start()


_install()
