"""Reading and validating catalogue files (YAML or CSV) — shared by built-ins and imports.

A file yields :class:`IndicatorSpec` entries and :class:`PlacementSpec` overrides, plus
every problem found (a :class:`~sdgcities.errors.Finding` naming the file, the entry or
row, the field, what was wrong and the fix). Nothing here touches the store.

YAML layout::

    catalogue_version: "2025.1"       # optional
    framework: custom                 # default framework of the entries (SDG|UMF|custom)
    indicators:
      - code: LOCAL-1
        name: Trees planted per 1,000 inhabitants
        unit: per 1,000
        direction: higher             # higher|lower|target
    placements:                       # move (or confirm) indicators in the UMF matrix
      - {code: UMF-3.4.1, umf_code: "3.1.2", confirmed: true}

CSV: one indicator per row with the same field names as columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sdgcities.errors import Finding, InputFileError

FRAMEWORKS = ("SDG", "UMF", "custom")
DIRECTIONS = ("higher", "lower", "target")
UMF_CODE = re.compile(r"^([1-5])\.([1-4])\.([1-9][0-9]?)$")
#: goal.target.indicator, with an optional series letter (6.2.1a, 11.7.1b)
SDG_CODE = re.compile(r"^([1-9]|1[0-7])\.([1-9][0-9]?|[a-z])\.([1-9][0-9]?)([a-z])?$")
INDICATOR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
KNOWN_FIELDS = frozenset(
    {
        "code", "name", "framework", "unit", "direction", "target", "custodian",
        "method_summary", "method_version", "goal", "sdg_code", "also_sdg", "umf_code",
        "confirmed",
    }
)  # fmt: skip
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass
class IndicatorSpec:
    """One validated indicator entry of a catalogue file."""

    code: str
    name: str
    framework: str
    direction: str
    unit: str = ""
    custodian: str = ""
    method_summary: str = ""
    method_version: str = "1"
    goal: str | None = None
    sdg_code: str | None = None
    umf_code: str | None = None
    confirmed: bool = True
    target: float | None = None
    also_sdg: list[str] = field(default_factory=list)
    row: int = 0

    @property
    def umf_cell(self) -> tuple[int, int] | None:
        if not self.umf_code:
            return None
        d, o, _ = self.umf_code.split(".")
        return int(d), int(o)


@dataclass
class PlacementSpec:
    """An override of where an indicator sits in the UMF matrix."""

    code: str
    umf_code: str
    confirmed: bool
    row: int = 0


@dataclass
class CatalogueFile:
    """What one file holds: its version, entries, placements and all findings."""

    name: str
    version: str = ""
    indicators: list[IndicatorSpec] = field(default_factory=list)
    placements: list[PlacementSpec] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def umf_store_code(umf_code: str) -> str:
    """The store code of a UMF indicator, e.g. ``"1.4.1"`` → ``"UMF-1.4.1"``."""
    return f"UMF-{umf_code}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Checker:
    def __init__(self, result: CatalogueFile) -> None:
        self.result = result

    def add(self, row: int, column: str | None, message: str, fix: str, value: Any = None) -> None:
        self.result.findings.append(
            Finding(
                message=message,
                file=self.result.name,
                row=row,
                column=column,
                value=None if value is None else _text(value),
                fix=fix,
            )
        )

    def boolean(self, row: int, column: str, raw: Any, default: bool) -> bool:
        if raw is None or raw == "":
            return default
        if isinstance(raw, bool):
            return raw
        text = _text(raw).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.add(row, column, "not a yes/no value", "write true or false", raw)
        return default

    def indicator(self, row: int, raw: dict[str, Any], default_framework: str) -> None:
        framework_raw = _text(raw.get("framework")) or default_framework
        framework = {f.lower(): f for f in FRAMEWORKS}.get(framework_raw.lower())
        if framework is None:
            self.add(
                row,
                "framework",
                "unknown framework",
                f"use one of {', '.join(FRAMEWORKS)}",
                framework_raw,
            )
            framework = "custom"
        umf_code = _text(raw.get("umf_code")) or None
        if umf_code is not None and not UMF_CODE.match(umf_code):
            self.add(
                row,
                "umf_code",
                "bad UMF code",
                "write domain.objective.n with domain 1–5 and objective 1–4, e.g. 3.4.1",
                umf_code,
            )
            umf_code = None
        elif umf_code is None and framework == "UMF":
            self.add(
                row,
                "umf_code",
                "missing UMF code",
                "a UMF indicator needs umf_code (domain.objective.n, e.g. 3.4.1)",
            )
        code = _text(raw.get("code"))
        if not code and framework == "UMF" and umf_code:
            code = umf_store_code(umf_code)
        if not code:
            self.add(
                row, "code", "missing code", "give every indicator a unique code, e.g. LOCAL-1"
            )
        elif not INDICATOR_CODE.match(code):
            self.add(
                row,
                "code",
                "code has characters other than letters, digits, . _ -",
                "use at most 64 letters, digits, dots, dashes or underscores",
                code,
            )
            code = ""
        name = _text(raw.get("name"))
        if not name:
            self.add(row, "name", "missing name", "give the indicator's full name")
        direction = _text(raw.get("direction")).lower()
        if direction not in DIRECTIONS:
            self.add(
                row,
                "direction",
                "missing direction" if not direction else "bad direction",
                "write higher, lower or target (target = closer to a value is better)",
                raw.get("direction") if direction else None,
            )
        target: float | None = None
        if _text(raw.get("target")):
            try:
                target = float(_text(raw.get("target")))
            except ValueError:
                self.add(
                    row,
                    "target",
                    "target is not a number",
                    "write a number, e.g. 1.0",
                    raw.get("target"),
                )
        sdg_code = _text(raw.get("sdg_code")) or None
        if framework == "SDG" and code and sdg_code is None:
            sdg_code = code
        if sdg_code is not None and not SDG_CODE.match(sdg_code):
            self.add(
                row,
                "sdg_code" if raw.get("sdg_code") else "code",
                "not an SDG indicator code",
                "write goal.target.indicator, e.g. 11.2.1 or 11.a.1",
                sdg_code,
            )
            sdg_code = None
        also_raw = raw.get("also_sdg") or []
        also = [
            _text(a)
            for a in (
                also_raw
                if isinstance(also_raw, list)
                else str(also_raw).replace(";", ",").split(",")
            )
        ]
        also = [a for a in also if a]
        goal = _text(raw.get("goal")) or None
        if goal is not None and not re.fullmatch(r"[1-9]|1[0-7]", goal):
            self.add(row, "goal", "goal is not an SDG goal number", "write 1 to 17, e.g. 11", goal)
            goal = None
        if goal is None and sdg_code:
            goal = sdg_code.split(".")[0]
        confirmed = self.boolean(row, "confirmed", raw.get("confirmed"), True)
        if not (code and name and direction in DIRECTIONS):
            return
        if framework == "UMF" and umf_code is None:
            return
        self.result.indicators.append(
            IndicatorSpec(
                code=code,
                name=name,
                framework=framework,
                direction=direction,
                unit=_text(raw.get("unit")),
                custodian=_text(raw.get("custodian")),
                method_summary=_text(raw.get("method_summary")),
                method_version=_text(raw.get("method_version")) or "1",
                goal=goal,
                sdg_code=sdg_code,
                umf_code=umf_code,
                confirmed=confirmed,
                target=target,
                also_sdg=also,
                row=row,
            )
        )

    def placement(self, row: int, raw: dict[str, Any]) -> None:
        code = _text(raw.get("code"))
        umf_code = _text(raw.get("umf_code"))
        if not code:
            self.add(row, "code", "missing code", "name the indicator to move, e.g. UMF-3.4.1")
        if not UMF_CODE.match(umf_code):
            self.add(
                row,
                "umf_code",
                "bad UMF code" if umf_code else "missing UMF code",
                "write domain.objective.n with domain 1–5 and objective 1–4, e.g. 3.1.2",
                umf_code or None,
            )
            return
        confirmed = self.boolean(row, "confirmed", raw.get("confirmed"), True)
        if code:
            self.result.placements.append(PlacementSpec(code, umf_code, confirmed, row))

    def duplicates(self) -> None:
        seen: dict[str, int] = {}
        for spec in self.result.indicators:
            if spec.code in seen:
                self.add(
                    spec.row,
                    "code",
                    f"duplicate code (also in entry/row {seen[spec.code]})",
                    "give each indicator its own code",
                    spec.code,
                )
            else:
                seen[spec.code] = spec.row
        umf_seen: dict[str, int] = {}
        for spec in self.result.indicators:
            if spec.umf_code is None:
                continue
            if spec.umf_code in umf_seen:
                self.add(
                    spec.row,
                    "umf_code",
                    f"duplicate UMF code (also in entry/row {umf_seen[spec.umf_code]})",
                    "number indicators within a cell 1, 2, 3 …",
                    spec.umf_code,
                )
            else:
                umf_seen[spec.umf_code] = spec.row


def _load_yaml(path: Path, result: CatalogueFile) -> None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputFileError(
            path, f"not valid YAML ({exc})", "check indentation and quotes"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not UTF-8 text", "save the file as UTF-8") from exc
    if not isinstance(doc, dict):
        raise InputFileError(
            path,
            "no mapping at the top level",
            "start the file with `indicators:` (a list of entries)",
        )
    result.version = _text(doc.get("catalogue_version"))
    default_framework = _text(doc.get("framework")) or "custom"
    checker = _Checker(result)
    entries = doc.get("indicators") or []
    placements = doc.get("placements") or []
    if not isinstance(entries, list) or not isinstance(placements, list):
        raise InputFileError(
            path,
            "`indicators` and `placements` must be lists",
            "write each entry on a line starting with '- '",
        )
    if not entries and not placements:
        raise InputFileError(
            path, "no `indicators` or `placements` entries", "add an `indicators:` list"
        )
    for i, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict):
            checker.add(i, None, "entry is not a mapping", "write `- code: …` then `name: …`", raw)
            continue
        checker.indicator(i, raw, default_framework)
    for i, raw in enumerate(placements, start=1):
        if not isinstance(raw, dict):
            checker.add(i, None, "placement is not a mapping", "write `- {code: …, umf_code: …}`")
            continue
        checker.placement(i, raw)
    checker.duplicates()


def _load_csv(path: Path, result: CatalogueFile) -> None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, "not UTF-8 text", "save the CSV as UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("code", "name", "direction") if c not in header]
    if missing and not ("umf_code" in header and missing == ["code"]):
        raise InputFileError(
            path,
            f"missing column(s) {', '.join(missing)}",
            "the header needs at least code, name and direction",
        )
    checker = _Checker(result)
    for line, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): v for k, v in row.items()}
        if not any(_text(v) for v in clean.values()):
            continue
        checker.indicator(line, clean, "custom")
    checker.duplicates()


def read_catalogue_file(path: str | Path) -> CatalogueFile:
    """Parse and validate a YAML or CSV catalogue file; findings are collected, not raised.

    Raises :class:`InputFileError` only when the file cannot be read at all.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "file not found", "check the path")
    result = CatalogueFile(name=p.name)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        _load_yaml(p, result)
    elif suffix == ".csv":
        _load_csv(p, result)
    else:
        raise InputFileError(
            p, f"unsupported file type {suffix!r}", "give a .yaml, .yml or .csv file"
        )
    return result
