"""Export round trips: CSV/XLSX read back, Open SDG layout, SDMX-ML read back with sdmx1."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sdmx
import yaml
from sqlalchemy import Engine

from sdgcities.assessment.benchmarksets import load_benchmark_set
from sdgcities.exports import opensdg, tabular
from sdgcities.exports import sdmx as sdmx_export
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Indicator, Observation
from tests.assessment._fixture_store import OBS, build_store, write_bench

N_TOTALS = sum(len(years) for ind in OBS.values() for years in ind.values())


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> tuple[Engine, dict[str, int]]:
    """The hand store plus an SDG indicator with a sex × age breakdown and a comma in a name."""
    ids = build_store(engine)
    with transaction(engine) as s:
        load_benchmark_set(s, "hand", write_bench(tmp_path))
        ind = Indicator(
            code="11.2.1",
            name="Access to public transport",
            framework="SDG",
            unit="%",
            custodian="UN-Habitat",
            method_summary="Share within 500 m.",
        )
        dc = City(slug="washington-dc", name="Washington, D.C.")
        s.add_all([ind, dc])
        s.flush()
        ids["Washington, D.C."] = dc.id
        for dis, value in (
            ("", 61.5),
            ("age=15-24|sex=female", 58.25),
            ("age=15-24|sex=male", 60.0),
        ):
            s.add(
                Observation(
                    city_id=dc.id,
                    indicator_id=ind.id,
                    year=2020,
                    value=value,
                    unit="%",
                    disaggregation=dis,
                    source="GTFS 2020",
                    is_public=True,
                )
            )
        s.add(
            Observation(
                city_id=dc.id, indicator_id=ind.id, year=2021, value=99.0, unit="%", status="draft"
            )
        )
    return engine, ids


def test_observations_csv_and_xlsx_round_trip(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = store
    with transaction(engine) as s:
        n_csv = tabular.export_observations(s, tmp_path / "o.csv")
        n_pub = tabular.export_observations(s, tmp_path / "p.xlsx", published_only=True)
        data = tabular.export_observations_bytes(s, fmt="xlsx", city_ids=[ids["Washington, D.C."]])
    assert n_csv == N_TOTALS + 4
    assert n_pub == N_TOTALS + 3
    back = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)
    dc = back[back["city"] == "Washington, D.C."]
    assert sorted(dc["value"].astype(float)) == [58.25, 60.0, 61.5, 99.0]
    assert set(dc["disaggregation"]) == {"", "age=15-24|sex=female", "age=15-24|sex=male"}
    alpha = back[(back["city"] == "Alpha") & (back["indicator"] == "A")]
    assert alpha.set_index("year")["value"].to_dict() == {2015: 50.0, 2020: 30.0}
    xl = pd.read_excel(tmp_path / "p.xlsx")
    assert len(xl) == N_TOTALS + 3
    assert "draft" not in set(xl["status"])
    mem = pd.read_excel(io.BytesIO(data))
    assert set(mem["city"]) == {"Washington, D.C."}


def test_scores_csv_and_xlsx_round_trip(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = store
    with transaction(engine) as s:
        n = tabular.export_scores(s, tmp_path / "s.csv", benchmark_set="hand")
        tabular.export_scores(s, tmp_path / "s.xlsx", benchmark_set="hand", city_ids=[ids["Alpha"]])
        raw = tabular.export_scores_bytes(s, fmt="csv", benchmark_set="hand")
    assert n == 5
    long = pd.read_csv(tmp_path / "s.csv")
    assert list(long.columns) == list(tabular.SCORE_COLUMNS)
    alpha = long[long["city"] == "Alpha"].set_index(["level", "code"])
    assert alpha.loc[("index", "index"), "score"] == pytest.approx(47.5)
    assert alpha.loc[("goal", "g1"), "colour"] == "red"
    assert alpha.loc[("indicator", "A"), "progress"] == "deterioration"
    assert alpha.loc[("indicator", "C"), "target"] == 10.0
    sheets = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)
    assert set(sheets) == {"indicators", "goals", "index", "benchmarks", "parameters"}
    assert sheets["index"]["city"].tolist() == ["Alpha"]
    assert pd.read_csv(io.BytesIO(raw)).equals(long)


def test_open_sdg_layout(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, _ = store
    with transaction(engine) as s:
        paths = opensdg.export_open_sdg(s, tmp_path / "osdg")
        zipped = opensdg.export_open_sdg_bytes(s, indicator_codes=["11.2.1"])
    names = sorted(p.relative_to(tmp_path / "osdg").as_posix() for p in paths)
    assert "data/indicator_11-2-1.csv" in names
    assert "meta/11-2-1.md" in names
    assert "data/indicator_custom-a.csv" in names
    table = pd.read_csv(tmp_path / "osdg/data/indicator_11-2-1.csv", keep_default_na=False)
    assert list(table.columns) == ["Year", "Units", "City", "Age", "Sex", "Value"]
    # drafts are left out by default; the total has blank breakdowns
    assert table["Year"].tolist() == [2020, 2020, 2020]
    total = table[(table["Sex"] == "") & (table["Age"] == "")]
    assert total["Value"].tolist() == [61.5]
    assert total["City"].tolist() == ["Washington, D.C."]
    female = table[table["Sex"] == "female"]
    assert female["Value"].tolist() == [58.25]
    assert female["Age"].tolist() == ["15-24"]
    text = (tmp_path / "osdg/meta/11-2-1.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["indicator"] == "11.2.1"
    assert meta["sdg_goal"] == "11"
    assert meta["target_id"] == "11.2"
    assert meta["indicator_sort_order"] == "11-02-01"
    assert meta["reporting_status"] == "complete"
    assert meta["computation_units"] == "%"
    assert body.strip() == "Share within 500 m."
    with zipfile.ZipFile(io.BytesIO(zipped)) as zf:
        assert sorted(zf.namelist()) == ["data/indicator_11-2-1.csv", "meta/11-2-1.md"]


def test_sdmx_round_trip(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = store
    out = tmp_path / "cities.xml"
    with transaction(engine) as s:
        n = sdmx_export.export_sdmx(s, out)
        mem = sdmx_export.export_sdmx_bytes(s, city_ids=[ids["Washington, D.C."]])
    assert n == N_TOTALS + 3
    structure = sdmx.read_sdmx(sdmx_export.structure_path(out))
    dsd = structure.structure[sdmx_export.DSD_ID]
    assert [d.id for d in dsd.dimensions.components] == [
        "REF_AREA",
        "INDICATOR",
        "AGE",
        "SEX",
        "TIME_PERIOD",
    ]
    assert str(structure.codelist["CL_REF_AREA"]["washington-dc"].name) == "Washington, D.C."
    msg = sdmx.read_sdmx(out, structure=dsd)
    series = sdmx.to_pandas(msg.data[0])
    assert len(series) == n
    assert series[("washington-dc", "11_2_1", "15-24", "female", "2020")] == 58.25
    assert series[("washington-dc", "11_2_1", "_T", "_T", "2020")] == 61.5
    assert series[("alpha", "A", "_T", "_T", "2015")] == 50.0
    assert series[("gamma", "C", "_T", "_T", "2020")] == 2.0
    back = sdmx.read_sdmx(io.BytesIO(mem), structure=dsd)
    assert len(sdmx.to_pandas(back.data[0])) == 3
    obs = msg.data[0].obs[0]
    assert "UNIT_MEASURE" in obs.attached_attribute
