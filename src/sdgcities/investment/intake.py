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
from itertools import pairwise

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
    "start", "end", "stage", "implementing_org", "tranches", "gates",
)  # fmt: skip
OPTIONAL_COLUMNS = ("description", "tranches", "gates")
#: the financing instruments of a tranche (blended-finance structures)
INSTRUMENTS = ("grant", "concessional loan", "commercial loan", "equity", "guarantee")
#: tolerance of the tranches' sum against the budget (one cent)
SUM_TOLERANCE = 0.01


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
    #: (instrument, amount) in the project's currency; empty when not given
    tranches: tuple[tuple[str, float], ...] = ()
    #: (stage, date the project passed that gate), in stage order
    gates: tuple[tuple[str, date], ...] = ()


def _pairs(text: str) -> list[tuple[str, str]]:
    """``a:1;b:2`` → ``[("a", "1"), ("b", "2")]`` (a part without ``:`` keeps ``""``)."""
    out = []
    for part in text.split(";"):
        if part.strip():
            key, _, value = part.partition(":")
            out.append((key.strip().lower(), value.strip()))
    return out


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
        tranches: list[tuple[str, float]] = []
        for kind, amount in _pairs(cell["tranches"]):
            if kind not in INSTRUMENTS:
                add("tranches", "unknown instrument", kind, "use: " + ", ".join(INSTRUMENTS))
                continue
            try:
                tranches.append((kind, float(amount.replace(",", ""))))
            except ValueError:
                add("tranches", f"the {kind} amount is not a number", amount,
                    "write instrument:amount pairs, e.g. grant:500000;equity:250000")  # fmt: skip
                continue
            if not tranches[-1][1] > 0:
                add("tranches", f"the {kind} amount must be positive", amount, "give e.g. 500000")
        total = sum(a for _, a in tranches)
        if tranches and budget > 0 and abs(total - budget) > SUM_TOLERANCE:
            add("tranches", f"the tranches sum to {total:,.2f}, not the budget {budget:,.2f} "
                f"(a difference of {total - budget:+,.2f})",
                cell["tranches"], "make the tranche amounts add up to the budget")  # fmt: skip
        gates: list[tuple[str, date]] = []
        for gate, when in _pairs(cell["gates"]):
            if gate not in STAGES:
                add("gates", "unknown stage", gate, "use one of: " + ", ".join(STAGES))
                continue
            try:
                gates.append((gate, _date(when)))
            except ValueError:
                add("gates", f"the {gate} date is not a date", when, "write stage:YYYY-MM-DD")
        gates.sort(key=lambda g: STAGES.index(g[0]))
        if len({g for g, _ in gates}) < len(gates):
            add("gates", "a stage is given twice", cell["gates"], "give each gate once")
        for (g0, d0), (g1, d1) in pairwise(gates):
            if d1 < d0:
                add("gates", f"{g1} ({d1}) is dated before {g0} ({d0})", cell["gates"],
                    "date each gate on or after the one before it")  # fmt: skip
        if stage in STAGES and any(STAGES.index(g) > STAGES.index(stage) for g, _ in gates):
            add("gates", f"a gate after the current stage ({stage})", cell["gates"],
                "drop the later gates or move the stage on")  # fmt: skip
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
                tranches=tuple(tranches),
                gates=tuple(gates),
            )
        )
    if not rows:
        findings.append(
            Finding("the file has no project rows", file, fix="add one row per project")
        )
    if findings:
        raise ValidationError(f"{len(findings)} problem(s) in {file or 'the projects'}", findings)
    return out
