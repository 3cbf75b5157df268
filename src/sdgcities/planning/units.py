"""Units of a plan's targets, checked against the catalogue (pure rules, no I/O).

A target's unit must be the catalogue's unit of its indicator, or one that a declared
rule converts into it. The rules are data (:data:`CONVERSIONS`): ``(given, catalogue)
→ factor``, the value in the catalogue's unit being ``value × factor``. Nothing is
guessed: a unit with no rule is an error naming the indicator, the unit given and the
catalogue's unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: spellings that mean the same unit (compared after :func:`_key`)
SYNONYMS: dict[str, str] = {
    "percent": "%",
    "per cent": "%",
    "percentage": "%",
    "pct": "%",
    "share": "share (0–1)",
    "share (0-1)": "share (0–1)",
    "share 0-1": "share (0–1)",
    "share 0–1": "share (0–1)",
    "proportion": "share (0–1)",
    "proportion (0-1)": "share (0–1)",
    "fraction": "share (0–1)",
    "per 100000": "per 100,000",
    "per 100 000": "per 100,000",
    "per 1000": "per 1,000",
    "per 1 000": "per 1,000",
    "ug/m3": "µg/m³",
    "μg/m³": "µg/m³",
    "µg/m3": "µg/m³",
}

#: declared conversions: (given unit, catalogue unit) → factor into the catalogue's unit
CONVERSIONS: dict[tuple[str, str], float] = {
    ("share (0–1)", "%"): 100.0,
    ("%", "share (0–1)"): 0.01,
    ("per 1,000", "per 100,000"): 100.0,
    ("per 100,000", "per 1,000"): 0.01,
    ("per 100", "%"): 1.0,
}


def _key(unit: str) -> str:
    text = re.sub(r"\s+", " ", unit.strip().casefold())
    return SYNONYMS.get(text, text)


@dataclass(frozen=True)
class UnitCheck:
    """The outcome of checking a target's unit: the factor into the catalogue's unit."""

    ok: bool
    factor: float
    rule: str


def check_unit(given: str, catalogue: str) -> UnitCheck:
    """Whether ``given`` is ``catalogue``'s unit or converts into it by a declared rule.

    >>> check_unit("%", "%").factor
    1.0
    >>> check_unit("share (0-1)", "%").factor
    100.0
    >>> check_unit("km", "%").ok
    False
    """
    g, c = _key(given), _key(catalogue)
    if g == c:
        return UnitCheck(True, 1.0, "same unit")
    factor = CONVERSIONS.get((g, c))
    if factor is not None:
        return UnitCheck(True, factor, f"{given} × {factor:g} = {catalogue}")
    return UnitCheck(False, float("nan"), "")


def accepted_units(catalogue: str) -> list[str]:
    """The units a target of an indicator in ``catalogue`` units may be given in."""
    c = _key(catalogue)
    return [catalogue, *sorted({g for (g, to) in CONVERSIONS if to == c})]
