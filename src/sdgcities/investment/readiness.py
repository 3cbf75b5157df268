"""The readiness/bankability checklist: items per stage, their status, readiness scores.

The items are data (``data/readiness.yaml``, a platform proposal — see the data README).
Each item of a project has a status: ``missing``, ``in progress``, ``done`` or ``not
applicable`` (which needs a reason). An item never recorded counts as ``missing``.

Readiness score of a stage *s* (share of applicable items done)::

    score(s) = |{i ∈ items(s) : status(i) = done}| / |{i ∈ items(s) : status(i) ≠ not applicable}|

(``None`` when no item of *s* applies). A project is *ready for stage X* when every
applicable item of every stage before X is done (the checklist of the gates it must have
passed to enter X). Overall readiness is the same share over all stages up to and
including the project's current stage. Source: platform proposal (DESIGN.md §Invest:
"each with readiness evidence").

Pure: no I/O beyond reading the shipped checklist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from sdgcities.investment.intake import STAGES

STATUSES = ("missing", "in progress", "done", "not applicable")


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    stage: str


@lru_cache(maxsize=1)
def checklist() -> tuple[ChecklistItem, ...]:
    """Every checklist item, in stage order then file order."""
    path = resources.files("sdgcities.investment") / "data" / "readiness.yaml"
    raw = yaml.safe_load(path.read_text("utf-8"))
    out: list[ChecklistItem] = []
    for stage in STAGES:
        for item in raw.get(stage, []) or []:
            out.append(ChecklistItem(str(item["key"]), str(item["label"]), stage))
    return tuple(out)


def item_keys() -> dict[str, ChecklistItem]:
    return {i.key: i for i in checklist()}


def _share(keys: list[str], status: Mapping[str, str]) -> float | None:
    applicable = [k for k in keys if status.get(k, "missing") != "not applicable"]
    if not applicable:
        return None
    return sum(status.get(k) == "done" for k in applicable) / len(applicable)


def stage_scores(status: Mapping[str, str]) -> dict[str, float | None]:
    """Readiness score of each stage from ``{item key: status}`` (see the module doc).

    >>> stage_scores({"sdg_rationale": "done", "project_concept": "not applicable"})["ideation"]
    0.5
    """
    return {s: _share([i.key for i in checklist() if i.stage == s], status) for s in STAGES}


def overall(status: Mapping[str, str], stage: str) -> float | None:
    """The share of applicable items done over every stage up to and including ``stage``."""
    upto = STAGES[: STAGES.index(stage) + 1]
    return _share([i.key for i in checklist() if i.stage in upto], status)


def ready_for(status: Mapping[str, str], stage: str) -> bool:
    """Whether every applicable item of every stage before ``stage`` is done."""
    before = STAGES[: STAGES.index(stage)]
    keys = [i.key for i in checklist() if i.stage in before]
    return all(status.get(k, "missing") in ("done", "not applicable") for k in keys)


def next_ready_stage(status: Mapping[str, str]) -> str:
    """The furthest stage the project is ready for."""
    best = STAGES[0]
    for s in STAGES:
        if ready_for(status, s):
            best = s
        else:
            break
    return best
