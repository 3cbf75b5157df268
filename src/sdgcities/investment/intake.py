"""Project intake rules: the IATI-compatible core of a project and its validation.

Vocabularies are IATI 2.03 codelists shipped in ``data/`` (see its README): sector is an
OECD DAC 5-digit purpose code (``Sector``, IATI sector vocabulary 1), SDG targets are
codes of ``UNSDG-Targets`` (sector vocabulary 8), currency an ISO 4217 code
(``Currency``). Stages follow the facility's gates, in order.

Pure: no I/O beyond reading the shipped codelists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from sdgcities.errors import Finding, ValidationError

STAGES = (
    "ideation",
    "pre-feasibility",
    "feasibility",
    "structuring",
    "financial close",
    "implementation",
)
COLUMNS = (
    "city", "title", "description", "sector", "sdg_targets", "budget", "currency",
    "start", "end", "stage", "implementing_org",
)  # fmt: skip
OPTIONAL_COLUMNS = ("description",)


@lru_cache(maxsize=4)
def codelist(name: str) -> frozenset[str]:
    """The codes of a shipped codelist: ``sectors``, ``currencies`` or ``sdg_targets``."""
    text = (resources.files("sdgcities.investment") / "data" / f"{name}.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class ProjectInput:
    """One project's intake fields (the IATI core plus the facility's stage)."""

    city: str
    title: str
    description: str
    sector: str
    sdg_targets: tuple[str, ...]
    budget: float
    currency: str
    start: date
    end: date
    stage: str
    implementing_org: str


def _date(text: str) -> date:
    return date.fromisoformat(text.strip())


def projects_from_rows(
    rows: Sequence[Mapping[str, str | None]], file: str | None
) -> list[ProjectInput]:
    """Typed projects from text rows, or :class:`ValidationError` listing every finding."""
    findings: list[Finding] = []
    out: list[ProjectInput] = []
    sectors, targets, currencies = (
        codelist("sectors"),
        codelist("sdg_targets"),
        codelist("currencies"),
    )
    for i, raw in enumerate(rows):
        row = i + 2

        def add(col: str, msg: str, value: object, fix: str) -> None:
            findings.append(Finding(msg, file, row, col, str(value), fix))  # noqa: B023

        cell = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        for col in COLUMNS:
            if not cell[col] and col not in OPTIONAL_COLUMNS:
                add(col, "a required value is empty", "", "fill it in")
        if cell["sector"] and cell["sector"] not in sectors:
            add("sector", "not a DAC 5-digit sector code", cell["sector"],
                "use a code of the IATI Sector codelist, e.g. 21020 (road transport)")  # fmt: skip
        sdg = tuple(t.strip() for t in cell["sdg_targets"].split(";") if t.strip())
        for t in sdg:
            if t not in targets:
                add("sdg_targets", "not an SDG target code", t,
                    "give targets like 11.2;11.6 separated by ';' (goal.target)")  # fmt: skip
        budget = 0.0
        if cell["budget"]:
            try:
                budget = float(cell["budget"].replace(",", ""))
                if not budget > 0 or budget == float("inf"):
                    add("budget", "must be a positive amount", cell["budget"], "give e.g. 2500000")
            except ValueError:
                add("budget", "not a number", cell["budget"], "give a plain number, e.g. 2500000")
        cur = cell["currency"].upper()
        if cur and cur not in currencies:
            add("currency", "not an ISO 4217 currency code", cell["currency"], "give e.g. USD")
        dates: dict[str, date] = {}
        for col in ("start", "end"):
            if cell[col]:
                try:
                    dates[col] = _date(cell[col])
                except ValueError:
                    add(col, "not a date", cell[col], "write it as YYYY-MM-DD")
        if len(dates) == 2 and dates["end"] < dates["start"]:
            add("end", f"before the start ({dates['start']})", cell["end"], "swap or fix the dates")
        stage = cell["stage"].lower()
        if stage and stage not in STAGES:
            add("stage", "unknown stage", cell["stage"], "use one of: " + ", ".join(STAGES))
        out.append(
            ProjectInput(
                city=cell["city"],
                title=cell["title"],
                description=cell["description"],
                sector=cell["sector"],
                sdg_targets=sdg,
                budget=budget,
                currency=cur,
                start=dates.get("start", date.min),
                end=dates.get("end", date.min),
                stage=stage,
                implementing_org=cell["implementing_org"],
            )
        )
    if not rows:
        findings.append(
            Finding("the file has no project rows", file, fix="add one row per project")
        )
    if findings:
        raise ValidationError(f"{len(findings)} problem(s) in {file or 'the projects'}", findings)
    return out
