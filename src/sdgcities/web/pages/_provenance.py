"""Provenance details as readable fields (never a raw dict or ``True`` on a page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: readable labels of the keys the importers and the spatial engine write
LABELS = {
    "column": "Column",
    "method": "Method",
    "method_version": "Method version",
    "kind": "Kind",
    "run_id": "Spatial run",
    "indicator": "Indicator",
    "parameters": "Parameters",
    "inputs": "Inputs",
    "software": "Software",
    "population_is_estimate": "Population estimated",
    "via": "Entered through",
    "city_code": "City code",
    "footnote": "Footnote",
}


@dataclass(frozen=True)
class Field:
    """One line of a provenance listing: ``kind`` is text, bool, number, code or group."""

    label: str
    value: Any
    kind: str
    children: tuple[Field, ...] = ()


def _label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " ").strip().capitalize() or key)


def _field(key: str, value: Any, depth: int) -> Field:
    label = _label(str(key))
    if isinstance(value, bool):
        return Field(label, value, "bool")
    if isinstance(value, int | float):
        return Field(label, value, "number")
    if value is None or value == "" or value == [] or value == {}:
        return Field(label, "—", "text")
    if isinstance(value, dict):
        if depth >= 2:
            text = "; ".join(f"{_label(str(k))}: {v}" for k, v in value.items())
            return Field(label, text, "text")
        kids = tuple(_field(str(k), v, depth + 1) for k, v in value.items())
        return Field(label, "", "group", kids)
    if isinstance(value, list | tuple):
        return Field(label, ", ".join(str(v) for v in value), "text")
    text = str(value)
    if len(text) >= 32 and all(c in "0123456789abcdef" for c in text.lower()):
        return Field(label, text, "code")  # a checksum
    return Field(label, text, "text")


def provenance_fields(prov: dict[str, Any]) -> list[Field]:
    """The provenance dict of a value as labelled fields, nested one level for groups.

    >>> [(f.label, f.kind) for f in provenance_fields({"column": "B", "ok": True})]
    [('Column', 'text'), ('Ok', 'bool')]
    """
    return [_field(str(k), v, 0) for k, v in prov.items()]
