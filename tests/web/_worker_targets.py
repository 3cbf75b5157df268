"""Worker targets for tests/web/test_workers.py (importable by spawned processes)."""

from __future__ import annotations

from typing import Any


def fail_at_start(host: str, port: int, options: dict[str, Any], parent: int) -> None:
    """A worker whose app cannot start: it exits at once with code 3."""
    raise SystemExit(3)
