"""In-memory lookups of the store's cities and indicators for validating files.

Maps are small even for thousands of cities, so a million rows validate without a
query each. Failed lookups carry close matches (difflib) as the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from sdgcities._i18n import _
from sdgcities.store.models import City, Indicator


class Problem:
    """A lookup that failed: message and fix (the caller adds file, row, column)."""

    __slots__ = ("fix", "message")

    def __init__(self, message: str, fix: str) -> None:
        self.message = message
        self.fix = fix


#: unknown names for which close matches are searched (difflib is slow on huge files)
MAX_SUGGESTIONS = 200


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if not close:
        lowered = {c.casefold(): c for c in choices}
        close = [
            lowered[c]
            for c in difflib.get_close_matches(word.casefold(), list(lowered), n=3, cutoff=0.6)
        ]
    if not close:
        return ""
    return _("did you mean {names}?").format(names=", ".join(map(repr, close)))


@dataclass
class Lookups:
    """The store's cities and indicators, keyed the ways a file may name them."""

    by_slug: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_folded: dict[str, list[int]] = field(default_factory=dict)
    iso3: dict[int, str | None] = field(default_factory=dict)
    city_name: dict[int, str] = field(default_factory=dict)
    indicators: dict[str, tuple[int, str]] = field(default_factory=dict)
    _city_cache: dict[tuple[str, str], int | Problem] = field(default_factory=dict)
    _ind_cache: dict[str, tuple[int, str] | Problem] = field(default_factory=dict)
    _suggestions: int = 0

    @classmethod
    def load(cls, conn: Connection) -> Lookups:
        lk = cls()
        for cid, slug, name, iso3 in conn.execute(
            select(City.id, City.slug, City.name, City.country_iso3)
        ):
            lk.add_city(cid, slug, name, iso3)
        for iid, code, unit in conn.execute(select(Indicator.id, Indicator.code, Indicator.unit)):
            lk.indicators[code] = (iid, unit or "")
        return lk

    def add_city(self, cid: int, slug: str, name: str, iso3: str | None) -> None:
        self.by_slug[slug] = cid
        self.by_name.setdefault(name, []).append(cid)
        self.by_folded.setdefault(name.casefold(), []).append(cid)
        self.iso3[cid] = iso3
        self.city_name[cid] = name
        self._city_cache.clear()

    def city(self, text: str, country: str = "") -> int | Problem:
        key = (text, country)
        hit = self._city_cache.get(key)
        if hit is None:
            if len(self._city_cache) > 100_000:  # a file of endless distinct bad names
                self._city_cache.clear()
            hit = self._city_cache[key] = self._resolve_city(text, country)
        return hit

    def _resolve_city(self, text: str, country: str) -> int | Problem:
        if text in self.by_slug and not country:
            return self.by_slug[text]
        ids = self.by_name.get(text) or self.by_folded.get(text.casefold()) or []
        if not ids and text in self.by_slug:
            ids = [self.by_slug[text]]
        if country:
            wanted = country.strip().upper()
            ids = [i for i in ids if (self.iso3.get(i) or "").upper() == wanted]
            if not ids and (self.by_name.get(text) or self.by_folded.get(text.casefold())):
                return Problem(
                    _("no city {city} in country {country}").format(
                        city=repr(text), country=repr(wanted)
                    ),
                    _("check the country column (ISO3 code, e.g. ESP)"),
                )
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            countries = sorted({self.iso3.get(i) or "?" for i in ids})
            return Problem(
                _("{count} cities are named {city} ({countries})").format(
                    count=len(ids), city=repr(text), countries=", ".join(countries)
                ),
                _("add a column 'country' with the ISO3 code, or use the city slug"),
            )
        hint = self._hint(text, [*self.by_name, *self.by_slug])
        return Problem(
            _("unknown city {city}").format(city=repr(text)),
            (hint + " " if hint else "")
            + _("add the city first (sdgcities cities add) or fix the name"),
        )

    def _hint(self, word: str, choices: Sequence[str]) -> str:
        self._suggestions += 1
        return _suggest(word, choices) if self._suggestions <= MAX_SUGGESTIONS else ""

    def indicator(self, code: str) -> tuple[int, str] | Problem:
        hit = self._ind_cache.get(code)
        if hit is None:
            if len(self._ind_cache) > 100_000:
                self._ind_cache.clear()
            hit = self._ind_cache[code] = self._resolve_indicator(code)
        return hit

    def _resolve_indicator(self, code: str) -> tuple[int, str] | Problem:
        if code in self.indicators:
            return self.indicators[code]
        folded = {c.casefold(): c for c in self.indicators}
        if code.casefold() in folded:
            return self.indicators[folded[code.casefold()]]
        hint = self._hint(code, list(self.indicators))
        return Problem(
            _("unknown indicator {indicator}").format(indicator=repr(code)),
            (hint + " " if hint else "")
            + _("use a code of the catalogue (sdgcities indicators list)"),
        )
