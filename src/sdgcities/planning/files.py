"""Plan files: a whole plan as YAML, or its targets as CSV (read, validate, write).

YAML layout (every section optional; a section given replaces the draft's)::

    title: Kisumu 2030 strategic plan
    vision: A green, inclusive lake city …
    priorities:
      - {title: Access to public transport, indicator: "11.2.1", description: …}
    targets:
      - {indicator: "11.2.1", value: 75, unit: "%", baseline_value: 42.1,
         baseline_year: 2020, target_year: 2030, justification: …, source: …}
    consultations:
      - date: 2026-03-14
        title: Youth forum
        stakeholder_groups: [youth, residents' associations]
        participants: [{group: youth, women: 31, men: 27, other: 1}]
        changes: [Added the Nyalenda upgrading area]
    spatial_priorities:
      - {name: Nyalenda, priority: 1, geometry: {type: Polygon, coordinates: …}}

CSV: one target per row, columns ``indicator, value, unit, baseline_value,
baseline_year, target_year, justification, source`` (``target_year`` may be empty: 2030).
Rows in findings are the spreadsheet's (header = row 1); YAML rows are the 1-based
position in their list.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from sdgcities.errors import Finding, ValidationError
from sdgcities.planning.service import ConsultationIn, PlaceIn, PriorityIn, TargetIn

TARGET_COLUMNS = (
    "indicator",
    "value",
    "unit",
    "baseline_value",
    "baseline_year",
    "target_year",
    "justification",
    "source",
)
REQUIRED_TARGET_COLUMNS = (
    "indicator",
    "value",
    "unit",
    "baseline_value",
    "baseline_year",
    "source",
)
SECTIONS = ("title", "vision", "priorities", "targets", "consultations", "spatial_priorities")


@dataclass
class PlanFile:
    """What a plan file holds, each item with its row."""

    name: str
    title: str | None = None
    vision: str | None = None
    priorities: list[tuple[int, PriorityIn]] | None = None
    targets: list[tuple[int, TargetIn]] | None = None
    consultations: list[tuple[int, ConsultationIn]] | None = None
    places: list[tuple[int, PlaceIn]] | None = None
    #: problems of rows that could not be read (reported with the store's checks)
    findings: list[Finding] = field(default_factory=list)


def _number(
    value: Any, col: str, row: int, file: str, out: list[Finding], *, whole: bool = False
) -> Any:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        out.append(
            Finding(f"{col} is missing", file=file, row=row, column=col, fix="give a number")
        )
        return None
    try:
        num = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        out.append(
            Finding(
                f"{col} is not a number",
                file=file,
                row=row,
                column=col,
                value=str(value),
                fix="give a number, e.g. 75.5",
            )
        )
        return None
    if whole:
        if num != int(num):
            out.append(
                Finding(
                    f"{col} is not a whole year",
                    file=file,
                    row=row,
                    column=col,
                    value=str(value),
                    fix="e.g. 2020",
                )
            )
            return None
        return int(num)
    return num


def _target(raw: dict[str, Any], row: int, file: str, out: list[Finding]) -> TargetIn | None:
    n = len(out)
    missing = [c for c in REQUIRED_TARGET_COLUMNS if c != "source" and raw.get(c) in (None, "")]
    for c in missing:
        out.append(
            Finding(f"{c} is missing", file=file, row=row, column=c, fix=f"give the target's {c}")
        )
    if missing:
        return None
    value = _number(raw.get("value"), "value", row, file, out)
    base = _number(raw.get("baseline_value"), "baseline_value", row, file, out)
    by = _number(raw.get("baseline_year"), "baseline_year", row, file, out, whole=True)
    ty_raw = raw.get("target_year")
    ty = (
        2030 if ty_raw in (None, "") else _number(ty_raw, "target_year", row, file, out, whole=True)
    )
    if len(out) > n:
        return None
    return TargetIn(
        indicator=str(raw["indicator"]).strip(),
        value=value,
        unit=str(raw["unit"]).strip(),
        baseline_value=base,
        baseline_year=by,
        target_year=ty,
        justification=str(raw.get("justification") or "").strip(),
        source=str(raw.get("source") or "").strip(),
    )


def read_targets_csv(path: Path) -> PlanFile:
    """The targets of a CSV file; every problem at once (file, row, column)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValidationError(
            f"{name} is not UTF-8 text",
            [Finding(str(err), file=name, fix="save the file as UTF-8 CSV")],
        ) from err
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    findings: list[Finding] = []
    for c in REQUIRED_TARGET_COLUMNS:
        if c not in header:
            findings.append(
                Finding(
                    f"column {c!r} is missing",
                    file=name,
                    row=1,
                    column=c,
                    fix=f"the header is {', '.join(TARGET_COLUMNS)}",
                )
            )
    for c in header:
        if c not in TARGET_COLUMNS:
            findings.append(
                Finding(
                    f"unknown column {c!r}",
                    file=name,
                    row=1,
                    column=c,
                    fix=f"use {', '.join(TARGET_COLUMNS)}",
                )
            )
    if findings:
        raise ValidationError(f"{name}: the targets cannot be read", findings)
    targets: list[tuple[int, TargetIn]] = []
    for i, raw in enumerate(reader, start=2):
        clean = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(clean.values()):
            continue
        t = _target(clean, i, name, findings)
        if t is not None:
            targets.append((i, t))
    if not targets and not findings:
        raise ValidationError(
            f"{name} has no target rows",
            [Finding("no rows", file=name, fix="add one row per target")],
        )
    return PlanFile(name=name, targets=targets, findings=findings)


def _list(data: dict[str, Any], key: str, name: str, out: list[Finding]) -> list[Any] | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, list):
        out.append(
            Finding(
                f"{key} is not a list",
                file=name,
                column=key,
                fix=f"write {key}: as a list of entries",
            )
        )
        return None
    return value


def read_plan_yaml(path: Path) -> PlanFile:
    """A whole plan from YAML (see the module docstring); every problem at once."""
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValidationError(
            f"{name} is not valid YAML",
            [Finding(str(err).splitlines()[0], file=name, fix="check the indentation and quotes")],
        ) from err
    if not isinstance(data, dict):
        raise ValidationError(
            f"{name} does not hold a plan",
            [
                Finding(
                    "the top level is not a mapping",
                    file=name,
                    fix="start with title:, vision:, targets: …",
                )
            ],
        )
    findings: list[Finding] = []
    for key in data:
        if key not in SECTIONS:
            findings.append(
                Finding(
                    f"unknown section {key!r}",
                    file=name,
                    column=str(key),
                    fix=f"use {', '.join(SECTIONS)}",
                )
            )
    out = PlanFile(name=name)
    out.title = str(data["title"]) if data.get("title") is not None else None
    out.vision = str(data["vision"]) if "vision" in data else None
    raw_targets = _list(data, "targets", name, findings)
    if raw_targets is not None:
        out.targets = []
        for i, raw in enumerate(raw_targets, start=1):
            if not isinstance(raw, dict):
                findings.append(
                    Finding(
                        f"targets[{i}] is not a mapping",
                        file=name,
                        row=i,
                        column="targets",
                        fix="indicator:, value:, unit: …",
                    )
                )
                continue
            t = _target(raw, i, f"{name} targets", findings)
            if t is not None:
                out.targets.append((i, t))
    raw_prios = _list(data, "priorities", name, findings)
    if raw_prios is not None:
        out.priorities = []
        for i, raw in enumerate(raw_prios, start=1):
            if not isinstance(raw, dict):
                findings.append(
                    Finding(
                        f"priorities[{i}] is not a mapping",
                        file=name,
                        row=i,
                        column="priorities",
                        fix="title:, indicator:, description:",
                    )
                )
                continue
            ind = raw.get("indicator")
            out.priorities.append(
                (
                    i,
                    PriorityIn(
                        title=str(raw.get("title") or ""),
                        description=str(raw.get("description") or ""),
                        indicator=str(ind) if ind else None,
                    ),
                )
            )
    raw_cons = _list(data, "consultations", name, findings)
    if raw_cons is not None:
        out.consultations = []
        for i, raw in enumerate(raw_cons, start=1):
            if not isinstance(raw, dict):
                findings.append(
                    Finding(
                        f"consultations[{i}] is not a mapping",
                        file=name,
                        row=i,
                        column="consultations",
                        fix="date:, stakeholder_groups:, participants:, changes:",
                    )
                )
                continue
            held = raw.get("date")
            if isinstance(held, str):
                with contextlib.suppress(ValueError):
                    held = date.fromisoformat(held)
            if not isinstance(held, date):
                findings.append(
                    Finding(
                        "date is not YYYY-MM-DD",
                        file=f"{name} consultations",
                        row=i,
                        column="date",
                        value=str(held),
                        fix="e.g. 2026-03-14",
                    )
                )
                continue
            groups = raw.get("stakeholder_groups") or []
            parts = raw.get("participants") or []
            changes = raw.get("changes") or []
            out.consultations.append(
                (
                    i,
                    ConsultationIn(
                        held_on=held,
                        title=str(raw.get("title") or ""),
                        stakeholder_groups=[str(g) for g in groups]
                        if isinstance(groups, list)
                        else [str(groups)],
                        participants=list(parts) if isinstance(parts, list) else [parts],
                        changes=[str(c) for c in changes]
                        if isinstance(changes, list)
                        else [str(changes)],
                    ),
                )
            )
    raw_places = _list(data, "spatial_priorities", name, findings)
    if raw_places is not None:
        out.places = []
        for i, raw in enumerate(raw_places, start=1):
            if not isinstance(raw, dict):
                findings.append(
                    Finding(
                        f"spatial_priorities[{i}] is not a mapping",
                        file=name,
                        row=i,
                        column="spatial_priorities",
                        fix="name:, geometry:",
                    )
                )
                continue
            prio = raw.get("priority")
            out.places.append(
                (
                    i,
                    PlaceIn(
                        name=str(raw.get("name") or ""),
                        description=str(raw.get("description") or ""),
                        geometry=raw.get("geometry"),
                        priority=prio if isinstance(prio, int) else None,
                    ),
                )
            )
    out.findings = findings
    return out


def read_plan_file(path: Path) -> PlanFile:
    """A plan file by its suffix: ``.yaml``/``.yml`` (whole plan) or ``.csv`` (targets)."""
    if not path.exists() or path.is_dir():
        raise ValidationError(
            f"{path}: no such file",
            [Finding("the file does not exist", file=str(path), fix="check the path")],
        )
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_plan_yaml(path)
    if suffix == ".csv":
        return read_targets_csv(path)
    raise ValidationError(
        f"{path.name}: a plan file is .yaml or .csv",
        [
            Finding(
                f"unknown file type {suffix!r}",
                file=path.name,
                fix="give a .yaml plan or a .csv of targets",
            )
        ],
    )


def import_plan_file(session: Any, city: Any, path: Path, actor: Any) -> Any:
    """Read ``path`` and replace the editable version's sections with it, all or nothing."""
    from sdgcities.planning.service import replace_content

    parsed = read_plan_file(path)
    return replace_content(
        session,
        city,
        actor,
        file=parsed.name,
        vision=parsed.vision,
        title=parsed.title,
        priorities=parsed.priorities,
        targets=parsed.targets,
        consultations=parsed.consultations,
        places=parsed.places,
        findings=parsed.findings,
    )


def targets_csv(version_dict: dict[str, Any]) -> str:
    """The targets of a version (as :func:`version_as_dict` gives it) as CSV text."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(TARGET_COLUMNS), lineterminator="\n")
    w.writeheader()
    for t in version_dict["targets"]:
        w.writerow({k: t.get(k, "") for k in TARGET_COLUMNS})
    return buf.getvalue()
