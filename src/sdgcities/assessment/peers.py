"""Peer cities: cities of the same type, for comparisons in the challenges analysis.

Peers are chosen by the first rule that yields at least ``min_peers`` other cities:

1. same UN city-size class **and** same SDG region;
2. same UN city-size class;
3. same SDG region;
4. same World Bank income group;
5. every other city in the store (the fallback; said so in the description).

A rule is skipped when the city itself lacks the attribute. Size class, region and
income group come from the city's typology rows (``CityTypology``), then from the
``City`` columns (``sdg_region``; size class from ``population``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.store.models import City

#: the rules in order: (basis key, typology attributes that must match)
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("size_class+sdg_region", ("size_class", "sdg_region")),
    ("size_class", ("size_class",)),
    ("sdg_region", ("sdg_region",)),
    ("income_group", ("income_group",)),
)
_LABELS = {
    "size_class": "UN size class",
    "sdg_region": "SDG region",
    "income_group": "income group",
}


@dataclass(frozen=True)
class PeerGroup:
    """The peers of one city and the rule that chose them."""

    city_id: int
    basis: str  # a key of RULES, or "all"
    description: str
    city_ids: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.city_ids)


def peer_group(session: Session, city_id: int, *, min_peers: int = 3) -> PeerGroup:
    """Choose the peers of ``city_id`` (see the module docstring for the rules)."""
    all_ids = [int(i) for i in session.scalars(select(City.id))]
    typ = _store.typology_of(session, all_ids).set_index("city_id")
    if city_id not in typ.index:
        _store.get_city(session, city_id)  # raises NotFoundError with suggestions
    me = typ.loc[city_id]
    others = typ.drop(index=city_id)
    for basis, attrs in RULES:
        if any(_blank(me[a]) for a in attrs):
            continue
        mask = pd.Series(True, index=others.index)
        for a in attrs:
            mask &= others[a] == me[a]
        ids = [int(i) for i in others.index[mask]]
        if len(ids) >= min_peers:
            what = " and ".join(f"{_LABELS[a]} {_show(a, me[a])}" for a in attrs)
            return PeerGroup(city_id, basis, f"same {what} ({len(ids)} cities)", sorted(ids))
    ids = sorted(int(i) for i in others.index)
    return PeerGroup(
        city_id,
        "all",
        f"all other cities in the store ({len(ids)}): fewer than {min_peers} cities share "
        "its size class, SDG region or income group",
        ids,
    )


def peer_cities(session: Session, city_id: int, *, min_peers: int = 3) -> list[City]:
    """The peer cities of ``city_id`` (same size class & region, with the fallbacks above)."""
    group = peer_group(session, city_id, min_peers=min_peers)
    if not group.city_ids:
        return []
    return list(
        session.scalars(select(City).where(City.id.in_(group.city_ids)).order_by(City.name))
    )


def _show(attr: str, value: object) -> str:
    if attr == "size_class":
        return _store.size_class_label(str(value))
    return str(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""
