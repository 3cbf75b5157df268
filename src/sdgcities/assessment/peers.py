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

``among`` restricts the candidates (for example to the cities with data for the
indicators being compared): a peer without data tells nothing, so
:func:`peers_with_data` prefers similar cities that have values, and says when none has.
The description is worded in the current language (:mod:`sdgcities._i18n`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from sdgcities._i18n import N_, _, ngettext
from sdgcities.assessment import _store
from sdgcities.store.models import City, CityTypology

#: the rules in order: (basis key, typology attributes that must match)
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("size_class+sdg_region", ("size_class", "sdg_region")),
    ("size_class", ("size_class",)),
    ("sdg_region", ("sdg_region",)),
    ("income_group", ("income_group",)),
)
_LABELS = {
    "size_class": N_("UN size class"),
    "sdg_region": N_("SDG region"),
    "income_group": N_("income group"),
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


def peer_group(
    session: Session,
    city_id: int,
    *,
    min_peers: int = 3,
    among: Collection[int] | None = None,
    fallback: bool = True,
) -> PeerGroup:
    """Choose the peers of ``city_id`` (see the module docstring for the rules).

    ``among``: only these cities can be peers (the city itself is never its own peer).
    ``fallback=False``: when no rule yields ``min_peers`` cities, no peers (basis
    ``"none"``) instead of every other city.
    """
    found = _store.typology_rows(session, [city_id])
    if not found:
        _store.get_city(session, city_id)  # raises NotFoundError with suggestions
    me = found[0]
    wanted = None if among is None else {int(i) for i in among}

    def candidates(attrs: tuple[str, ...] = ()) -> list[int]:
        """Other cities sharing ``attrs`` with the city, restricted to ``among``."""
        params = {"me": city_id, **{a: me[a] for a in attrs}}
        ids = session.scalars(_candidates_statement(attrs), params)
        return [int(i) for i in ids if wanted is None or int(i) in wanted]

    for basis, attrs in RULES:
        if any(_blank(me[a]) for a in attrs):
            continue
        ids = candidates(tuple(attrs))
        if len(ids) >= min_peers:
            what = _(" and ").join(
                _("{attribute} {value}").format(attribute=_(_LABELS[a]), value=_show(a, me[a]))
                for a in attrs
            )
            desc = ngettext(
                "same {what} ({count} city)", "same {what} ({count} cities)", len(ids)
            ).format(what=what, count=len(ids))
            return PeerGroup(city_id, basis, desc, sorted(ids))
    ids = sorted(candidates())
    if not fallback:
        return PeerGroup(city_id, "none", _("no similar city"), [])
    desc = ngettext(
        "all other cities in the store ({count}): fewer than {min} cities share its size "
        "class, SDG region or income group",
        "all other cities in the store ({count}): fewer than {min} cities share its size "
        "class, SDG region or income group",
        len(ids),
    ).format(count=len(ids), min=min_peers)
    return PeerGroup(city_id, "all", desc, ids)


@lru_cache(maxsize=16)
def _candidates_statement(attrs: tuple[str, ...]) -> Any:
    """The other cities whose ``attrs`` equal the bound values (built once per rule).

    Each attribute's typology row is an outer join on its unique key (city, kind) rather
    than a subquery per city: about half the database time over a thousand cities, on
    every city page.
    """
    stmt = select(City.id)
    where = [City.id != bindparam("me")]
    for a in attrs:
        row = aliased(CityTypology, name=f"typology_{a}")
        stmt = stmt.outerjoin(row, and_(row.city_id == City.id, row.kind == a))
        where.append(_store.typology_expression(a, row.value) == bindparam(a))
    return stmt.where(*where)


def peer_cities(session: Session, city_id: int, *, min_peers: int = 3) -> list[City]:
    """The peer cities of ``city_id`` (same size class & region, with the fallbacks above)."""
    group = peer_group(session, city_id, min_peers=min_peers)
    if not group.city_ids:
        return []
    return list(
        session.scalars(select(City).where(City.id.in_(group.city_ids)).order_by(City.name))
    )


@dataclass(frozen=True)
class PeersWithData:
    """Similar cities that have data, most values first, and the group they come from."""

    group: PeerGroup
    cities: list[City]
    #: city id → how many of the indicators it has a value for
    coverage: dict[int, int]
    #: the similar cities (by the rules, ignoring data) that have no value at all
    without_data: int

    @property
    def none_with_data(self) -> bool:
        return not self.cities


def peers_with_data(
    session: Session,
    city_id: int,
    indicator_codes: Iterable[str] | None = None,
    *,
    limit: int | None = None,
    min_peers: int = 1,
    published_only: bool = True,
) -> PeersWithData:
    """Peers of ``city_id`` chosen among the cities with a value of ``indicator_codes``.

    The rules of :func:`peer_group` are applied, most similar first, to the cities that
    have a current value of at least one of the indicators (all of the city's own
    indicators when None): the first rule matching ``min_peers`` such cities wins. When
    none does there are no peers — every other city is not "similar", so it is not used
    as a fallback here. Peers are ordered by how many of the indicators they have (most
    first), then by name, and cut to ``limit``. ``without_data`` counts the cities the
    rules alone would have chosen (at least 3 peers) that have no value, so a page can
    say why they are not shown.
    """
    codes = None if indicator_codes is None else list(indicator_codes)
    if codes is None:
        mine = _store.current_observations(
            session, city_ids=[city_id], published_only=published_only, disaggregation=""
        )
        codes = sorted(set(mine["indicator"].astype(str))) if len(mine) else []
    coverage: dict[int, int] = {}
    if codes:
        obs = _store.current_observations(
            session, indicator_codes=codes, published_only=published_only, disaggregation=""
        )
        obs = obs[obs["value"].notna()] if len(obs) else obs
        if len(obs):
            counts = obs.groupby("city_id")["indicator"].nunique()
            coverage = {
                int(str(k)): int(str(v)) for k, v in counts.items() if int(str(k)) != city_id
            }
    plain = peer_group(session, city_id)
    without = sum(1 for i in plain.city_ids if i not in coverage)
    group = peer_group(session, city_id, min_peers=min_peers, among=set(coverage), fallback=False)
    if not group.city_ids:
        return PeersWithData(group, [], {}, without)
    found = {c.id: c for c in session.scalars(select(City).where(City.id.in_(group.city_ids)))}
    order = sorted(found.values(), key=lambda c: (-coverage.get(c.id, 0), c.name, c.id))
    chosen = order if limit is None else order[:limit]
    return PeersWithData(group, chosen, {c.id: coverage[c.id] for c in chosen}, without)


def _show(attr: str, value: object) -> str:
    if attr == "size_class":
        return _store.size_class_label(str(value))
    return str(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""
