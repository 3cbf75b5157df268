"""The programme portfolio's controlled vocabularies (data, not code).

- the strategic plan 2020–2023's four domains of change and twelve outcomes
  (``data/strategic_plan.yaml``, titles as in the plan; see the data README);
- funding: modality core | earmarked, earmark soft | hard, status concept_note |
  approved | mobilised | disbursed, currencies ISO 4217 (the codelist shipped with the
  investment facility, :func:`sdgcities.investment.intake.codelist`);
- partnerships: state discussed | agreed | active; the partner directory
  (``data/partners.yaml``: each partner's name, aliases and kind, reviewed by hand).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

PROGRAMME_KEYS = {
    1: "vibrant-neighbourhoods",
    2: "smart-cities",
    3: "rise-up",
    4: "inclusive-cities",
    5: "sdg-cities",
}
MODALITIES = ("core", "earmarked")
EARMARKS = ("soft", "hard")
FUNDING_STATUSES = ("concept_note", "approved", "mobilised", "disbursed")
INITIATIVE_STATUSES = ("discussed", "in_development", "active", "completed")
#: a partnership's state, weakest first
STATES = ("discussed", "agreed", "active")
CONTRIBUTIONS = ("main", "co_benefit")
#: UN short names the report uses that ISO 3166 spells otherwise
COUNTRY_ALIASES = {
    "Iran (Islamic Republic of)": "IRN",
    "Plurinational State of Bolivia": "BOL",
    "United Republic of Tanzania": "TZA",
    "Democratic Republic of the Congo": "COD",
    "Turkey": "TUR",
}
#: regions the report names as geographic priorities
REGIONS = (
    "Asia-Pacific region",
    "Africa",
    "Arab States",
    "small island developing States",
    "West Africa",
    "Latin America and the Caribbean",
    "Sahel",
    "Andean countries",
)
_DISCUSSED = re.compile(
    r"being pursued|being explored|exploring|discussions|potential|initiated|willingness|"
    r"offers an opportunity|being developed|will continue|intention"
)


def partnership_state(sentence: str, section: str) -> str:
    """The state a sentence gives a partnership it names.

    Words of intent ("being pursued", "discussions", "potential", "expressed
    willingness" …) make it *discussed*; a partner named as working with the programme
    (its strategy, progress or the partnerships "so far") is *active*. The report records
    no signed agreement, so *agreed* is never read from it — it is set by staff.
    """
    if _DISCUSSED.search(sentence):
        return "discussed"
    return "active" if section in ("partnership", "progress", "strategy") else "discussed"


def role_of(sections: list[str]) -> str:
    """A partner's role from the sections naming it (progress first: what it does)."""
    for section, role in (
        ("progress", "implementation partner"),
        ("partnership", "strategic partner"),
        ("strategy", "platform or network"),
        ("way_forward", "prospective partner"),
        ("overview", "partner"),
        ("alignment", "partner"),
    ):
        if section in sections:
            return role
    return "partner"


@lru_cache(maxsize=1)
def strategic_plan() -> dict[str, Any]:
    path = resources.files("sdgcities.programmes") / "data" / "strategic_plan.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def plan_titles() -> dict[str, str]:
    """Code → official title: ``D1``–``D4`` the domains, ``1.1``–``4.3`` the outcomes."""
    out = {"plan": "The strategic plan 2020–2023 as a whole"}
    for d in strategic_plan()["domains"]:
        out[f"D{d['number']}"] = d["title"]
        for o in d["outcomes"]:
            out[o["code"]] = o["title"]
    return out


def outcomes_of(domain: int) -> list[str]:
    for d in strategic_plan()["domains"]:
        if d["number"] == domain:
            return [o["code"] for o in d["outcomes"]]
    return []


@lru_cache(maxsize=1)
def partner_directory() -> list[dict[str, Any]]:
    path = resources.files("sdgcities.programmes") / "data" / "partners.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["partners"])


@lru_cache(maxsize=1)
def partner_patterns() -> list[tuple[re.Pattern[str], str]]:
    pairs = []
    for p in partner_directory():
        for alias in [p["name"], *(p.get("aliases") or [])]:
            pairs.append((alias, p["name"]))
    pairs.sort(key=lambda x: len(x[0]), reverse=True)
    return [(re.compile(r"(?<![\w-])" + re.escape(a) + r"(?![\w-])"), n) for a, n in pairs]


def currencies() -> frozenset[str]:
    """ISO 4217 codes (the codelist the investment facility ships; one list, not two)."""
    from sdgcities.investment.intake import codelist

    return codelist("currencies")
