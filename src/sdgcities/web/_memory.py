"""Memory allocators of a long-running web process: resident memory that stays flat.

pandas 3 keeps text columns in Arrow arrays (``ArrowStringArray``), so every page that
builds a DataFrame allocates through pyarrow's default memory pool — *mimalloc* in the
pyarrow wheels. mimalloc reserves a 1 GiB region and gives each thread its own heap;
pages freed by a thread stay with that heap until the same thread allocates again.
Under uvicorn, requests run in a pool of up to 40 worker threads, each touching the
Arrow heap now and then, so the pages retained by idle threads add up. In
``bench/soak_web.py`` (50 clients for 10 minutes, pages and API mixed) the resident part
of that region grew from 76 to 109 MiB between 90 s and 230 s of load while the memory
Python itself traced stayed flat (``--trace``: tracemalloc, page-cache and
statement-cache sizes all constant); the server settled near 480–500 MiB after ~3
minutes. With the settings below it settles at ~360 MiB within ~100 s and stays there
(``--untuned`` runs the comparison).

:func:`tune_for_server` makes Arrow allocate from the *system* pool (glibc ``malloc``),
whose freed memory any thread reuses, and caps glibc's per-thread arenas at
:data:`ARENA_MAX` so that memory freed in one thread is reused by the others rather than
held in a private arena. Both are documented settings of the libraries themselves:
Arrow's ``ARROW_DEFAULT_MEMORY_POOL=system`` / ``pyarrow.set_memory_pool``
(https://arrow.apache.org/docs/cpp/env_vars.html) and glibc's ``M_ARENA_MAX`` /
``MALLOC_ARENA_MAX`` (``mallopt(3)``). A value the operator set in the environment is
kept: ``ARROW_DEFAULT_MEMORY_POOL=mimalloc`` or ``MALLOC_ARENA_MAX=8`` wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

logger = logging.getLogger(__name__)

#: glibc arenas a server process may use (its default is 8 per core)
ARENA_MAX = 2
#: ``M_ARENA_MAX`` of glibc's ``<malloc.h>``
_M_ARENA_MAX = -8


def tune_for_server() -> list[str]:
    """Apply the allocator settings above to this process; the ones applied, as text.

    Idempotent, and harmless where a piece is missing (no pyarrow, not glibc).
    """
    done: list[str] = []
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pyarrow is a dependency of the platform
            pass
        else:
            if pa.default_memory_pool().backend_name != "system":
                pa.set_memory_pool(pa.system_memory_pool())
                done.append("Arrow memory pool: system")
    if not os.environ.get("MALLOC_ARENA_MAX") and _mallopt(_M_ARENA_MAX, ARENA_MAX):
        done.append(f"glibc M_ARENA_MAX: {ARENA_MAX}")
    if done:
        logger.debug("allocator settings for the server: %s", "; ".join(done))
    return done


def _mallopt(param: int, value: int) -> bool:
    """glibc's ``mallopt(param, value)``; False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(param, value))


#: the collector's thresholds for a server process (CPython's default is 700, 10, 10)
GC_THRESHOLDS = (10_000, 20, 10)


def tune_collector() -> None:
    """Fewer, shorter pauses of Python's cyclic garbage collector in a server process.

    Measured in ``bench/bench_network_reports.py`` (20 clients, pages served in ~3 ms):
    full (generation-2) collections stopped a worker for 220–380 ms each, some twenty
    times a run — they *were* the p95 (300–390 ms against p50 60–90 ms). Two documented
    remedies of the ``gc`` module: :func:`gc.freeze` once the app is built moves
    everything that lives for the whole process (modules, routes, templates, metadata)
    to a permanent generation that collections no longer scan; and a higher first
    threshold makes young collections rarer, so fewer objects are promoted to be scanned
    again. Cyclic garbage is still collected.
    """
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    gc.collect()
    gc.freeze()
