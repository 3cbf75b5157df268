"""Profiles by population group: sums checked per feature, weighting, report, real kit.

The Porto Alegre group split is SYNTHETIC (a seeded random share of each hex's census
population assigned to refugees and IDPs); the population, network and services are real.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.errors import SpatialInputError, ValidationError
from sdgcities.profiling.groups import read_groups
from sdgcities.profiling.profile import PointData, indicator_values

runner = CliRunner(env={"COLUMNS": "200"})


def _pop_csv(tmp_path: Path) -> Path:
    p = tmp_path / "population.csv"
    pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "lon": [0.0, 0.01, 0.02],
            "lat": [0.0, 0.0, 0.0],
            "population": [100.0, 50.0, 10.0],
        }
    ).to_csv(p, index=False)
    return p


def test_groups_must_sum_to_the_population(tmp_path: Path) -> None:
    pop = _pop_csv(tmp_path)
    g = tmp_path / "groups.csv"
    pd.DataFrame(
        {
            "id": ["c", "a", "b"],
            "host": [10, 80, 25],
            "refugees": [0, 20, 25],
            "female": [5, 50, 25],
            "male": [5, 50, 25],
        }
    ).to_csv(g, index=False)
    t = read_groups(g, pop)
    assert t.groups == ["host", "refugees"]
    assert t.sexes == ["female", "male"]
    assert t.reference == "host"
    assert t.key == "id"
    assert t.frame["pop_refugees"].tolist() == [20.0, 25.0, 0.0]  # joined by id, not order
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "host": [80, 20, 10], "refugees": [20, 10, 0]}).to_csv(
        bad, index=False
    )
    with pytest.raises(ValidationError) as err:
        read_groups(bad, pop)
    text = str(err.value)
    assert "bad.csv" in text
    assert "'b'" in text
    assert "30.0" in text
    assert "50.0" in text
    # within tolerance (0.5 person or 1 %): accepted
    ok = tmp_path / "ok.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "host": [80.6, 25, 10], "refugees": [20, 25, 0.4]}).to_csv(
        ok, index=False
    )
    read_groups(ok, pop)


def test_missing_rows_and_bad_counts_are_named(tmp_path: Path) -> None:
    pop = _pop_csv(tmp_path)
    g = tmp_path / "g.csv"
    pd.DataFrame({"id": ["a", "b"], "host": [100, 50], "idps": [0, 0]}).to_csv(g, index=False)
    with pytest.raises(SpatialInputError, match=r"no row for 1 population feature.*'c'"):
        read_groups(g, pop)
    pd.DataFrame({"id": ["a", "b", "c"], "host": [100, -1, 10], "idps": [0, 51, 0]}).to_csv(
        g, index=False
    )
    with pytest.raises(ValidationError, match="group counts"):
        read_groups(g, pop)
    with pytest.raises(SpatialInputError, match="raster"):
        read_groups(g, tmp_path / "pop.tif")


def test_group_weighting_hand_case() -> None:
    """Two points, access 1 and 0; hosts 90 / 10, refugees 10 / 90 → 90 % and 10 %."""
    pts = PointData(
        np.array([0.0, 1.0]),
        np.array([0.0, 0.0]),
        {
            "population": np.array([100.0, 100.0]),
            "pop_host": np.array([90.0, 10.0]),
            "pop_refugees": np.array([10.0, 90.0]),
        },
        access={"transit_access": np.array([1.0, 0.0])},
    )
    every = np.ones(2, dtype=bool)
    assert indicator_values(pts, every, "pop_host")["transit_access"] == 90.0
    assert indicator_values(pts, every, "pop_refugees")["transit_access"] == 10.0
    assert indicator_values(pts, every)["transit_access"] == 50.0


@pytest.mark.shared_data
@pytest.mark.slow
def test_porto_alegre_group_profile_and_report(shared_data: Path, tmp_path: Path) -> None:
    from sdgcities.documents import pdf_text

    kit = shared_data / "cities" / "porto_alegre"
    pop = pd.read_csv(kit / "population_h3_res9.csv")
    share = np.random.default_rng(7).uniform(0, 0.4, len(pop))
    g = pd.DataFrame(
        {
            "id": pop["id"],
            "refugees": (pop["population"] * share / 2).round(3),
            "idps": (pop["population"] * share / 2).round(3),
        }
    )
    g["host"] = pop["population"] - g["refugees"] - g["idps"]
    gpath = tmp_path / "groups.csv"
    g.to_csv(gpath, index=False)
    out, report = tmp_path / "g.json", tmp_path / "g.pdf"
    res = runner.invoke(
        app,
        [
            "spatial",
            "group-profile",
            "--osm",
            str(kit / "osm.pbf"),
            "--population",
            str(kit / "population_h3_res9.csv"),
            "--groups",
            str(gpath),
            "--gtfs",
            str(kit / "gtfs_eptc_bus.zip"),
            "--json",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text())
    by = d["by_group"]
    assert d["population_total"] == pytest.approx(812_935)
    # the groups partition the population, so their weighted shares average to the total's
    for key in ("transit_access", "schools_15min", "healthcare_30min", "jobs_15min"):
        mix = sum(by[x][key] * by[x]["population"] for x in ("host", "refugees", "idps"))
        assert mix / by["_all"]["population"] == pytest.approx(by["_all"][key], abs=1e-3)
        assert d["gaps_to_reference"]["refugees"][key] == pytest.approx(
            by["refugees"][key] - by["host"][key], abs=1e-3
        )
    assert 85 < by["_all"]["transit_access"] < 95  # the kit's sanity reference: ~93 % (bus)
    text = pdf_text(report.read_bytes())
    assert "Urban profile by population group" in text
    assert "Caveats" in text
