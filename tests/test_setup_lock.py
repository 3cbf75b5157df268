"""A fresh machine gets exactly the locked environment; built artefacts are never committed.

``requirements.lock`` (``uv pip compile --generate-hashes``, written by ``make lock``) pins every
package of the environment with its hashes; ``make setup`` installs exactly it. These tests
parse the files offline: the lock must agree with ``pyproject.toml``, carry no index host or
machine path, and the Makefile's stamp must follow the lock.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
HASH = "    --hash=sha256:" + "0" * 64


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_lock", module)
    spec.loader.exec_module(module)
    return module


check_lock = _checker()


def _write(tmp: Path, pyproject: str, lock: str) -> tuple[Path, Path]:
    (tmp / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    (tmp / "requirements.lock").write_text(textwrap.dedent(lock), encoding="utf-8")
    return tmp / "pyproject.toml", tmp / "requirements.lock"


PYPROJECT = """
    [build-system]
    requires = ["setuptools>=69"]
    [project]
    name = "demo"
    dependencies = ["numpy>=1.26", "Typer>=0.29"]
    [project.optional-dependencies]
    test = ["pytest>=8"]
"""


def _lock(*entries: str) -> str:
    return (
        "\n".join(f"{e} \\\n{HASH}\n    # via sdgcities (pyproject.toml)" for e in entries) + "\n"
    )


def test_the_lock_agrees_with_pyproject() -> None:
    problems = check_lock.check(ROOT / "pyproject.toml", LOCK)
    assert problems == [], "\n".join(problems)


def test_check_script_exits_zero_on_the_real_files() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_hand_made_lock_that_agrees(tmp_path: Path) -> None:
    pyproject, lock = _write(
        tmp_path,
        PYPROJECT,
        _lock(
            "numpy==2.4.6 ; python_full_version < '3.12'",
            "numpy==2.5.5 ; python_full_version >= '3.12'",
            "typer==0.29.2",
            "pytest==9.0.0",
            "setuptools==84.2.1",
        ),
    )
    assert check_lock.check(pyproject, lock) == []
    pins = check_lock.read_lock(lock)
    assert [str(p.version) for p in pins["numpy"]] == ["2.4.6", "2.5.5"]
    assert pins["typer"][0].hashes == 1


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # a dependency of pyproject that the lock lacks
        (("numpy==2.4.6", "pytest==9.0.0", "setuptools==84.2.1"), "Typer>=0.29: not pinned"),
        # a pin outside the specifier (pyproject raised its lower bound, lock not refreshed)
        (
            ("numpy==1.25.0", "typer==0.29.2", "pytest==9.0.0", "setuptools==84.2.1"),
            "pins numpy==1.25.0, which the specifier >=1.26 does not allow",
        ),
        # an optional-dependencies group is checked too
        (
            ("numpy==2.4.6", "typer==0.29.2", "setuptools==84.2.1"),
            "[optional-dependencies.test] pytest>=8: not pinned",
        ),
        # the build backend is installed from the lock as well
        (
            ("numpy==2.4.6", "typer==0.29.2", "pytest==9.0.0"),
            "[build-system.requires] setuptools>=69: not pinned",
        ),
        # a dependency removed from pyproject but left in the lock
        (
            (
                "numpy==2.4.6",
                "typer==0.29.2",
                "pytest==9.0.0",
                "setuptools==84.2.1",
                "rich==15.0.0",
            ),
            "rich is there 'via sdgcities (pyproject.toml)' but pyproject.toml no longer asks",
        ),
    ],
)
def test_disagreements_are_named(tmp_path: Path, entries: tuple[str, ...], expected: str) -> None:
    pyproject, lock = _write(tmp_path, PYPROJECT, _lock(*entries))
    problems = check_lock.check(pyproject, lock)
    assert any(expected in p for p in problems), problems


def test_a_pin_without_hash_and_a_broken_line(tmp_path: Path) -> None:
    pyproject, lock = _write(
        tmp_path, PYPROJECT, "numpy==2.4.6\ntyper==0.29.2\npytest==9.0.0\nsetuptools==84.2.1\n"
    )
    assert any("numpy has no --hash" in p for p in check_lock.check(pyproject, lock))
    lock.write_text("numpy>=2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"requirements.lock, line 1: expected `name==version`"):
        check_lock.read_lock(lock)


def test_an_extra_needs_its_own_requirements_pinned(tmp_path: Path) -> None:
    """``psycopg[binary]`` brings ``psycopg-binary``: the installed metadata tells so."""
    from importlib import metadata

    version = metadata.version("psycopg")
    pyproject, lock = _write(
        tmp_path,
        PYPROJECT.replace('"Typer>=0.29"', '"Typer>=0.29", "psycopg[binary]>=3.1"'),
        _lock(
            "numpy==2.4.6",
            "typer==0.29.2",
            "pytest==9.0.0",
            "setuptools==84.2.1",
            f"psycopg=={version}",
        ),
    )
    problems = check_lock.check(pyproject, lock)
    assert any("its extra needs psycopg-binary" in p for p in problems), problems


def test_the_lock_names_no_index_host_or_machine_path() -> None:
    text = LOCK.read_text(encoding="utf-8")
    assert "://" not in text
    for option in ("--index-url", "--extra-index-url", "--find-links", "-f ", "--trusted-host"):
        assert option not in text, option
    assert not re.search(r"(^|\s)/(opt|root|home|work|tmp|usr)/", text)
    assert not (ROOT / "uv.lock").exists() or "registry = " not in (ROOT / "uv.lock").read_text()


def test_the_lock_pins_the_tools_that_install_it() -> None:
    """pip, uv, setuptools and wheel are locked too: nothing in ``make setup`` floats."""
    pins = check_lock.read_lock(LOCK)
    for tool in ("pip", "uv", "setuptools", "wheel"):
        assert tool in pins, tool
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    script = (ROOT / "scripts" / "setup-python.sh").read_text(encoding="utf-8")
    assert "--upgrade pip" not in makefile + script
    assert "--require-hashes" in script


def _git_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_no_built_artefact_is_committed() -> None:
    built = [
        f
        for f in _git_files()
        if f.endswith(".mo")
        or f.startswith(("src/sdgcities/web/static/vendor/", "node_modules/", ".venv/"))
    ]
    assert built == [], f"built at set-up, never committed: git rm --cached {' '.join(built)}"


def test_npm_assets_are_locked_with_integrity_and_no_host() -> None:
    """``npm ci`` installs package-lock.json exactly: every package pinned with its integrity."""
    import json

    text = (ROOT / "package-lock.json").read_text(encoding="utf-8")
    lock = json.loads(text)
    packages = {k: v for k, v in lock["packages"].items() if k}
    assert packages
    for path, entry in packages.items():
        # where a package came from would name a registry host (funding links are the
        # projects' own pages, not where the install comes from)
        assert "resolved" not in entry, (
            f"{path}: package-lock.json names where it was downloaded: npm config "
            "omit-lockfile-registry-resolved"
        )
        assert entry.get("version"), path
        assert str(entry.get("integrity", "")).startswith("sha512-"), path
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    wanted = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    for name in wanted:
        assert f"node_modules/{name}" in packages, f"{name} is in package.json, not in the lock"
