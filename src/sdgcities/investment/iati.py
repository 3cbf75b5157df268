"""Write projects as IATI 2.03 activity XML (the standard's element order and codelists).

Mapping (IATI 2.03 activity standard, iatistandard.org/en/iati-standard/203/):
``iati-identifier`` = ``<prefix>-<city slug>-<project id>``; ``title``/``description``
narratives; ``participating-org`` role 4 (Implementing, OrganisationRole codelist) with the
implementing organisation's name; ``activity-status`` 1 (Pipeline/identification) for every
stage before implementation, 2 (Implementation) after; ``activity-date`` type 1 (planned
start), 2 (actual start: the date of the implementation gate, once passed) and 3 (planned
end); ``location`` named after the city; ``sector`` vocabulary 1
(DAC 5-digit) at 100 %, and each SDG target as ``sector`` vocabulary 8 with equal
percentages summing to 100; ``budget`` type 1 (original), status 1 (indicative) over the
project's dates, in its currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from sdgcities.investment.intake import ProjectInput

IATI_VERSION = "2.03"
#: reporting-organisation identifier prefix (replace by the facility's registered IATI id)
DEFAULT_PREFIX = "XI-SDGCITIES"


@dataclass(frozen=True)
class Activity:
    """One stored project for the export: its id, its city's slug, and its intake fields."""

    id: int
    city_slug: str
    project: ProjectInput


def _narrative(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    etree.SubElement(el, "narrative").text = text
    return el


def _shares(n: int) -> list[str]:
    """``n`` percentages with two decimals that sum to exactly 100."""
    cents = [10_000 // n] * n
    cents[-1] += 10_000 - sum(cents)
    return [f"{c / 100:.2f}" for c in cents]


def activities_xml(
    activities: Iterable[Activity],
    *,
    reporting_org: str = "SDG Cities investment facility",
    prefix: str = DEFAULT_PREFIX,
    generated: str | None = None,
) -> bytes:
    """The ``iati-activities`` document of ``activities`` (UTF-8 bytes)."""
    root = etree.Element("iati-activities", version=IATI_VERSION)
    if generated:
        root.set("generated-datetime", generated)
    for item in activities:
        a = item.project
        act = etree.SubElement(root, "iati-activity", {"default-currency": a.currency})
        etree.SubElement(act, "iati-identifier").text = f"{prefix}-{item.city_slug}-{item.id}"
        rep = _narrative(act, "reporting-org", reporting_org)
        rep.set("ref", prefix)
        rep.set("type", "10")  # Government
        _narrative(act, "title", a.title)
        _narrative(act, "description", a.description or a.title).set("type", "1")
        _narrative(act, "participating-org", a.implementing_org).set("role", "4")
        status = "2" if a.stage == "implementation" else "1"
        etree.SubElement(act, "activity-status", code=status)
        etree.SubElement(act, "activity-date", {"type": "1", "iso-date": a.start.isoformat()})
        started = dict(a.gates).get("implementation")
        if started is not None:  # the implementation gate: the actual start
            etree.SubElement(act, "activity-date", {"type": "2", "iso-date": started.isoformat()})
        etree.SubElement(act, "activity-date", {"type": "3", "iso-date": a.end.isoformat()})
        _narrative(etree.SubElement(act, "location"), "name", a.city)
        etree.SubElement(act, "sector", vocabulary="1", code=a.sector, percentage="100")
        for target, share in zip(a.sdg_targets, _shares(len(a.sdg_targets)), strict=True):
            etree.SubElement(act, "sector", vocabulary="8", code=target, percentage=share)
        budget = etree.SubElement(act, "budget", type="1", status="1")
        etree.SubElement(budget, "period-start", {"iso-date": a.start.isoformat()})
        etree.SubElement(budget, "period-end", {"iso-date": a.end.isoformat()})
        value = etree.SubElement(
            budget, "value", {"currency": a.currency, "value-date": a.start.isoformat()}
        )
        value.text = f"{a.budget:.2f}"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
