"""Does ``requirements.lock`` agree with ``pyproject.toml``? Offline: both files are parsed.

Every requirement of ``[project] dependencies``, of each ``[project.optional-dependencies]``
group and of ``[build-system] requires`` (the package is installed without build isolation)
must be pinned in the lock (``name==version``, hashes following) at a version its specifier
allows; a requirement with extras (``psycopg[binary]``) needs the extra's own requirements
pinned too when the distribution is installed here to tell them. The other way round, a lock
entry pulled in "via sdgcities (pyproject.toml)" must still be one of pyproject's
requirements, so a dependency removed from pyproject shows up as a stale lock.

Run ``python scripts/check_lock.py`` (exit 0 agree, 1 disagree with one line per problem);
``make setup`` runs it after installing, ``tests/test_setup_lock.py`` imports it.
``make lock`` refreshes the lock (``uv pip compile``).
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = "sdgcities (pyproject.toml)"
_PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$"
)


@dataclass
class Pin:
    """One ``name==version`` entry of the lock, with its marker and where it came from."""

    name: str
    version: Version
    marker: Marker | None
    line: int
    hashes: int = 0
    via: list[str] = field(default_factory=list)


def read_lock(lock: Path) -> dict[str, list[Pin]]:
    """The pins of a lock written by ``uv pip compile --generate-hashes``, by canonical name."""
    pins: dict[str, list[Pin]] = {}
    current: Pin | None = None
    in_via = False
    for number, raw in enumerate(lock.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not raw[0].isspace() and not line.startswith("#"):
            match = _PIN.match(line)
            if match is None:
                raise ValueError(
                    f"{lock.name}, line {number}: expected `name==version` (found {line!r}); "
                    "regenerate the lock with `make lock`"
                )
            name, _extras, version, marker = match.groups()
            current = Pin(
                canonicalize_name(name),
                Version(version),
                Marker(marker) if marker else None,
                number,
            )
            pins.setdefault(current.name, []).append(current)
            in_via = False
        elif current is not None and line.startswith("--hash="):
            current.hashes += 1
        elif current is not None and line.startswith("# via"):
            rest = line.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                current.via.append(rest)
        elif current is not None and in_via and line.startswith("#   "):
            current.via.append(line.removeprefix("#").strip())
    return pins


def project_requirements(pyproject: Path) -> dict[str, list[Requirement]]:
    """pyproject's requirements by where they are written (``dependencies``, ``test`` …)."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    groups: dict[str, list[Requirement]] = {
        "dependencies": [Requirement(r) for r in data["project"].get("dependencies", [])],
        "build-system.requires": [Requirement(r) for r in data["build-system"].get("requires", [])],
    }
    for extra, reqs in data["project"].get("optional-dependencies", {}).items():
        groups[f"optional-dependencies.{extra}"] = [Requirement(r) for r in reqs]
    return groups


def _extra_requirements(req: Requirement, version: Version) -> list[Requirement]:
    """The requirements ``req``'s extras add, read from the installed distribution if any."""
    if not req.extras:
        return []
    try:
        dist = metadata.distribution(req.name)
    except metadata.PackageNotFoundError:
        return []
    if Version(dist.version) != version:
        return []
    found = []
    for text in dist.requires or []:
        extra_req = Requirement(text)
        if extra_req.marker is None:
            continue
        if any(extra_req.marker.evaluate({"extra": extra}) for extra in req.extras):
            found.append(extra_req)
    return found


def _check_one(req: Requirement, where: str, pins: dict[str, list[Pin]]) -> list[str]:
    name = canonicalize_name(req.name)
    entries = pins.get(name, [])
    if not entries:
        return [f"pyproject.toml [{where}] {req}: not pinned in requirements.lock"]
    problems = []
    for pin in entries:
        if not req.specifier.contains(pin.version, prereleases=True):
            problems.append(
                f"pyproject.toml [{where}] {req}: requirements.lock line {pin.line} pins "
                f"{pin.name}=={pin.version}, which the specifier {req.specifier} does not allow"
            )
        if pin.hashes == 0:
            problems.append(f"requirements.lock line {pin.line}: {pin.name} has no --hash")
    for extra_req in _extra_requirements(req, entries[0].version):
        extra_name = canonicalize_name(extra_req.name)
        if extra_name not in pins:
            problems.append(
                f"pyproject.toml [{where}] {req}: its extra needs {extra_req.name}, "
                "not pinned in requirements.lock"
            )
    return problems


def check(pyproject: Path, lock: Path) -> list[str]:
    """Every way the two files disagree, one sentence each naming file, line and fix."""
    pins = read_lock(lock)
    groups = project_requirements(pyproject)
    problems: list[str] = []
    wanted: set[str] = set()
    for where, reqs in groups.items():
        for req in reqs:
            wanted.add(canonicalize_name(req.name))
            problems.extend(_check_one(req, where, pins))
    for name, entries in sorted(pins.items()):
        for pin in entries:
            if PROJECT_ROOT in pin.via and name not in wanted:
                problems.append(
                    f"requirements.lock line {pin.line}: {name} is there 'via {PROJECT_ROOT}' "
                    "but pyproject.toml no longer asks for it"
                )
    return problems


def main() -> int:
    problems = check(ROOT / "pyproject.toml", ROOT / "requirements.lock")
    for problem in problems:
        print(f"✗ {problem}", file=sys.stderr)
    if problems:
        print(
            "requirements.lock is out of date with pyproject.toml: run `make lock`", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
