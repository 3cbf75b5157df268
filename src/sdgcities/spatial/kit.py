"""A city's input kit: the folder of open-data files a spatial run reads.

A kit is a folder; files are found by name (``kit.yaml`` may name them explicitly):

==============  ============================================================  ==========
input           found as                                                      used by
==============  ============================================================  ==========
osm             ``*.osm.pbf`` / ``osm.pbf``                                   11.2.1, 11.7.1
gtfs            ``gtfs*.zip`` (any number)                                    11.2.1
population      ``population*.{tif,gpkg,geojson,csv,parquet}``                most
boundary        ``boundary*.{geojson,gpkg}``                                  all
built_up_area   ``built_up_area*`` / ``*urban_centre*`` ``.{gpkg,geojson}``      11.7.1 (a)
built_up        ``*built*.tif`` (GHSL built-up epochs)                        11.3.1
pm25            ``*pm25*.tif`` / ``*pm2.5*.tif``                              11.6.2
neighbourhoods  ``neighbourhoods*.{gpkg,geojson}``                            profiles
hazard          ``hazard*.tif`` or polygons ``hazard*.gpkg`` / ``.geojson``     exposure
                (options: hazard_below / hazard_above, hazard_field, …)
settlements     ``settlements*`` / ``*informal*`` ``.{gpkg,geojson}``          exposure
groups          ``groups*.{csv,gpkg}``                                        groups
==============  ============================================================  ==========
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sdgcities.errors import InputFileError

_PATTERNS: dict[str, tuple[str, ...]] = {
    "osm": ("*.osm.pbf", "*.pbf"),
    "gtfs": ("gtfs*.zip", "*gtfs*.zip"),
    "population": (
        "population*.tif",
        "population*.tiff",
        "population*.gpkg",
        "population*.geojson",
        "population*.csv",
        "population*.parquet",
    ),
    "boundary": ("boundary*.geojson", "boundary*.gpkg", "boundary*.json"),
    "built_up_area": (
        "built_up_area*.geojson",
        "built_up_area*.gpkg",
        "*urban_centre*.gpkg",
        "*urban_centre*.geojson",
    ),
    "built_up": ("*built*.tif", "*built*.tiff"),
    "pm25": ("*pm25*.tif", "*pm2.5*.tif", "*pm2_5*.tif"),
    # issue 12 (sdgcities.profiling)
    "neighbourhoods": ("neighbourhoods*.gpkg", "neighbourhoods*.geojson"),
    "hazard": ("hazard*.tif", "hazard*.tiff", "hazard*.gpkg", "hazard*.geojson"),
    "settlements": (
        "settlements*.gpkg",
        "settlements*.geojson",
        "*informal*.gpkg",
        "*informal*.geojson",
    ),
    "groups": ("groups*.csv", "groups*.gpkg"),
}
_MULTI = {"gtfs"}


@dataclass
class CityKit:
    """Paths of a city's inputs (``None`` / empty when absent)."""

    root: Path | None = None
    osm: Path | None = None
    gtfs: list[Path] = field(default_factory=list)
    population: Path | None = None
    population_column: str | None = None
    boundary: Path | None = None
    built_up_area: Path | None = None
    built_up: Path | None = None
    pm25: Path | None = None
    neighbourhoods: Path | None = None
    hazard: Path | None = None
    settlements: Path | None = None
    groups: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Path | list[Path] | None:
        value: Path | list[Path] | None = getattr(self, name)
        return value

    def has(self, name: str) -> bool:
        return bool(self.get(name))

    def files(self) -> dict[str, list[Path]]:
        out: dict[str, list[Path]] = {}
        for name in _PATTERNS:
            v = self.get(name)
            if v:
                out[name] = list(v) if isinstance(v, list) else [v]
        return out


def discover_kit(root: str | os.PathLike[str]) -> CityKit:
    """Find a city's inputs in ``root`` by file name, or as ``kit.yaml`` names them."""
    base = Path(root)
    if not base.is_dir():
        raise InputFileError(base, "is not a folder", "pass the folder holding the city's files")
    kit = CityKit(root=base)
    manifest = base / "kit.yaml"
    explicit: dict[str, Any] = {}
    if manifest.exists():
        explicit = _read_manifest(manifest)
    for name, patterns in _PATTERNS.items():
        if name in explicit:
            raw = explicit[name]
            names = raw if isinstance(raw, list) else [raw]
            if not names or not all(isinstance(n, str) and n for n in names):
                raise InputFileError(
                    manifest,
                    f"`{name}:` must name a file (or, for gtfs, a list of files), found {raw!r}",
                    f"write `{name}: <file name>`",
                )
            paths = [base / p for p in names]
            for p in paths:
                if not p.exists():
                    raise InputFileError(
                        manifest,
                        f"names {name} file {p.name!r}, which does not exist",
                        f"correct the file name under `{name}:`",
                    )
                if p.is_dir():
                    raise InputFileError(
                        manifest,
                        f"names {name} {p.name!r}, which is a folder",
                        f"name the {name} file itself under `{name}:`",
                    )
        else:
            seen: dict[Path, None] = {}
            for pat in patterns:
                for p in sorted(base.glob(pat)):
                    seen.setdefault(p, None)
            paths = list(seen)
        if name in _MULTI:
            setattr(kit, name, paths)
        elif paths:
            setattr(kit, name, paths[0])
    column = explicit.get("population_column")
    if column is not None and not isinstance(column, str):
        raise InputFileError(
            manifest, f"`population_column:` must be a column name, found {column!r}",
            "write `population_column: <name>`",
        )  # fmt: skip
    options = explicit.get("options", {}) or {}
    if not isinstance(options, dict):
        raise InputFileError(
            manifest, f"`options:` must be a mapping, found {options!r}",
            "write `options:` followed by indented `name: value` lines",
        )  # fmt: skip
    kit.population_column = column
    kit.options = dict(options)
    return kit


#: the keys a kit.yaml may hold besides the inputs
_MANIFEST_KEYS = ("population_column", "options")


def _read_manifest(manifest: Path) -> dict[str, Any]:
    """``kit.yaml`` as a mapping; bad YAML or unknown keys raise, naming line and key."""
    try:
        loaded = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise InputFileError(manifest, "is not UTF-8 text", "save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputFileError(
            manifest,
            f"is not valid YAML{where}: {problem}",
            "write one `input: file` per line (see the kit documentation)",
        ) from exc
    if not isinstance(loaded, dict):
        raise InputFileError(manifest, "is not a mapping", "write `input: file` lines")
    unknown = [str(k) for k in loaded if k not in _PATTERNS and k not in _MANIFEST_KEYS]
    if unknown:
        raise InputFileError(
            manifest,
            f"has unknown key(s) {', '.join(unknown)}",
            f"use only {', '.join([*_PATTERNS, *_MANIFEST_KEYS])}",
        )
    return loaded


_CHECKSUMS: dict[tuple[str, int, int], str] = {}


def file_checksum(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file (cached per path, size and modification time)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    cached = _CHECKSUMS.get(key)
    if cached:
        return cached
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    _CHECKSUMS[key] = digest
    return digest


_YEARS: dict[str, int] = {}


def osm_data_year(path: str | os.PathLike[str]) -> int | None:
    """The year of the newest object in an OSM extract (the data's "as of" year)."""
    import osmium

    digest = file_checksum(path)
    if digest in _YEARS:
        return _YEARS[digest]

    class _Newest(osmium.SimpleHandler):
        def __init__(self) -> None:
            super().__init__()
            self.year = 0

        def node(self, n: Any) -> None:
            self.year = max(self.year, n.timestamp.year)

        def way(self, w: Any) -> None:
            self.year = max(self.year, w.timestamp.year)

    handler = _Newest()
    try:
        handler.apply_file(str(path))
    except RuntimeError:
        return None
    if handler.year <= 1970:
        return None
    _YEARS[digest] = handler.year
    return handler.year


def data_year(kit: CityKit) -> int | None:
    """The year values computed from this kit describe: ``options.year``, else the OSM date."""
    if kit.options.get("year"):
        return int(kit.options["year"])
    if kit.osm is not None:
        return osm_data_year(kit.osm)
    return None
