"""The worker processes of ``sdgcities serve --workers N``: a listening socket each.

uvicorn's own ``--workers`` shares one listening socket between its processes, and
asyncio accepts up to ``backlog`` waiting connections each time a socket is readable
(``asyncio.selector_events``), so a burst of new connections lands on whichever worker
wakes first. Measured here with 50 clients connecting at once to two workers: one served
1,002 of 1,070 requests while the other idled, and the server ran on one core.

Here each worker binds its own socket with ``SO_REUSEPORT``; Linux then spreads new
connections over the sockets by a hash of their addresses (``socket(7)``: "to improve
load distribution … across threads and processes"), as nginx's ``listen … reuseport``
does. The parent only supervises: it restarts a worker that dies, and stops them all on
``SIGINT``/``SIGTERM``. Where ``SO_REUSEPORT`` is missing, :func:`reuseport_available`
is false and the caller uses uvicorn's own supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: the application every worker serves (uvicorn's factory form)
APP = "sdgcities.web.app:create_app"
#: a worker that exits sooner than this after its start has failed to start: the
#: supervisor stops rather than restart it in a loop
STARTUP_GRACE_S = 10.0
#: how long a worker may take to finish its requests once told to stop
STOP_TIMEOUT_S = 30.0


def reuseport_available() -> bool:
    """Whether each worker can listen on a socket of its own (Linux ``SO_REUSEPORT``)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind_reuseport(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` that other workers may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


#: ``PR_SET_PDEATHSIG`` of Linux's ``<sys/prctl.h>``
_PR_SET_PDEATHSIG = 1


def stop_with_parent(parent: int) -> None:
    """Have this process sent ``SIGTERM`` when ``parent`` dies (Linux ``prctl(2)``).

    A supervisor killed outright (``SIGKILL``, the OOM killer) cannot stop its workers;
    without this they would go on serving, orphaned. If the parent is already gone, exit.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - not glibc/Linux
            logger.debug("prctl(PR_SET_PDEATHSIG) unavailable")
    if os.getppid() != parent:  # died before the call above took effect
        raise SystemExit(0)


def run_worker(host: str, port: int, options: dict[str, Any], parent: int = 0) -> None:
    """One worker: uvicorn serving :data:`APP` on its own ``SO_REUSEPORT`` socket."""
    import uvicorn

    if parent:
        stop_with_parent(parent)

    config = uvicorn.Config(APP, factory=True, host=host, port=port, **options)
    server = uvicorn.Server(config)
    server.run(sockets=[bind_reuseport(host, port, config.backlog)])


def serve_workers(
    host: str,
    port: int,
    workers: int,
    options: dict[str, Any],
    *,
    target: Callable[[str, int, dict[str, Any], int], None] = run_worker,
) -> int:
    """Run ``workers`` worker processes until ``SIGINT``/``SIGTERM``; the exit code.

    A worker that dies is started again; one that dies within :data:`STARTUP_GRACE_S`
    of its start (the app cannot start: a broken store, a bad setting) stops the whole
    server with exit code 1 instead of a restart loop. ``options`` are
    ``uvicorn.Config`` keywords. Workers stop when this process dies, even by ``SIGKILL``
    (:func:`stop_with_parent`).
    """
    ctx = multiprocessing.get_context("spawn")  # nothing of this process (engines) inherited
    stopping = threading.Event()
    failed = False

    def start() -> tuple[Any, float]:
        proc = ctx.Process(target=target, args=(host, port, options, os.getpid()), daemon=False)
        proc.start()
        return proc, time.monotonic()

    def stop(signum: int, _frame: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    procs = [start() for _ in range(workers)]
    logger.info("started %d workers: %s", workers, ", ".join(str(p.pid) for p, _t in procs))
    try:
        while not stopping.wait(0.5):
            for i, (proc, started) in enumerate(procs):
                if proc.is_alive():
                    continue
                if time.monotonic() - started < STARTUP_GRACE_S:
                    logger.error(
                        "worker %s exited with code %s while starting; stopping the server",
                        proc.pid,
                        proc.exitcode,
                    )
                    failed = True
                    stopping.set()
                    break
                logger.warning(
                    "worker %s exited with code %s; restarting it", proc.pid, proc.exitcode
                )
                procs[i] = start()
    finally:
        for proc, _t in procs:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM)  # uvicorn's graceful shutdown
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc, _t in procs:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 1 if failed else 0
