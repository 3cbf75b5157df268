"""Canonical disaggregation keys such as ``"age=15-24|sex=female"``.

A value of an indicator may be broken down by sex, age, migrant status, disability …
The store keeps the breakdown as one canonical text key: ``dimension=value`` pairs,
lower-case dimension names, sorted by dimension, joined by ``|``; the empty key is the
total. Files may give the breakdown as separate columns (``sex``, ``age`` …) or as one
``disaggregation`` column holding such a key (in any order).
"""

from __future__ import annotations

from collections.abc import Mapping

from sdgcities._i18n import _

#: columns of an observations file that are read as disaggregation dimensions
DIMENSION_COLUMNS: tuple[str, ...] = (
    "sex",
    "age",
    "migrant_status",
    "disability",
    "income",
    "location",
    "education",
    "ethnicity",
)

#: values that mean "no breakdown along this dimension"
_TOTAL_WORDS = frozenset({"", "total", "all", "_t", "both sexes"})


def _clean_dimension(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def canonical_key(parts: Mapping[str, object] | str | None) -> str:
    """The canonical key of a breakdown given as a mapping or as a key in any order.

    >>> canonical_key({"sex": "Female", "age": "15-24"})
    'age=15-24|sex=female'
    >>> canonical_key("sex=male | age=total")
    'sex=male'
    >>> canonical_key(None)
    ''

    Raises ``ValueError`` for a malformed text key (a part without ``=``) or a
    dimension given twice with different values.
    """
    if parts is None:
        return ""
    pairs: dict[str, str] = {}
    items: list[tuple[str, object]]
    if isinstance(parts, str):
        if " ".join(parts.strip().lower().split()) in _TOTAL_WORDS:
            return ""
        items = []
        for chunk in parts.split("|"):
            if not chunk.strip():
                continue
            if "=" not in chunk:
                raise ValueError(
                    _("{part} is not of the form dimension=value").format(part=repr(chunk.strip()))
                )
            dim, _eq, val = chunk.partition("=")
            items.append((dim, val))
    else:
        items = list(parts.items())
    for dim, raw in items:
        name = _clean_dimension(str(dim))
        if not name:
            raise ValueError(_("a disaggregation part has no dimension name"))
        value = "" if raw is None else " ".join(str(raw).strip().lower().split())
        if value in _TOTAL_WORDS:
            continue
        if "|" in value or "=" in value:
            raise ValueError(
                _("value {value} of {dimension} may not contain '|' or '='").format(
                    value=repr(value), dimension=repr(name)
                )
            )
        if name in pairs and pairs[name] != value:
            raise ValueError(
                _("dimension {dimension} given twice ({first}, {second})").format(
                    dimension=repr(name), first=repr(pairs[name]), second=repr(value)
                )
            )
        pairs[name] = value
    return "|".join(f"{k}={pairs[k]}" for k in sorted(pairs))


def parse_key(key: str) -> dict[str, str]:
    """The mapping of a canonical key (``""`` gives ``{}``)."""
    return dict(part.split("=", 1) for part in key.split("|") if part)
