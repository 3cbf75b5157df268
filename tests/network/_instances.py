"""Real platform instances on loopback for the federation tests: own store, own uvicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from sdgcities.store.db import make_engine, migrate, transaction
from tests.browser._browser import uvicorn_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    """One instance: its store, data dir, port and (while serving) its server process."""

    root: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'store.db'}"

    def engine(self) -> Engine:
        return make_engine(self.db_url)

    def start(self) -> None:
        env = dict(
            os.environ,
            DATABASE_URL=self.db_url,
            SDGCITIES_DATA_DIR=str(self.root),
            SDGCITIES_TILE_URL="",
        )
        self.proc = subprocess.Popen(uvicorn_command(self.port), env=env, cwd=str(self.root))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the instance exited with code {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the instance did not start within 60 s")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def new_instance(root: Path) -> Instance:
    """A migrated store with the built-in catalogue under ``root`` (not yet serving)."""
    from sdgcities.catalogue.registry import sync_builtin_catalogue

    root.mkdir(parents=True, exist_ok=True)
    inst = Instance(root, free_port())
    engine = inst.engine()
    migrate(engine)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    engine.dispose()
    return inst
