"""The batch file: which cities to run, from which kits, with which parameters.

.. code-block:: yaml

    defaults:              # parameters for every city (optional)
      h3_resolution: 9
    indicators: [transit-access, open-space]   # optional; default: all a kit allows
    cities:
      - name: Porto Alegre
        country: BRA         # ISO 3166 alpha-3, used when the city is not yet stored
        kit: porto_alegre/   # a folder, relative to this file
      - name: Las Palmas de Gran Canaria
        country: ESP
        kit: las_palmas/
        params: {low_capacity_m: 500}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sdgcities.errors import Finding, InputFileError, ValidationError


@dataclass
class CitySpec:
    name: str
    kit: Path
    country: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    year: int | None = None


@dataclass
class BatchSpec:
    cities: list[CitySpec]
    defaults: dict[str, Any] = field(default_factory=dict)
    indicators: list[str] | None = None


def load_batch_spec(path: str | os.PathLike[str]) -> BatchSpec:
    """Read and validate a batch file; every problem is reported at once."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(p, "does not exist", "check the path of the batch file")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputFileError(p, f"is not valid YAML ({exc})", "fix the YAML syntax") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cities"), list):
        raise InputFileError(p, "has no `cities:` list", "add `cities:` with one entry per city")
    findings: list[Finding] = []
    cities: list[CitySpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["cities"], start=1):
        where = f"cities[{i}]"
        if not isinstance(entry, dict):
            findings.append(
                Finding(
                    "entry is not a mapping",
                    file=str(p),
                    column=where,
                    fix="write `- name: …` and `kit: …`",
                )
            )
            continue
        name = str(entry.get("name") or "").strip()
        if not name:
            findings.append(
                Finding("missing `name`", file=str(p), column=where, fix="give the city's name")
            )
        elif name in seen:
            findings.append(
                Finding(
                    f"city {name!r} is listed twice",
                    file=str(p),
                    column=where,
                    fix="keep one entry per city",
                )
            )
        seen.add(name)
        kit_raw = entry.get("kit")
        if not kit_raw:
            findings.append(
                Finding(
                    "missing `kit`",
                    file=str(p),
                    column=f"{where}.kit",
                    fix="name the folder holding the city's input files",
                )
            )
            continue
        kit = (p.parent / str(kit_raw)).resolve()
        if not kit.is_dir():
            findings.append(
                Finding(
                    f"kit folder {kit_raw!r} does not exist",
                    file=str(p),
                    column=f"{where}.kit",
                    value=str(kit_raw),
                    fix="give a folder path relative to the batch file",
                )
            )
        params = entry.get("params") or {}
        if not isinstance(params, dict):
            findings.append(
                Finding(
                    "`params` must be a mapping",
                    file=str(p),
                    column=f"{where}.params",
                    fix="write `params: {key: value}`",
                )
            )
            params = {}
        year = entry.get("year")
        cities.append(
            CitySpec(
                name=name,
                kit=kit,
                country=entry.get("country"),
                params=dict(params),
                year=int(year) if year else None,
            )
        )
    if findings:
        raise ValidationError(f"{p}: the batch file has {len(findings)} problem(s)", findings)
    indicators = raw.get("indicators")
    return BatchSpec(
        cities=cities,
        defaults=dict(raw.get("defaults") or {}),
        indicators=list(indicators) if indicators else None,
    )
