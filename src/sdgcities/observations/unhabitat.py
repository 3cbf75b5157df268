"""Importer for the UN-Habitat Urban Indicators Database table layout (SDG 11.7.1).

The table (e.g. the 2024 edition of SDG 11.7.1 on HDX, ODC PDDL) has one row per city
and reference year with columns ``Country or Territory Code`` (UN M49), ``SDG Region``,
``SDG Sub-Region``, ``City Code``, ``City Name``, the two 11.7.1 values marked ``[a]``
and ``[b]``, ``Data Units``, ``Data Reference Year``, ``Data Source`` and ``FootNote``.
Title rows above the header are skipped.

How the two values are stored (a decision, documented here):

* ``[a]`` "average share of the built-up area of cities that is open space for public
  use for all (%)" is the SDG indicator itself → indicator ``11.7.1``, total.
* ``[b]`` "average share of urban population with convenient access (400 m walk) to
  open public spaces (%)" is a separate series → indicator ``11.7.1b``.

Either indicator is created when the catalogue lacks it. Cities missing from the store
are created (country M49 → ISO3 via pycountry; SDG region and sub-region from the row);
a city is matched by name and country — exactly, else case- and accent-blind
(``Pôrto Alegre`` is the stored ``Porto Alegre``), else by the ``name-iso3`` slug. Rows
without a city code are regional or world aggregates and are skipped (counted in the
report). The value's footnote and the UN-Habitat city code go into its provenance.
All or nothing: one transaction.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sdgcities.errors import Finding, ValidationError
from sdgcities.observations._lookups import Lookups
from sdgcities.observations._pipeline import ImportReport, Source, finish_import
from sdgcities.observations._reading import inspect_file, open_table
from sdgcities.observations._staging import Staging
from sdgcities.observations._validate import (
    MIN_YEAR,
    Findings,
    StageRow,
    max_year,
    normalise_column,
    parse_number,
    parse_year,
)
from sdgcities.store.models import City, CityTypology, Indicator

logger = logging.getLogger(__name__)

LAYOUT = "unhabitat-urban-indicators"
SOURCE_NAME = "UN-Habitat Urban Indicators Database"
#: indicator code → (name, the marker of its column in the table)
SERIES: dict[str, tuple[str, str]] = {
    "11.7.1": (
        "Average share of the built-up area of cities that is open space for public use for all",
        "[a]",
    ),
    "11.7.1b": (
        "Average share of urban population with convenient access (within 400 m "
        "walking distance) to open public spaces",
        "[b]",
    ),
}
_FIELDS = {
    "m49": "country_or_territory_code",
    "country_name": "country_or_territory_name",
    "region": "sdg_region",
    "subregion": "sdg_sub_region",
    "code": "city_code",
    "name": "city_name",
    "year": "data_reference_year",
    "source": "data_source",
    "footnote": "footnote",
}
_REQUIRED = ("m49", "code", "name", "year", "[a]", "[b]")
_TRANSLIT = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "œ": "oe",
        "þ": "th",
    }
)


def slugify(text: str) -> str:
    """``"Łomża"`` → ``"lomza"``, ``"Fredrikstad/Sarpsborg"`` → ``"fredrikstad-sarpsborg"``."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "city"


def _same_city(
    lookups: Lookups, by_country: dict[str | None, list[int]], name: str, iso3: str | None
) -> list[int]:
    """The stored cities of ``iso3`` that are ``name``: exact, folded, accent-blind, slug."""
    from sdgcities.cities.gazetteer import normalise

    in_country = by_country.get(iso3, [])
    for fold in (lambda t: t, str.casefold, normalise):
        wanted = fold(name)
        ids = [i for i in in_country if fold(lookups.city_name[i]) == wanted]
        if ids:
            return ids
    if iso3:
        by_slug = lookups.by_slug.get(f"{slugify(name)}-{iso3.lower()}")
        if by_slug is not None and lookups.iso3.get(by_slug) == iso3:
            return [by_slug]
    return []


def _clean(text: object) -> str:
    return " ".join(str(text).replace("\xa0", " ").split()) if text is not None else ""


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    norm = [normalise_column(h) for h in header]
    for key, name in _FIELDS.items():
        if name in norm:
            cols[key] = norm.index(name)
    for marker in ("[a]", "[b]"):
        for i, h in enumerate(header):
            if marker in h.lower():
                cols[marker] = i
                break
    return cols


def _iso3(m49: str) -> tuple[str | None, str | None]:
    import pycountry

    country = pycountry.countries.get(numeric=m49)
    if country is None:
        return None, None
    return str(country.alpha_3), str(getattr(country, "common_name", None) or country.name)


def _ensure_indicators(session: Session, lookups: Lookups) -> None:
    for code, (name, _marker) in SERIES.items():
        if code in lookups.indicators:
            continue
        ind = Indicator(
            code=code,
            name=name,
            framework="SDG",
            unit="%",
            direction="higher",
            custodian="UN-Habitat",
            goal="11",
            sdg_code="11.7.1",
            method_summary="Imported from the UN-Habitat Urban Indicators Database",
        )
        session.add(ind)
        session.flush()
        lookups.indicators[code] = (ind.id, "%")
        logger.info("created indicator %s", code)


def import_unhabitat_table(engine: Engine, path: Path | str, *, user: str = "") -> ImportReport:
    """Import an SDG 11.7.1 table of the UN-Habitat Urban Indicators Database.

    Creates missing cities and both series (see the module docstring); raises
    :class:`ValidationError` with every finding and stores nothing on error.
    ``report.details`` holds ``cities_created``, ``cities_matched``, ``city_rows`` and
    ``aggregates_skipped``.
    """
    path = Path(path)
    facts = inspect_file(path)
    findings = Findings(path.name)

    def score(cells: list[str]) -> int:
        return sum(1 for k in _REQUIRED if k in _columns(cells))

    with engine.begin() as conn:
        lookups = Lookups.load(conn)
        session = Session(bind=conn)
        try:
            with open_table(
                path,
                encoding=facts.encoding,
                sheet=None,
                header_score=score,
                required_score=len(_REQUIRED),
            ) as table:
                if isinstance(table, list):
                    raise ValidationError(
                        f"{path.name}: not the UN-Habitat Urban Indicators layout",
                        [findings_missing(path.name)],
                    )
                cols = _columns(table.header)
                rows = [(n, cells) for n, cells in table.rows]
                header_row, sheet = table.header_row, table.sheet

            def cell(cells: list[Any], key: str) -> object:
                i = cols.get(key)
                return cells[i] if i is not None and i < len(cells) else None

            _ensure_indicators(session, lookups)
            created, matched, aggregates = 0, 0, 0
            city_of_code: dict[str, int] = {}
            taken = set(lookups.by_slug)
            by_country: dict[str | None, list[int]] = {}
            for cid, country in lookups.iso3.items():
                by_country.setdefault(country, []).append(cid)
            for n, cells in rows:
                code, name = _clean(cell(cells, "code")), _clean(cell(cells, "name"))
                if not code and not name:
                    aggregates += 1
                    continue
                if not name:
                    findings.add(
                        "city name is empty",
                        row=n,
                        column=table.header[cols["name"]],
                        fix="fill in the city name",
                    )
                    continue
                code = code or name
                if code in city_of_code:
                    continue
                m49_raw = cell(cells, "m49")
                try:
                    m49 = f"{int(float(str(m49_raw))):03d}"
                except ValueError:
                    findings.add(
                        "country code is not an M49 number",
                        row=n,
                        value=m49_raw,
                        column=table.header[cols["m49"]],
                        fix="give the UN M49 code",
                    )
                    continue
                iso3, country_name = _iso3(m49)
                if iso3 is None:
                    findings.add(
                        f"M49 code {m49} has no ISO3 code; city stored without one",
                        row=n,
                        severity="warning",
                        column=table.header[cols["m49"]],
                    )
                ids = _same_city(lookups, by_country, name, iso3)
                if len(ids) == 1:
                    city_of_code[code] = ids[0]
                    matched += 1
                    continue
                slug = next(
                    s
                    for s in (
                        slugify(name),
                        slugify(f"{name}-{iso3 or m49}"),
                        slugify(code),
                        f"{slugify(code)}-{n}",
                    )
                    if s not in taken
                )
                taken.add(slug)
                region = _clean(cell(cells, "region")) or None
                city = City(
                    slug=slug,
                    name=name,
                    country_iso3=iso3,
                    country_m49=m49,
                    country_name=country_name or _clean(cell(cells, "country_name")),
                    sdg_region=region,
                    sdg_subregion=_clean(cell(cells, "subregion")) or None,
                )
                if region:
                    city.typologies.append(
                        CityTypology(kind="sdg_region", value=region, source=SOURCE_NAME)
                    )
                session.add(city)
                session.flush()
                lookups.add_city(city.id, slug, name, iso3)
                by_country.setdefault(iso3, []).append(city.id)
                city_of_code[code] = city.id
                created += 1
            session.flush()

            staging = Staging(conn)
            hi = max_year()
            for n, cells in rows:
                code, name = _clean(cell(cells, "code")), _clean(cell(cells, "name"))
                city_id = city_of_code.get(code or name)
                if city_id is None:
                    continue
                try:
                    year = parse_year(cell(cells, "year"))
                    if not MIN_YEAR <= year <= hi:
                        raise ValueError
                except ValueError:
                    findings.add(
                        f"year missing or outside {MIN_YEAR}..{hi}",
                        row=n,
                        value=cell(cells, "year"),
                        column=table.header[cols["year"]],
                        fix="give the data reference year",
                    )
                    continue
                source = _clean(cell(cells, "source")) or SOURCE_NAME
                footnote = _clean(cell(cells, "footnote")) or None
                staged: list[StageRow] = []
                for ind_code, (_name, marker) in SERIES.items():
                    header = table.header[cols[marker]]
                    raw = cell(cells, marker)
                    try:
                        value = parse_number(raw)
                    except ValueError:
                        value = -1.0
                    if value is None:
                        continue
                    if not 0 <= value <= 100:
                        findings.add(
                            "share is not a number between 0 and 100",
                            row=n,
                            column=header,
                            value=raw,
                            fix="correct the value",
                        )
                        continue
                    prov = json.dumps(
                        {"column": header, "city_code": code, "footnote": footnote},
                        ensure_ascii=False,
                    )
                    staged.append(
                        (
                            n * 2 + len(staged),
                            n,
                            city_id,
                            lookups.indicators[ind_code][0],
                            year,
                            "",
                            value,
                            "%",
                            None,
                            None,
                            source,
                            prov,
                        )
                    )
                staging.add(staged)
            source_info = Source(
                path.name,
                facts.sha256,
                user=user,
                reason=f"import of the {SOURCE_NAME} table",
                details={
                    "layout": LAYOUT,
                    "sheet": sheet,
                    "header_row": header_row,
                    "cities_matched": matched,
                    "city_rows": len(rows) - aggregates,
                    "aggregates_skipped": aggregates,
                    "cities": len(city_of_code),
                },
            )
            if aggregates:
                findings.add(
                    f"{aggregates} regional or world aggregate rows (no city code) were skipped",
                    severity="warning",
                )
            report = finish_import(
                conn,
                staging,
                findings,
                lookups,
                source_info,
                rows_read=len(rows),
                cities_created=created,
            )
        finally:
            session.close()
    return report


def findings_missing(file: str) -> Finding:
    """The finding for a table whose header row was not found."""
    return Finding(
        "header row not found: expected columns 'Country or Territory Code', "
        "'City Code', 'City Name', 'Data Reference Year' and the 11.7.1 values "
        "marked [a] and [b]",
        file=file,
        fix="give the table as downloaded from the UN-Habitat Urban Indicators "
        "Database, or use `sdgcities import observations` with a wide mapping",
    )
