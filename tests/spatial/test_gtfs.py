"""GTFS stops: capacity, frequency classes, bad feeds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.gtfs import capacity_of_route_type, frequency_class, read_gtfs


def _feed(tmp: Path, files: dict[str, str]) -> Path:
    p = tmp / "feed.zip"
    with zipfile.ZipFile(p, "w") as z:
        for n, t in files.items():
            z.writestr(n, t)
    return p


FEED = {
    "stops.txt": "stop_id,stop_lat,stop_lon\nA,-30.0,-51.2\nB,-30.01,-51.2\nC,-30.02,-51.2\n",
    "routes.txt": "route_id,route_type\nbus,3\nmetro,1\n",
    "trips.txt": "route_id,service_id,trip_id\n"
    + "".join(f"bus,wk,b{i}\n" for i in range(60))
    + "metro,wk,m1\n",
    "stop_times.txt": "trip_id,stop_id,departure_time,arrival_time,stop_sequence\n"
    + "".join(f"b{i},A,{6 + i // 4:02d}:{(i % 4) * 15:02d}:00,,1\n" for i in range(60))
    + "m1,B,08:00:00,08:00:00,1\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nwk,1,1,1,1,1,0,0,20240101,20240131\n",
}


def test_capacity_and_frequency(tmp_path: Path) -> None:
    s = read_gtfs(_feed(tmp_path, FEED), frequency=True).set_index("stop_id")
    assert list(s.index) == ["A", "B"]  # C is served by no trip
    assert s.loc["A", "capacity"] == "low"
    assert s.loc["B", "capacity"] == "high"
    assert s.loc["A", "departures_per_hour"] == pytest.approx(56 / 14)  # 06:00–19:45 in window
    assert s.loc["A", "frequency_class"] == "medium"
    assert s.loc["B", "frequency_class"] == "low"


def test_missing_stops_txt(tmp_path: Path) -> None:
    files = {k: v for k, v in FEED.items() if k != "stops.txt"}
    with pytest.raises(SpatialInputError, match=r"stops\.txt is missing"):
        read_gtfs(_feed(tmp_path, files))


def test_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "x.zip"
    p.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SpatialInputError, match="not a readable GTFS zip"):
        read_gtfs(p)


def test_classes() -> None:
    assert [capacity_of_route_type(t) for t in (0, 3, 2, 4, 109, 700, 900)] == [
        "low",
        "low",
        "high",
        "high",
        "high",
        "low",
        "low",
    ]
    assert [frequency_class(v) for v in (10.5, 10, 4, 3.99)] == ["high", "medium", "medium", "low"]


@pytest.mark.shared_data
def test_porto_alegre_feeds(shared_data: Path) -> None:
    d = shared_data / "cities" / "porto_alegre"
    bus = read_gtfs(d / "gtfs_eptc_bus.zip", frequency=True)
    assert len(bus) == 3986
    assert set(bus["capacity"]) == {"low"}
    assert bus["frequency_class"].value_counts().to_dict() == {
        "low": 3388,
        "medium": 460,
        "high": 138,
    }
    rail = read_gtfs(d / "gtfs_trensurb_rail.zip")
    assert len(rail) == 24
    assert set(rail["capacity"]) == {"high"}
