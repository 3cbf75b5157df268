"""Helpers of the browser tests and the web benchmark: server, Chromium, axe-core."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SDGCITIES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
REQUIRE = os.environ.get("SDGCITIES_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"SDGCITIES_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(port: int) -> list[str]:
    """One uvicorn process serving ``create_app`` on loopback ``port``, warnings only."""
    app = ["--factory", "sdgcities.web.app:create_app"]
    where = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return [sys.executable, "-m", "uvicorn", *app, *where]


def start_server(
    db_url: str, data_dir: Path, *, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving ``create_app`` over the store at ``db_url``; returns (process, base URL)."""
    port = free_port()
    env = dict(
        os.environ, DATABASE_URL=db_url, SDGCITIES_DATA_DIR=str(data_dir), SDGCITIES_TILE_URL=""
    )
    if workers > 1:  # as users run it: `sdgcities serve`, a listening socket per worker
        log = open(data_dir / "server.log", "ab")  # noqa: SIM115 - the server's lifetime
        command = ["serve", "--port", str(port), "--workers", str(workers)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "sdgcities", *command],
            env=env,
            cwd=str(data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    else:
        proc = subprocess.Popen(uvicorn_command(port), env=env, cwd=str(data_dir))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the web server did not start within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core in ``page``; the serious and critical violations, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: a <script> tag would be refused by the
        # pages' Content-Security-Policy (no inline script), which is what we want
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    return [
        f"{v['impact']}: {v['id']} — {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in impacts
    ]
