"""The certification stages and what each requires, read from ``data/stages.yaml``.

The file is data a programme can edit (its source is noted in the file): per stage, the
requirements — either a check computed from the store or a kind of evidence the city
attaches, with the rule's options. :func:`load_stages` validates it and names the entry
and field of any mistake.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sdgcities.errors import Finding, NotFoundError, ValidationError

#: the checks computed from the store (see :mod:`sdgcities.certification.completeness`)
CHECKS = ("published_indicators", "baseline_year")


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    check: str | None = None
    evidence: str | None = None
    min: int = 1
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    number: int
    key: str
    name: str
    requirements: tuple[Requirement, ...]


def _requirement(raw: Any, where: str, findings: list[Finding]) -> Requirement | None:
    if not isinstance(raw, dict) or not raw.get("key") or not raw.get("label"):
        findings.append(Finding("a requirement needs a key and a label", column=where))
        return None
    check, evidence = raw.get("check"), raw.get("evidence")
    if (check is None) == (evidence is None):
        findings.append(
            Finding("give exactly one of check or evidence", column=f"{where}.{raw['key']}")
        )
        return None
    if check is not None and check not in CHECKS:
        findings.append(
            Finding(
                "unknown check",
                column=f"{where}.{raw['key']}.check",
                value=str(check),
                fix=f"use one of {', '.join(CHECKS)}",
            )
        )
        return None
    n = raw.get("min", 1)
    if not isinstance(n, int) or n < 0:
        findings.append(
            Finding("min must be a whole number ≥ 0", column=f"{where}.{raw['key']}.min")
        )
        return None
    opts = {k: v for k, v in raw.items() if k not in ("key", "label", "check", "evidence", "min")}
    return Requirement(str(raw["key"]), str(raw["label"]), check, evidence, n, opts)


def parse_stages(data: Any, *, file: str = "stages.yaml") -> tuple[Stage, ...]:
    """Stages from the parsed YAML; ValidationError naming each wrong entry."""
    findings: list[Finding] = []
    raw_stages = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ValidationError(f"{file} has no stages", [Finding("no list under stages", file)])
    out: list[Stage] = []
    for i, raw in enumerate(raw_stages, start=1):
        where = f"stages[{i}]"
        if not isinstance(raw, dict) or raw.get("number") != i:
            findings.append(
                Finding(
                    f"stage {i} must have number: {i} (stages come in order)", file, None, where
                )
            )
            continue
        reqs = [_requirement(r, where, findings) for r in raw.get("requirements") or []]
        out.append(
            Stage(i, str(raw.get("key", i)), str(raw.get("name", i)), tuple(r for r in reqs if r))
        )
    if findings:
        raise ValidationError(
            f"{file} is not a valid stage list",
            [Finding(f.message, file, None, f.column, f.value, f.fix) for f in findings],
        )
    return tuple(out)


#: environment variable naming a programme's own stage file (default: the shipped one)
STAGES_ENV = "SDGCITIES_CERTIFICATION_STAGES"


def load_stages(path: str | None = None) -> tuple[Stage, ...]:
    """The stages of ``path``, else of ``$SDGCITIES_CERTIFICATION_STAGES``, else the
    shipped ``data/stages.yaml``."""
    return _load(path or os.environ.get(STAGES_ENV) or None)


@lru_cache(maxsize=4)
def _load(path: str | None) -> tuple[Stage, ...]:
    import yaml

    if path is None:
        text = (resources.files("sdgcities.certification") / "data" / "stages.yaml").read_text(
            "utf-8"
        )
    else:
        text = Path(path).read_text("utf-8")
    return parse_stages(yaml.safe_load(text), file=path or "stages.yaml")


def get_stage(number: int) -> Stage:
    stages = load_stages()
    if not 1 <= number <= len(stages):
        raise NotFoundError(f"no certification stage {number}; stages are 1 to {len(stages)}")
    return stages[number - 1]
