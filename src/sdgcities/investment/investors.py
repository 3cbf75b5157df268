"""Investor profiles and investment windows: import (all or nothing), list, the demo windows.

Investor CSV columns: ``name, sdg_focus`` (goals or targets, ``11;11.2``), ``regions``
(SDG regions, ``;``-separated; empty = any), ``ticket_min, ticket_max, currency,
instruments`` (tranche kinds; empty = any), ``stages`` (empty = any), ``returns``
(``concessional``, ``market`` or ``impact-first``); optional ``example`` (yes/no),
``source`` and ``account`` (the e-mail of the investor's user account, role ``investor``:
it then sees its own profile's matches and introductions).

Window CSV columns: ``name, institution``; optional ``themes`` (free text, ``;``),
``sectors`` (DAC 5-digit), ``countries`` (ISO3; empty = not restricted), ``sdg_focus``,
``instruments``, ``amount, currency, deadline`` (YYYY-MM-DD), ``source``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.cities import typology
from sdgcities.errors import Finding, InputFileError, ValidationError
from sdgcities.investment.intake import INSTRUMENTS, STAGES, codelist
from sdgcities.investment.models import InvestmentWindow, Investor
from sdgcities.store.models import User

RETURNS = ("concessional", "market", "impact-first")
INVESTOR_COLUMNS = (
    "name",
    "sdg_focus",
    "regions",
    "ticket_min",
    "ticket_max",
    "currency",
    "instruments",
    "stages",
    "returns",
)
INVESTOR_OPTIONAL = (
    "sdg_focus",
    "regions",
    "instruments",
    "stages",
    "example",
    "source",
    "account",
)
WINDOW_COLUMNS = ("name", "institution")
WINDOW_OPTIONAL = (
    "themes",
    "sectors",
    "countries",
    "sdg_focus",
    "instruments",
    "amount",
    "currency",
    "deadline",
    "source",
)


@lru_cache(maxsize=1)
def sdg_regions() -> frozenset[str]:
    """The SDG regions of the shipped country table (as ``City.sdg_region``)."""
    return frozenset(c.sdg_region for c in typology.all_countries() if c.sdg_region)


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    return frozenset(c.iso3 for c in typology.all_countries())


def _rows(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputFileError(path, "no such file", "give the path of a CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(path, "not UTF-8 text", "save the sheet as 'CSV UTF-8'") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(
            f"{path.name}: required columns missing",
            [Finding("required column missing", path.name, 1, c, fix="add it") for c in missing],
        )
    rows = [{k: (v or "").strip() for k, v in r.items() if isinstance(k, str)} for r in reader]
    if not rows:
        raise ValidationError(
            f"{path.name}: no rows", [Finding("the file has no rows", path.name, fix="add one")]
        )
    return rows


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.split(";") if x.strip()]


class _Checker:
    """Collects findings of one file, row by row."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.findings: list[Finding] = []

    def add(self, row: int, col: str, msg: str, value: object, fix: str) -> None:
        self.findings.append(Finding(msg, self.file, row, col, str(value), fix))

    def choices(
        self, row: int, col: str, text: str, allowed: Sequence[str] | frozenset[str], fix: str
    ) -> list[str]:
        values = _list(text)
        for v in values:
            if v not in allowed:
                self.add(row, col, f"unknown value {v!r}", v, fix)
        return values

    def sdg(self, row: int, text: str) -> list[str]:
        targets = codelist("sdg_targets")
        goals = {t.split(".")[0] for t in targets}
        values = _list(text)
        for v in values:
            if v not in targets and v not in goals:
                self.add(
                    row,
                    "sdg_focus",
                    "not an SDG goal or target",
                    v,
                    "give goals or targets like 11;6.1 separated by ';'",
                )
        return values

    def amount(self, row: int, col: str, text: str, *, required: bool) -> float | None:
        if not text:
            if required:
                self.add(row, col, "a required value is empty", "", "fill it in")
            return None
        try:
            x = float(text.replace(",", ""))
        except ValueError:
            self.add(row, col, "not a number", text, "give a plain number, e.g. 500000")
            return None
        if not (x >= 0 and math.isfinite(x)):
            self.add(row, col, "must be a positive amount", text, "give e.g. 500000")
            return None
        return x

    def currency(self, row: int, text: str, *, required: bool) -> str | None:
        cur = text.upper()
        if not cur:
            if required:
                self.add(row, "currency", "a required value is empty", "", "give e.g. USD")
            return None
        if cur not in codelist("currencies"):
            self.add(row, "currency", "not an ISO 4217 currency code", text, "give e.g. USD")
        return cur


def investors_from_rows(rows: Sequence[Mapping[str, str]], file: str | None) -> list[Investor]:
    """Investor profiles from text rows, or ValidationError listing every finding."""
    c = _Checker(file)
    out: list[Investor] = []
    names: set[str] = set()
    for i, r in enumerate(rows):
        row = i + 2
        for col in INVESTOR_COLUMNS:
            if col not in INVESTOR_OPTIONAL and not r.get(col, ""):
                c.add(row, col, "a required value is empty", "", "fill it in")
        name = r.get("name", "")
        if name in names:
            c.add(row, "name", "the same investor twice", name, "give each investor once")
        names.add(name)
        lo = c.amount(row, "ticket_min", r.get("ticket_min", ""), required=True)
        hi = c.amount(row, "ticket_max", r.get("ticket_max", ""), required=True)
        if lo is not None and hi is not None and hi < lo:
            c.add(
                row,
                "ticket_max",
                f"below the minimum ({lo:,.0f})",
                r["ticket_max"],
                "give a maximum at least the minimum",
            )
        returns = r.get("returns", "").lower()
        if returns and returns not in RETURNS:
            c.add(
                row, "returns", "unknown return expectation", returns, "use: " + ", ".join(RETURNS)
            )
        example = r.get("example", "").lower()
        if example not in ("", "yes", "no", "true", "false", "1", "0"):
            c.add(row, "example", "not yes or no", example, "write yes or no")
        out.append(
            Investor(
                name=name,
                sdg_focus=c.sdg(row, r.get("sdg_focus", "")),
                regions=c.choices(
                    row,
                    "regions",
                    r.get("regions", ""),
                    sdg_regions(),
                    "use SDG regions, e.g. Sub-Saharan Africa",
                ),
                ticket_min=lo or 0.0,
                ticket_max=hi or 0.0,
                currency=c.currency(row, r.get("currency", ""), required=True) or "",
                instruments=c.choices(
                    row,
                    "instruments",
                    r.get("instruments", "").lower(),
                    INSTRUMENTS,
                    "use: " + ", ".join(INSTRUMENTS),
                ),
                stages=c.choices(
                    row, "stages", r.get("stages", "").lower(), STAGES, "use: " + ", ".join(STAGES)
                ),
                returns=returns,
                is_example=example in ("yes", "true", "1"),
                source=r.get("source", ""),
            )
        )
    if c.findings:
        raise ValidationError(
            f"{len(c.findings)} problem(s) in {file or 'the investors'}", c.findings
        )
    return out


def windows_from_rows(
    rows: Sequence[Mapping[str, Any]], file: str | None
) -> list[InvestmentWindow]:
    """Investment windows from rows (text, or lists from YAML); every finding or none."""
    c = _Checker(file)
    out: list[InvestmentWindow] = []
    for i, raw in enumerate(rows):
        row = i + 2
        r = {
            k: (";".join(map(str, v)) if isinstance(v, list) else str(v or "")).strip()
            for k, v in raw.items()
        }
        for col in WINDOW_COLUMNS:
            if not r.get(col, ""):
                c.add(row, col, "a required value is empty", "", "fill it in")
        amount = c.amount(row, "amount", r.get("amount", ""), required=False)
        cur = c.currency(row, r.get("currency", ""), required=amount is not None)
        deadline = None
        if r.get("deadline"):
            try:
                deadline = date.fromisoformat(r["deadline"])
            except ValueError:
                c.add(row, "deadline", "not a date", r["deadline"], "write it as YYYY-MM-DD")
        out.append(
            InvestmentWindow(
                name=r.get("name", ""),
                institution=r.get("institution", ""),
                themes=_list(r.get("themes", "")),
                sectors=c.choices(
                    row,
                    "sectors",
                    r.get("sectors", ""),
                    codelist("sectors"),
                    "use DAC 5-digit codes, e.g. 21020",
                ),
                countries=c.choices(
                    row,
                    "countries",
                    r.get("countries", "").upper(),
                    iso3_codes(),
                    "use ISO3 codes, e.g. KEN",
                ),
                sdg_focus=c.sdg(row, r.get("sdg_focus", "")),
                instruments=c.choices(
                    row,
                    "instruments",
                    r.get("instruments", "").lower(),
                    INSTRUMENTS,
                    "use: " + ", ".join(INSTRUMENTS),
                ),
                amount=amount,
                currency=cur,
                deadline=deadline,
                source=r.get("source", ""),
            )
        )
    if c.findings:
        raise ValidationError(
            f"{len(c.findings)} problem(s) in {file or 'the windows'}", c.findings
        )
    return out


def _upsert(session: Session, model: Any, items: Sequence[Any], keys: Sequence[str]) -> int:
    for item in items:
        q = select(model).where(*(getattr(model, k) == getattr(item, k) for k in keys))
        found = session.scalar(q)
        if found is None:
            session.add(item)
            continue
        for col in [c.key for c in model.__table__.columns]:
            if col not in ("id", "created_at") and not (col == "user_id" and item.user_id is None):
                setattr(found, col, getattr(item, col))
    session.flush()
    return len(items)


def import_investors(session: Session, path: str | Path) -> int:
    """Add or update the investor profiles of a CSV (by name), all or nothing."""
    p = Path(path)
    rows = _rows(p, INVESTOR_COLUMNS)
    items = investors_from_rows(rows, p.name)
    findings = []
    for i, (row, item) in enumerate(zip(rows, items, strict=True)):
        email = row.get("account", "").strip().lower()
        if not email:
            continue
        user = session.scalar(select(User).where(User.email == email))
        if user is None or user.role != "investor":
            findings.append(
                Finding(
                    "no investor account with this e-mail",
                    p.name,
                    i + 2,
                    "account",
                    email,
                    "add it first: sdgcities users add EMAIL --role investor",
                )
            )
            continue
        item.user_id = user.id
    if findings:
        raise ValidationError(f"{len(findings)} problem(s) in {p.name}", findings)
    return _upsert(session, Investor, items, ("name",))


def import_windows(session: Session, path: str | Path) -> int:
    """Add or update the windows of a CSV (by name and institution), all or nothing."""
    p = Path(path)
    items = windows_from_rows(_rows(p, WINDOW_COLUMNS), p.name)
    return _upsert(session, InvestmentWindow, items, ("name", "institution"))


def demo_windows(session: Session) -> int:
    """The windows the seed report states (para 92), from ``data/windows_demo.yaml``."""
    text = (resources.files("sdgcities.investment") / "data" / "windows_demo.yaml").read_text(
        "utf-8"
    )
    items = windows_from_rows(yaml.safe_load(text), "windows_demo.yaml")
    return _upsert(session, InvestmentWindow, items, ("name", "institution"))


def list_investors(session: Session) -> list[Investor]:
    return list(session.scalars(select(Investor).order_by(Investor.name)))


def list_windows(session: Session) -> list[InvestmentWindow]:
    return list(
        session.scalars(
            select(InvestmentWindow).order_by(InvestmentWindow.deadline, InvestmentWindow.name)
        )
    )


def investor_dict(x: Investor) -> dict[str, Any]:
    return {
        "id": x.id,
        "name": x.name,
        "sdg_focus": x.sdg_focus,
        "regions": x.regions,
        "ticket_min": x.ticket_min,
        "ticket_max": x.ticket_max,
        "currency": x.currency,
        "instruments": x.instruments,
        "stages": x.stages,
        "returns": x.returns,
        "example": x.is_example,
        "source": x.source,
    }


def window_dict(x: InvestmentWindow) -> dict[str, Any]:
    return {
        "id": x.id,
        "name": x.name,
        "institution": x.institution,
        "themes": x.themes,
        "sectors": x.sectors,
        "countries": x.countries,
        "sdg_focus": x.sdg_focus,
        "instruments": x.instruments,
        "amount": x.amount,
        "currency": x.currency,
        "deadline": x.deadline.isoformat() if x.deadline else None,
        "source": x.source,
    }
