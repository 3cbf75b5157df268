"""Importing long and wide files: formats, encodings, idempotence, corrections."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from sdgcities.observations.service import current_observations, history, provenance_of
from sdgcities.store.db import transaction
from sdgcities.store.models import ImportBatch, Observation
from tests.observations.obs_helpers import import_published as import_observations
from tests.observations.obs_helpers import store_state, write

LONG = """city,indicator,year,value,unit,source,sex,age,lower,upper
São Paulo,11.7.1,2020,12.5,,UN-Habitat,,,,
malaga,11.7.1,2020,30,,,female,15-24,28,32
Nairobi,11.6.2,2019,22.75,,,,,,
Valencia,11.2.1,2021,45,,,,,,
"""
LONG_WITH_COUNTRY = (
    LONG.replace("city,indicator", "country,city,indicator")
    .replace("\nSão", "\nBRA,São")
    .replace("\nmalaga", "\n,malaga")
    .replace("\nNairobi", "\nKEN,Nairobi")
    .replace("\nValencia", "\nVEN,Valencia")
)


def _current(engine: Engine) -> list[tuple[str, str, int, str, float]]:
    with transaction(engine) as s:
        df = current_observations(s, disaggregation=None)
    return [(r.city_slug, r.indicator, r.year, r.disaggregation, r.value) for r in df.itertuples()]


def test_long_csv_imports_with_breakdown_bounds_and_provenance(
    store: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "long.csv", LONG_WITH_COUNTRY)
    report = import_observations(store, path, user="ana", reason="first load")
    assert (report.rows_read, report.inserted, report.corrected, report.unchanged) == (4, 4, 0, 0)
    assert report.status == "imported"
    assert sorted(_current(store)) == [
        ("malaga", "11.7.1", 2020, "age=15-24|sex=female", 30.0),
        ("nairobi", "11.6.2", 2019, "", 22.75),
        ("sao-paulo", "11.7.1", 2020, "", 12.5),
        ("valencia-ven", "11.2.1", 2021, "", 45.0),
    ]
    with transaction(store) as s:
        obs = s.scalars(
            select(Observation).where(Observation.year == 2020, Observation.disaggregation != "")
        ).one()
        assert (obs.lower, obs.upper, obs.unit, obs.source_row) == (28.0, 32.0, "%", 3)
        prov = provenance_of(s, obs.id)
    assert prov["import"]["file_name"] == "long.csv"
    assert prov["import"]["user"] == "ana"
    assert len(prov["import"]["sha256"]) == 64
    assert prov["source_row"] == 3
    assert prov["source_column"] == "value"
    assert prov["created_by"] == "ana"


def test_reimport_is_idempotent_and_correction_makes_version_2(
    store: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "long.csv", LONG_WITH_COUNTRY)
    import_observations(store, path, user="ana")
    before = store_state(store)
    again = import_observations(store, path, user="ana")
    assert again.status == "unchanged"
    assert (again.inserted, again.corrected, again.unchanged, again.import_id) == (0, 0, 4, None)
    assert store_state(store) == before
    with transaction(store) as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 1

    fixed = write(tmp_path / "fixed.csv", LONG_WITH_COUNTRY.replace("22.75", "21.5"))
    rep = import_observations(store, fixed, user="ben", reason="station recalibrated")
    assert (rep.inserted, rep.corrected, rep.unchanged) == (0, 1, 3)
    with transaction(store) as s:
        versions = history(s, city="nairobi", indicator="11.6.2")
        assert [(o.version, o.value, o.is_current, o.created_by) for o in versions] == [
            (2, 21.5, True, "ben"),
            (1, 22.75, False, "ana"),
        ]
        assert versions[0].reason == "station recalibrated"
        assert versions[0].import_id == rep.import_id != versions[1].import_id
        assert history(s, city="Nairobi", indicator="11.6.2", year=2018) == []
    n_rows, n_current, _ = store_state(store)
    assert (n_rows, n_current) == (5, 4)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_file_just_works(store: Engine, tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "bom.csv", LONG_WITH_COUNTRY, encoding=encoding)
    report = import_observations(store, path)
    assert report.inserted == 4
    assert report.findings == []  # no encoding warning


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_file_is_detected_and_decoded(store: Engine, tmp_path: Path, encoding: str) -> None:
    text = "city;indicator;year;value\nSão Paulo;11.7.1;2020;12.5\nMálaga;11.7.1;2020;30\n"
    path = write(tmp_path / "latin.csv", text, encoding=encoding)
    report = import_observations(store, path)
    assert report.inserted == 2
    assert sorted(c for c, *_ in _current(store)) == ["malaga", "sao-paulo"]
    [warning] = report.findings
    assert warning.severity == "warning"
    assert "Windows-1252" in warning.message


def test_xlsx_with_title_rows(store: Engine, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["Open space indicators of our cities"])
    ws.append(["compiled 2024"])
    ws.append([])
    ws.append(["City", "Indicator", "Year", "Value", "Country"])
    ws.append(["São Paulo", "11.7.1", 2020, 12.5, "BRA"])
    ws.append(["Valencia", "11.7.1", 2020.0, "7.5", "ESP"])
    other = wb.create_sheet("other")
    other.append(["city", "indicator", "year", "value"])
    other.append(["Nairobi", "11.7.1", 2020, "oops"])
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    report = import_observations(store, path, sheet="data")
    assert report.inserted == 2
    assert report.details["header_row"] == 4
    assert sorted(_current(store)) == [
        ("sao-paulo", "11.7.1", 2020, "", 12.5),
        ("valencia-esp", "11.7.1", 2020, "", 7.5),
    ]
    with transaction(store) as s:
        rows = sorted(s.scalars(select(Observation.source_row)))
    assert rows == [5, 6]  # sheet rows as a spreadsheet shows them


def test_wide_sheet_with_mapping(store: Engine, tmp_path: Path) -> None:
    text = (
        "City,Year,Open space %,Transit access %,PM2.5\n"
        "São Paulo,2020,12.5,80,\n"
        "Nairobi,2020,,40.5,22\n"
    )
    path = write(tmp_path / "wide.csv", text)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  Open space %: 11.7.1\n  Transit access %: 11.2.1\n  PM2.5: 11.6.2\n",
        encoding="utf-8",
    )
    report = import_observations(store, path, wide_mapping=mapping)
    assert report.inserted == 4
    assert sorted(_current(store)) == [
        ("nairobi", "11.2.1", 2020, "", 40.5),
        ("nairobi", "11.6.2", 2020, "", 22.0),
        ("sao-paulo", "11.2.1", 2020, "", 80.0),
        ("sao-paulo", "11.7.1", 2020, "", 12.5),
    ]
    with transaction(store) as s:
        obs = s.scalars(select(Observation).where(Observation.value == 22.0)).one()
        assert provenance_of(s, obs.id)["source_column"] == "PM2.5"
        assert obs.source_row == 3
    # the same mapping as a dict; re-import changes nothing
    again = import_observations(
        store,
        path,
        wide_mapping={"Open space %": "11.7.1", "Transit access %": "11.2.1", "PM2.5": "11.6.2"},
    )
    assert again.status == "unchanged"


def test_disaggregation_column_and_dimension_columns_agree(store: Engine, tmp_path: Path) -> None:
    text = (
        "city,indicator,year,value,disaggregation,migrant_status\n"
        "Nairobi,11.2.1,2020,40,sex=Female | age=15-24,\n"
        "Nairobi,11.2.1,2020,41,,migrant\n"
        "Nairobi,11.2.1,2020,42,Total,\n"
    )
    report = import_observations(store, write(tmp_path / "d.csv", text))
    assert report.inserted == 3
    assert sorted(d for _, _, _, d, _ in _current(store)) == [
        "",
        "age=15-24|sex=female",
        "migrant_status=migrant",
    ]


def test_identical_repeated_rows_are_kept_once_with_a_warning(
    store: Engine, tmp_path: Path
) -> None:
    text = "city,indicator,year,value\nNairobi,11.7.1,2020,10\nNairobi,11.7.1,2020,10.0\n"
    report = import_observations(store, write(tmp_path / "rep.csv", text))
    assert (report.inserted, report.repeated_rows) == (1, 1)
    assert any("repeat" in f.message for f in report.findings)


def test_draft_status_and_allowed_cities(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "n.csv", "city,indicator,year,value\nNairobi,11.7.1,2020,10\n")
    with transaction(store) as s:
        from sdgcities.observations.service import resolve_city

        nairobi = resolve_city(s, "nairobi").id
    report = import_observations(store, path, status="draft", allowed_city_ids={nairobi})
    assert report.inserted == 1
    with transaction(store) as s:
        assert current_observations(s, published_only=True).empty
        assert len(current_observations(s)) == 1
    # publishing the same value is a new version
    assert import_observations(store, path).corrected == 1
