"""The Makefile: the two README commands, their knobs (PORT=, ARGS=) and the set-up stamp."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*args: str, cwd: Path = ROOT) -> str:
    """What ``make -n`` would run (nothing is executed)."""
    proc = subprocess.run(
        ["make", "-n", "--no-print-directory", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert [line.split("#")[0].strip() for line in block] == ["make demo", "make test"]


def test_demo_takes_a_port() -> None:
    assert ".venv/bin/sdgcities demo --port 8000" in _dry_run("demo")
    assert ".venv/bin/sdgcities demo --port 8010" in _dry_run("demo", "PORT=8010")


def test_test_passes_arguments_to_pytest() -> None:
    assert "scripts/run-tests.sh tests/web -x" in _dry_run("test", "ARGS=tests/web -x")


def test_setup_builds_the_catalogues_and_assets() -> None:
    out = _dry_run("setup")
    assert "sdgcities.web.i18n compile" in out
    assert "scripts/vendor-assets.sh" in out


def test_the_stamp_follows_the_lock(tmp_path: Path) -> None:
    """`make setup` re-syncs when the lock changes, and only then."""
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup-python.sh", tmp_path / "scripts" / "setup-python.sh")
    (tmp_path / ".venv").mkdir()
    assert "setup-python.sh" in _dry_run("setup", cwd=tmp_path)  # nothing installed yet
    stamp = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "stamp: ; @echo $(STAMP)", "stamp"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp_path / stamp).touch()
    assert "setup-python.sh" not in _dry_run("setup", cwd=tmp_path)  # installed: nothing to do
    with (tmp_path / "requirements.lock").open("a", encoding="utf-8") as fh:
        fh.write("# refreshed\n")
    assert "setup-python.sh" in _dry_run("setup", cwd=tmp_path)  # the lock changed: re-sync
