"""``sdgcities.web._memory``: the allocator settings every web process gets.

Each case runs in a fresh interpreter: the pool and the arena limit are process-wide, and
what matters is what a new server process ends up with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: pandas text columns, built in 16 threads, then the pool and the glibc arenas in use
_PROBE = """
import json, sys, threading
import pandas as pd, pyarrow as pa
{setup}
def work():
    for _ in range(20):
        pd.Series([str(i) for i in range(2000)]).str.upper()
threads = [threading.Thread(target=work) for _ in range(16)]
[t.start() for t in threads]; [t.join() for t in threads]
# glibc's own count of its arenas: malloc_info(3) writes one <heap nr=...> per arena
import ctypes, ctypes.util, os, tempfile
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
fd, path = tempfile.mkstemp(suffix=".xml"); os.close(fd)
fp = libc.fopen(path.encode(), b"w"); libc.malloc_info(0, fp); libc.fclose(fp)
arenas = open(path).read().count("<heap nr=")
os.unlink(path)
print(json.dumps({{"pool": pa.default_memory_pool().backend_name, "arenas": arenas,
                   "result": result}}))
"""


def _run(
    setup: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict[str, object]:
    unset = ("ARROW_DEFAULT_MEMORY_POOL", "MALLOC_ARENA_MAX")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(setup=setup)],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


linux_glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc's arenas are counted with its malloc_info (Linux with glibc)",
)


@linux_glibc
def test_tuned_process_uses_system_pool_and_two_arenas() -> None:
    tuned = _run("from sdgcities.web._memory import tune_for_server\nresult = tune_for_server()")
    assert tuned["result"] == ["Arrow memory pool: system", "glibc M_ARENA_MAX: 2"]
    assert tuned["pool"] == "system"
    assert 1 <= tuned["arenas"] <= 2  # the main arena and at most one more
    # the same work without the settings: mimalloc, and glibc's many arenas
    plain = _run("result = []")
    assert plain["pool"] == "mimalloc"
    assert plain["arenas"] > tuned["arenas"]


def test_settings_from_the_environment_win() -> None:
    kept = _run(
        "from sdgcities.web._memory import tune_for_server\nresult = tune_for_server()",
        env={"ARROW_DEFAULT_MEMORY_POOL": "mimalloc", "MALLOC_ARENA_MAX": "8"},
    )
    assert kept["result"] == []
    assert kept["pool"] == "mimalloc"


def test_create_app_applies_them(tmp_path: Path) -> None:
    served = _run(
        "from sdgcities.web.app import create_app\ncreate_app()\nresult = None",
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
            "SDGCITIES_DATA_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert served["pool"] == "system"


def test_a_served_app_freezes_its_heap_and_collects_less_often(tmp_path: Path) -> None:
    """Once the server starts the app (its lifespan): thresholds raised, heap frozen.

    Short pauses come from the collector scanning fewer objects: a full collection in
    the served process must scan fewer objects than the whole heap at start-up.
    """
    probe = (
        "import gc, json\n"
        "from fastapi.testclient import TestClient\n"
        "from sdgcities.web.app import create_app\n"
        "from sdgcities.web._memory import GC_THRESHOLDS\n"
        "app = create_app()\n"
        "before = (gc.get_threshold(), gc.get_freeze_count())\n"
        "with TestClient(app) as c:\n"
        "    ok = c.get('/').status_code\n"
        "    after = (gc.get_threshold(), gc.get_freeze_count())\n"
        "    scanned = len(gc.get_objects())\n"
        "print(json.dumps({'before': before, 'after': after, 'scanned': scanned,\n"
        "                  'ok': ok, 'want': GC_THRESHOLDS}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
            "SDGCITIES_DATA_DIR": str(tmp_path),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["ok"] == 200
    assert got["before"][0] == [700, 10, 10]  # CPython's default until the app is served
    assert got["before"][1] == 0
    assert got["after"][0] == list(got["want"])
    frozen = got["after"][1]
    assert frozen > 50_000  # modules, routes, metadata: out of every scan
    assert got["scanned"] < frozen  # what a full collection still scans
