"""Every bad input yields its finding (row, column, fix) and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from sdgcities.errors import Finding, InputFileError, ValidationError
from sdgcities.store.db import transaction
from sdgcities.store.models import ImportBatch
from tests.observations.obs_helpers import import_published as import_observations
from tests.observations.obs_helpers import store_state, write

HEAD = "city,indicator,year,value\n"


def _findings(engine: Engine, path: Path, **kw: object) -> list[Finding]:
    before = store_state(engine)
    with pytest.raises(ValidationError) as info:
        import_observations(engine, path, **kw)  # type: ignore[arg-type]
    assert store_state(engine) == before, "a file with errors must store nothing"
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 0
    assert all(f.severity == "error" for f in info.value.findings)
    return info.value.findings


def _where(findings: list[Finding]) -> list[tuple[int | None, str | None]]:
    return [(f.row, f.column) for f in findings]


def test_all_findings_of_a_file_are_reported_with_rows(store: Engine, tmp_path: Path) -> None:
    text = HEAD + (
        "Nairobi,11.7.1,2020,10\n"  # 2 fine
        "Nairrobi,11.7.1,2020,10\n"  # 3 unknown city
        "Nairobi,11.7.9,2020,10\n"  # 4 unknown indicator
        "Nairobi,11.2.1,2020,ten\n"  # 5 non-numeric
        "Nairobi,11.2.1,1899,10\n"  # 6 year out of range
        "Nairobi,11.2.1,20x0,10\n"  # 7 year not a number
        "Nairobi,11.2.1,2020,\n"  # 8 empty value
        "Valencia,11.2.1,2020,1\n"  # 9 ambiguous city
    )
    found = _findings(store, write(tmp_path / "bad.csv", text))
    assert _where(found) == [
        (3, "city"),
        (4, "indicator"),
        (5, "value"),
        (6, "year"),
        (7, "year"),
        (8, "value"),
        (9, "city"),
    ]
    by_row = {f.row: f for f in found}
    assert "unknown city 'Nairrobi'" in by_row[3].message
    assert by_row[3].fix is not None
    assert "'Nairobi'" in by_row[3].fix
    assert "'11.7.1'" in (by_row[4].fix or "")
    assert by_row[5].value == "ten"
    assert "ESP, VEN" in by_row[9].message
    assert "country" in (by_row[9].fix or "")
    assert all(f.file == "bad.csv" and f.fix for f in found)


def test_percent_given_as_fraction(store: Engine, tmp_path: Path) -> None:
    text = HEAD + "Nairobi,11.7.1,2020,0.12\nMálaga,11.7.1,2020,0.3\nNairobi,11.6.2,2020,0.5\n"
    [f] = _findings(store, write(tmp_path / "frac.csv", text))
    assert (f.row, f.column) == (2, "value")
    assert "looks like a fraction" in f.message
    assert "11.7.1" in f.message
    assert f.fix == "multiply the values by 100"


def test_fraction_rule_needs_all_values_within_0_1(store: Engine, tmp_path: Path) -> None:
    text = HEAD + "Nairobi,11.7.1,2020,0.12\nMálaga,11.7.1,2020,30\n"
    assert import_observations(store, write(tmp_path / "ok.csv", text)).inserted == 2


def test_conflicting_duplicates_report_both_rows(store: Engine, tmp_path: Path) -> None:
    text = HEAD + ("Nairobi,11.7.1,2020,10\nSão Paulo,11.7.1,2020,5\nnairobi,11.7.1,2020,11\n")
    found = _findings(store, write(tmp_path / "dup.csv", text))
    assert _where(found) == [(2, "value"), (4, "value")]
    assert all("conflicting duplicate" in f.message and "rows 2, 4" in f.message for f in found)
    assert [f.value for f in found] == ["10.0", "11.0"]


def test_wide_duplicates_name_their_columns(store: Engine, tmp_path: Path) -> None:
    text = "city,year,a,b\nNairobi,2020,10,12\n"
    found = _findings(
        store, write(tmp_path / "w.csv", text), wide_mapping={"a": "11.7.1", "b": "11.7.1"}
    )
    assert _where(found) == [(2, "a"), (2, "b")]


def test_missing_required_columns(store: Engine, tmp_path: Path) -> None:
    text = "Title of the table\ncity,indicator,yr,value\nNairobi,11.7.1,2020,1\n"
    [f] = _findings(store, write(tmp_path / "cols.csv", text))
    assert (f.row, f.column) == (2, "year")
    assert "missing required column 'year'" in f.message


def test_missing_mapped_column_of_wide_sheet(store: Engine, tmp_path: Path) -> None:
    text = "city,year,a\nNairobi,2020,10\n"
    found = _findings(
        store, write(tmp_path / "w.csv", text), wide_mapping={"a": "11.7.1", "PM2.5": "11.6.2"}
    )
    assert [(f.row, f.column) for f in found] == [(1, "PM2.5")]


def test_bad_excel_cells_have_sheet_row_numbers(store: Engine, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Report title"])
    ws.append(["city", "indicator", "year", "value"])
    ws.append(["Nairobi", "11.7.1", 2020, 10])
    ws.append(["Nairobi", "11.2.1", 2020, "n/a"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    [f] = _findings(store, path)
    assert (f.row, f.column, f.value) == (4, "value", "n/a")


def test_unknown_city_in_country(store: Engine, tmp_path: Path) -> None:
    text = "city,country,indicator,year,value\nValencia,FRA,11.7.1,2020,10\n"
    [f] = _findings(store, write(tmp_path / "c.csv", text))
    assert "no city 'Valencia' in country 'FRA'" in f.message


def test_city_outside_the_editors_cities(store: Engine, tmp_path: Path) -> None:
    [f] = _findings(
        store, write(tmp_path / "e.csv", HEAD + "Nairobi,11.7.1,2020,10\n"), allowed_city_ids={-1}
    )
    assert "may not edit" in f.message
    assert f.row == 2


def test_bounds_must_enclose_the_value(store: Engine, tmp_path: Path) -> None:
    text = "city,indicator,year,value,lower,upper\nNairobi,11.7.1,2020,10,12,14\n"
    [f] = _findings(store, write(tmp_path / "b.csv", text))
    assert (f.row, f.column) == (2, "lower")


def test_undecodable_file_is_an_input_error(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(HEAD.encode() + b"Nairobi,11.7.1,2020,\x81\x8d\x90\n")
    with pytest.raises(InputFileError, match="neither UTF-8 nor Windows-1252"):
        import_observations(store, path)


def test_unknown_file_type(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "data.json", "{}")
    with pytest.raises(InputFileError, match="unknown file type"):
        import_observations(store, path)
