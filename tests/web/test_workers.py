"""``sdgcities serve --workers N``: a listening socket per worker, connections spread."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
import pytest

from sdgcities.config import load_settings
from sdgcities.errors import ConfigurationError
from sdgcities.web import workers
from tests.browser._browser import free_port
from tests.web import _worker_targets

pytestmark = pytest.mark.skipif(
    not workers.reuseport_available(), reason="SO_REUSEPORT is Linux-only"
)


def _wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited while starting"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _workers_listening(proc: subprocess.Popen[bytes], port: int) -> list[psutil.Process]:
    """The server's processes listening on ``port``; a short-lived child that exits
    between being listed and being looked at (as some start-up helpers do) is none."""
    found = []
    for k in psutil.Process(proc.pid).children(recursive=True):
        try:
            connections = k.net_connections()
        except psutil.NoSuchProcess:
            continue
        if any(c.status == "LISTEN" and c.laddr.port == port for c in connections):
            found.append(k)
    return found


@contextmanager
def _serving_two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`sdgcities serve --workers 2` on a free port, both workers listening; killed after."""
    port = free_port()
    env = dict(
        os.environ,
        SDGCITIES_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
    )
    with open(tmp_path / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sdgcities", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, proc)
            deadline = time.monotonic() + 60
            while len(_workers_listening(proc, port)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            yield proc, port
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_each_worker_gets_connections_and_sigterm_stops_them_all(tmp_path: Path) -> None:
    with _serving_two_workers(tmp_path) as (proc, port):
        listening = _workers_listening(proc, port)
        assert len(listening) == 2, "each worker listens on a socket of its own"
        # 40 connections at once, as a burst of browsers: each worker accepts some (with
        # one shared socket, the first worker to wake takes them all)
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        try:
            for c in conns:
                c.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: t\r\n\r\n")
            for c in conns:
                assert c.recv(12).startswith(b"HTTP/1.1 200")
            per_worker = [
                sum(1 for c in w.net_connections() if c.status == "ESTABLISHED") for w in listening
            ]
        finally:
            for c in conns:
                c.close()
        assert sum(per_worker) == 40
        assert min(per_worker) > 0, per_worker
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        _gone, alive = psutil.wait_procs(listening, timeout=30)
        assert alive == [], "every worker stopped with the server"


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    """SIGKILL to the supervisor (it cannot pass anything on): its workers still stop."""
    with _serving_two_workers(tmp_path) as (proc, port):
        listening = _workers_listening(proc, port)
        assert len(listening) == 2
        proc.kill()
        proc.wait()
        _gone, alive = psutil.wait_procs(listening, timeout=30)
        assert alive == [], "no orphaned worker goes on serving"


def test_a_worker_that_cannot_start_stops_the_server() -> None:
    started = time.monotonic()
    code = workers.serve_workers(
        "127.0.0.1", free_port(), 2, {}, target=_worker_targets.fail_at_start
    )
    assert code == 1  # not restarted in a loop
    assert time.monotonic() - started < workers.STARTUP_GRACE_S + workers.STOP_TIMEOUT_S


def test_web_threads_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(tmp_path))
    assert load_settings().web_threads == 2
    monkeypatch.setenv("SDGCITIES_WEB_THREADS", "3")
    assert load_settings().web_threads == 3
    for bad in ("0", "2.5", "many"):
        monkeypatch.setenv("SDGCITIES_WEB_THREADS", bad)
        with pytest.raises(ConfigurationError, match="SDGCITIES_WEB_THREADS"):
            load_settings()


def test_at_most_web_threads_requests_are_inside_the_app_at_once(tmp_path: Path) -> None:
    """20 requests at once against a limit of 3: never more than 3 inside, none lost."""
    import asyncio

    import httpx

    from sdgcities.web._guard import ConcurrencyMiddleware

    inside = {"pages": 0, "static": 0}
    peak = {"pages": 0, "static": 0}

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        kind = "static" if str(scope["path"]).startswith("/static/") else "pages"
        inside[kind] += 1
        peak[kind] = max(peak[kind], inside[kind])
        await asyncio.sleep(0.01)
        inside[kind] -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    limited = ConcurrencyMiddleware(app, limit=3)  # type: ignore[arg-type]

    async def main() -> list[int]:
        transport = httpx.ASGITransport(app=limited)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            got = await asyncio.gather(*(c.get(f"/cities/{i}") for i in range(20)))
            static = await asyncio.gather(*(c.get("/static/x.css") for i in range(6)))
        return [r.status_code for r in [*got, *static]]

    # in a thread of its own: the test may run where an event loop is already running
    with ThreadPoolExecutor(1) as pool:
        codes = pool.submit(asyncio.run, main()).result(timeout=60)
    assert codes == [200] * 26
    assert peak == {"pages": 3, "static": 6}  # static files skip the queue


def test_a_request_frees_its_slot_when_its_response_starts() -> None:
    """Limit 1: while the first response's body is still being sent (a slow client), the
    next request computes; an app that fails frees its slot too."""
    import asyncio

    from sdgcities.web._guard import ConcurrencyMiddleware

    order: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        name = str(scope["path"]).strip("/")
        order.append(f"{name} computes")
        if name == "fails":
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    limited = ConcurrencyMiddleware(app, limit=1)  # type: ignore[arg-type]

    async def call(path: str, slow: asyncio.Event | None = None) -> None:
        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.body" and slow is not None:
                order.append(f"{path} body waits")
                await slow.wait()  # the client reads slowly
                order.append(f"{path} body sent")

        scope = {"type": "http", "path": f"/{path}", "method": "GET", "headers": []}
        await limited(scope, receive, send)  # type: ignore[arg-type]

    async def main() -> None:
        slow = asyncio.Event()
        first = asyncio.create_task(call("slow", slow))
        await asyncio.sleep(0.01)
        await asyncio.wait_for(call("next"), timeout=5)  # not stuck behind the slow body
        slow.set()
        await first
        with suppress(RuntimeError):
            await call("fails")
        await asyncio.wait_for(call("after"), timeout=5)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result(timeout=60)
    assert order == [
        "slow computes",
        "slow body waits",
        "next computes",
        "slow body sent",
        "fails computes",
        "after computes",
    ]


def test_requests_sending_their_body_are_still_bounded() -> None:
    """Slow clients cannot pile up sessions: with ``inside`` 2, a third request waits
    until one of two bodies being sent is done (its session closes only then)."""
    import asyncio

    from sdgcities.web._guard import INSIDE, ConcurrencyMiddleware

    started: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        started.append(str(scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    limited = ConcurrencyMiddleware(app, limit=1)  # type: ignore[arg-type]
    assert limited.inside == INSIDE >= 8  # the default bound
    limited.inside = 2

    async def main() -> None:
        gate = asyncio.Event()

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def slow_send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.body":
                await gate.wait()

        def call(path: str) -> asyncio.Task[None]:
            scope = {"type": "http", "path": path, "method": "GET", "headers": []}
            return asyncio.create_task(limited(scope, receive, slow_send))  # type: ignore[arg-type]

        tasks = [call("/a"), call("/b"), call("/c")]
        await asyncio.sleep(0.05)
        assert started == ["/a", "/b"]  # both computed (one at a time); /c waits
        gate.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
        assert started == ["/a", "/b", "/c"]

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result(timeout=60)


def test_the_app_is_built_with_the_web_threads_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sdgcities.web._guard import ConcurrencyMiddleware
    from sdgcities.web.app import create_app

    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("SDGCITIES_WEB_THREADS", "5")
    app = create_app(load_settings())
    limits = [m.kwargs["limit"] for m in app.user_middleware if m.cls is ConcurrencyMiddleware]
    assert limits == [5]
