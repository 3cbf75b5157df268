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


_CAL = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "wk,1,1,1,1,1,0,0,20240101,20240131\nsun,0,0,0,0,0,0,1,20240101,20240131\n"
)


def _bus_feed(stops: str, trips: str, stop_times: str, **more: str) -> dict[str, str]:
    """A one-route bus feed on the ``_CAL`` calendar; ``more`` adds files (``_txt`` → ``.txt``)."""
    return {
        "stops.txt": "stop_id,stop_lat,stop_lon\n" + stops,
        "routes.txt": "route_id,route_type\nbus,3\n",
        "trips.txt": "route_id,service_id,trip_id\n" + trips,
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + stop_times,
        "calendar.txt": _CAL,
        **{k.replace("_txt", ".txt"): v for k, v in more.items()},
    }


def test_headway_based_trips(tmp_path: Path) -> None:
    # one pattern A (+0 min) → B (+10 min); runs every 10 min 06:00–08:00 (12 runs, the
    # end is exclusive) and every 30 min 19:00–21:00 (19:00, 19:30, 20:00, 20:30).
    # A: 12 + 2 (19:00, 19:30) = 14 in 06:00–20:00; B: 12 + 2 (19:10, 19:40) = 14 → 1/h.
    # The pattern's own absolute times (07:00, 07:10) are not departures.
    feed = _bus_feed(
        "A,-30.0,-51.2\nB,-30.01,-51.2\nT,-30.02,-51.2\n",
        "bus,wk,f1\nbus,wk,t1\n",
        "f1,07:00:00,07:00:00,A,1\nf1,07:10:00,07:10:00,B,2\nt1,08:00:00,08:00:00,T,1\n",
        frequencies_txt="trip_id,start_time,end_time,headway_secs\n"
        "f1,06:00:00,08:00:00,600\nf1,19:00:00,21:00:00,1800\n",
    )
    s = read_gtfs(_feed(tmp_path, feed), frequency=True).set_index("stop_id")
    assert s.loc["A", "departures_per_hour"] == pytest.approx(14 / 14)
    assert s.loc["B", "departures_per_hour"] == pytest.approx(14 / 14)
    assert s.loc["T", "departures_per_hour"] == pytest.approx(1 / 14)


def test_times_past_midnight_wrap_into_the_service_day(tmp_path: Path) -> None:
    # Tuesday 2024-01-02. Monday's trip m at 30:30 is Tuesday 06:30 → counts;
    # Tuesday's trip t at 25:00 is Wednesday 01:00 → does not; t at 19:59 counts.
    # Sunday-only trip s at 31:00 is Monday 07:00 → not on Tuesday.
    feed = _bus_feed(
        "A,-30.0,-51.2\n",
        "bus,wk,m\nbus,wk,t\nbus,sun,s\n",
        "m,30:30:00,30:30:00,A,1\nt,19:59:00,19:59:00,A,1\nt,25:00:00,25:00:00,A,2\n"
        "s,31:00:00,31:00:00,A,1\n",
    )
    import datetime as dt

    tue = read_gtfs(_feed(tmp_path, feed), frequency=True, date=dt.date(2024, 1, 2))
    assert tue["departures_per_hour"].iloc[0] == pytest.approx(2 / 14)
    mon = read_gtfs(_feed(tmp_path, feed), frequency=True, date=dt.date(2024, 1, 8))
    # Monday: t 19:59 (m's 30:30 is Tuesday) + Sunday's s at 31:00 = Monday 07:00
    assert mon["departures_per_hour"].iloc[0] == pytest.approx(2 / 14)
    assert tue["service_date"].iloc[0] == "2024-01-02"


def test_departures_counted_per_station_not_platform(tmp_path: Path) -> None:
    feed = {
        "stops.txt": "stop_id,stop_lat,stop_lon,location_type,parent_station\n"
        "S,-30.0,-51.2,1,\nP1,-30.0,-51.2001,0,S\nP2,-30.0,-51.1999,0,S\nX,-30.1,-51.2,0,\n",
        "routes.txt": "route_id,route_type\nbus,3\n",
        "trips.txt": "route_id,service_id,trip_id\n"
        + "".join(f"bus,wk,a{i}\nbus,wk,b{i}\n" for i in range(30)),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + "".join(
            f"a{i},{7 + i // 6:02d}:{(i % 6) * 10:02d}:00,,P1,1\n"
            f"b{i},{7 + i // 6:02d}:{(i % 6) * 10 + 5:02d}:00,,P2,1\n"
            f"b{i},{7 + i // 6:02d}:{(i % 6) * 10 + 7:02d}:00,,X,2\n"
            for i in range(30)
        ),
        "calendar.txt": _CAL,
    }
    s = read_gtfs(_feed(tmp_path, feed), frequency=True).set_index("stop_id")
    # 30 departures at each platform: per platform 2.1/h (low), per station 60/14 = 4.3/h
    assert list(s.index) == ["P1", "P2", "X"]
    assert s.loc["P1", "station_id"] == "S"
    assert s.loc["P1", "departures_per_hour"] == pytest.approx(60 / 14)
    assert s.loc["P2", "frequency_class"] == "medium"
    assert s.loc["X", "departures_per_hour"] == pytest.approx(30 / 14)
    assert s.loc["X", "frequency_class"] == "low"


def test_bad_time_names_row_and_column(tmp_path: Path) -> None:
    feed = dict(FEED)
    feed["stop_times.txt"] = (
        "trip_id,stop_id,departure_time,arrival_time,stop_sequence\nb0,A,07:00:00,,1\n"
        "b1,A,7h30,,1\n"
    )
    with pytest.raises(SpatialInputError, match=r"stop_times\.txt.*row 3, column 'departure_time'"):
        read_gtfs(_feed(tmp_path, feed), frequency=True)


def test_bad_stop_coordinates_name_the_row(tmp_path: Path) -> None:
    feed = dict(FEED)
    feed["stops.txt"] = "stop_id,stop_lat,stop_lon\nA,-30.0,-51.2\nB,north,-51.2\n"
    with pytest.raises(SpatialInputError, match=r"stops\.txt.*row 3 \(stop_id 'B'\)"):
        read_gtfs(_feed(tmp_path, feed))


def test_ragged_csv_and_folder_without_feed(tmp_path: Path) -> None:
    feed = dict(FEED)
    feed["routes.txt"] = "route_id,route_type\nbus,3,extra\n"
    with pytest.raises(SpatialInputError, match=r"routes\.txt.*not valid CSV"):
        read_gtfs(_feed(tmp_path, feed))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpatialInputError, match=r"folder without stops\.txt"):
        read_gtfs(tmp_path / "empty")
