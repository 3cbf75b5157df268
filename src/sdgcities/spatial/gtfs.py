"""Public-transport stops from GTFS feeds: capacity class from the mode, frequency class.

Capacity (SDG 11.2.1 metadata; EC DG REGIO WP 01/2020): a stop is *high-capacity* when
any route serving it (``stop_times`` → ``trips`` → ``routes.route_type``) is rail,
metro, ferry, aerial lift, funicular or monorail; otherwise (bus, trolleybus, tram,
cable tram, coach, taxi) it is *low-capacity*. GTFS cannot tell BRT from bus: BRT counts
as low-capacity, as the metadata asks.

============================  ===========================================
route_type                    capacity
============================  ===========================================
0 tram, 3 bus, 5 cable tram,  low
11 trolleybus; 200–299 coach,
700–799 bus, 800 trolleybus,
900–999 tram, 1500–1599 taxi
1 metro, 2 rail, 4 ferry,     high
6 aerial lift, 7 funicular,
12 monorail; 100–199 rail,
400–499 urban rail, 1000–1299
water, 1300 aerial, 1400
funicular
============================  ===========================================

Frequency (UN SDG metadata 11.2.1, optional disaggregation): departures per hour at a
*station* between 06:00 and 20:00 (14 h) on one normal weekday; high > 10, medium 4–10,
low < 4. Rules, in the order they apply:

* **Normal weekday.** Unless a date is given, the Monday–Friday date in the feed's
  validity whose number of active trips is the most common one (ties: the larger count,
  then the earliest date) — a typical day, never a holiday with a reduced timetable.
  The chosen date and this rule are returned with the stops (``service_date``).
* **Service day.** GTFS times are measured from noon minus 12 h of the *service day* and
  may pass 24:00 (``25:30:00`` is 01:30 the next morning). Departures of the chosen
  date are the trips active on that date at ``t``, plus the trips active on the day
  before at ``t − 24 h`` (a trip of the previous service day still running after
  midnight); times ≥ 24:00 of the chosen date's own trips fall on the next day.
* **Headway-based trips** (``frequencies.txt``): a trip listed there runs every
  ``headway_secs`` from ``start_time`` while the start is before ``end_time``; each run
  reaches a stop at ``start + (t_stop − t_first_stop)`` of its ``stop_times`` pattern
  (the pattern's absolute times are not departures themselves).
* **Stations, not platforms.** Departures are counted per station: a stop with a
  ``parent_station`` counts for its parent, and every platform of a station carries the
  station's rate (``station_id``, ``departures_per_hour``).
* Stop times without a time (non-timepoints) take the previous stop's time in the trip.

Feeds are read with pyarrow's multi-threaded CSV reader (every column as text), not
pandas' parser: ``stop_times.txt`` of a city is millions of cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._arrow import numbers as _numpy
from sdgcities.spatial._arrow import texts
from sdgcities.spatial._features import Features

if TYPE_CHECKING:
    import geopandas as gpd
    import pyarrow as pa

logger = logging.getLogger(__name__)

__all__ = [
    "FREQUENCY_CLASSES",
    "NORMAL_WEEKDAY_RULE",
    "capacity_of_route_type",
    "frequency_class",
    "read_gtfs",
    "read_gtfs_feeds",
    "read_gtfs_stop_features",
    "read_gtfs_stops",
]

#: minimum departures/hour of each class (high > 10, medium 4–10, low < 4)
FREQUENCY_CLASSES: dict[str, float] = {"low": 0.0, "medium": 4.0, "high": 10.0 + 1e-9}

#: how the service date is chosen when none is given (stated with every result)
NORMAL_WEEKDAY_RULE = (
    "the Monday-Friday date of the feed whose number of active trips is the most common "
    "one (ties: larger count, then earliest date)"
)

_WINDOW = (6 * 3600, 20 * 3600)  # 06:00-20:00, 14 h
_DAY = 24 * 3600
_MAX_CALENDAR_DAYS = 3700  # a calendar row is expanded over at most ~10 years
_HIGH_BASIC = {1, 2, 4, 6, 7, 12}
_HIGH_RANGES = [(100, 199), (400, 499), (1000, 1299), (1300, 1399), (1400, 1499)]
_TIME_RE = r"^\s*(?P<h>\d{1,3}):(?P<m>\d{2}):(?P<s>\d{2})\s*$"


def capacity_of_route_type(route_type: int) -> str:
    """``"high"`` or ``"low"`` for a GTFS (basic or extended) ``route_type``.

    >>> capacity_of_route_type(3), capacity_of_route_type(1), capacity_of_route_type(109)
    ('low', 'high', 'high')
    """
    rt = int(route_type)
    if rt in _HIGH_BASIC or any(lo <= rt <= hi for lo, hi in _HIGH_RANGES):
        return "high"
    return "low"


def frequency_class(departures_per_hour: float) -> str:
    """``"high"`` (> 10/h), ``"medium"`` (4–10/h) or ``"low"`` (< 4/h).

    >>> frequency_class(12), frequency_class(10), frequency_class(3.9)
    ('high', 'medium', 'low')
    """
    if departures_per_hour > 10:
        return "high"
    if departures_per_hour >= 4:
        return "medium"
    return "low"


class _Feed:
    """A GTFS feed (zip or folder); tables come back as pyarrow tables of text columns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if path.is_dir():
            self.names = {p.name for p in path.iterdir() if p.is_file()}
            if "stops.txt" not in self.names:
                raise SpatialInputError(
                    path,
                    "is a folder without stops.txt, not a GTFS feed",
                    "pass the GTFS .zip itself (or the folder it was unpacked into)",
                )
        elif path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
                # some feeds nest the files in a folder
                self._members = {Path(n).name: n for n in self._zip.namelist()}
                self.names = set(self._members)
            except (zipfile.BadZipFile, OSError) as exc:
                raise SpatialInputError(
                    path, f"not a readable GTFS zip ({exc})", "re-download the feed"
                ) from exc
        else:
            raise SpatialInputError(path, "GTFS feed not found", "pass a GTFS .zip or folder")

    def has(self, name: str) -> bool:
        return name in self.names

    def _bytes(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(self._members[name])
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise SpatialInputError(
                self.path, f"cannot read {name} ({exc})", "re-download the feed"
            ) from exc

    def read(self, name: str, required: Sequence[str], optional: Sequence[str] = ()) -> pa.Table:
        """``name`` as a table of ``required`` (must exist) and present ``optional`` columns."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if not self.has(name):
            raise SpatialInputError(
                self.path, f"{name} is missing", f"use a complete GTFS feed that has {name}"
            )
        raw = self._bytes(name)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        first = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
        header = next(csv.reader([first]), [])
        by_name = {h.strip(): h for h in header}
        missing = [c for c in required if c not in by_name]
        if missing:
            raise SpatialInputError(
                f"{self.path} › {name}",
                f"lacks column(s) {', '.join(missing)} (header: {', '.join(by_name) or 'empty'})",
                "fix the feed so that it follows the GTFS reference",
            )
        wanted = [c for c in (*required, *optional) if c in by_name]
        raw_cols = [by_name[c] for c in wanted]
        try:
            table = pacsv.read_csv(
                pa.BufferReader(raw),
                convert_options=pacsv.ConvertOptions(
                    include_columns=raw_cols,
                    column_types={c: pa.string() for c in raw_cols},
                    strings_can_be_null=True,
                ),
            )
        except (pa.ArrowInvalid, OSError) as exc:
            raise SpatialInputError(
                f"{self.path} › {name}",
                f"is not valid CSV ({exc})",
                "re-download the feed; every row must have as many fields as the header",
            ) from exc
        return table.rename_columns(wanted)


def _column(table: pa.Table, name: str) -> np.ndarray:
    """A text column as a numpy object array (None for empty cells)."""
    return texts(table.column(name))


def _seconds(col: pa.ChunkedArray, name: str, where: str) -> np.ndarray:
    """``H:MM:SS`` times (hours may pass 24) as seconds; NaN for empty cells.

    A malformed time raises, naming the row (1-based, the header is row 1) and column.
    """
    import pyarrow.compute as pc

    parts = pc.extract_regex(col, _TIME_RE)
    if parts.null_count > col.null_count:
        bad = np.flatnonzero(_numpy(pc.is_null(parts)) & ~_numpy(pc.is_null(col)))[0]
        raise SpatialInputError(
            where,
            f"row {bad + 2}, column {name!r}: {col[int(bad)].as_py()!r} is not a time",
            "write times as HH:MM:SS (hours may pass 24 for trips after midnight)",
        )
    out = np.zeros(len(col))
    for i, mult in enumerate((3600, 60, 1)):
        out += mult * _numpy(pc.struct_field(parts, [i]).cast("float64"), null=np.nan)
    return out


def _index_in(values: pa.ChunkedArray, keys: pa.ChunkedArray) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent)."""
    import pyarrow.compute as pc

    idx = pc.index_in(values, value_set=keys.combine_chunks())
    return np.asarray(_numpy(idx, null=-1), dtype=np.int64)


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(value).strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _active_services(feed: _Feed) -> dict[dt.date, set[str]]:
    by_date: dict[dt.date, set[str]] = {}
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    if feed.has("calendar.txt"):
        cal = feed.read("calendar.txt", ["service_id", "start_date", "end_date"], days)
        for r in cal.to_pylist():
            start, end = _parse_date(r["start_date"]), _parse_date(r["end_date"])
            if start is None or end is None:
                continue
            flags = [str(r.get(d) or "0").strip() == "1" for d in days]
            day = start
            while day <= end and (day - start).days < _MAX_CALENDAR_DAYS:
                if flags[day.weekday()]:
                    by_date.setdefault(day, set()).add(str(r["service_id"]))
                day += dt.timedelta(days=1)
    if feed.has("calendar_dates.txt"):
        cd = feed.read("calendar_dates.txt", ["service_id", "date", "exception_type"])
        for r in cd.to_pylist():
            day_ = _parse_date(r["date"])
            if day_ is None:
                continue
            ex = str(r["exception_type"] or "").strip()
            if ex == "1":
                by_date.setdefault(day_, set()).add(str(r["service_id"]))
            elif ex == "2":
                by_date.get(day_, set()).discard(str(r["service_id"]))
    return by_date


def _normal_weekday(
    by_date: dict[dt.date, set[str]], service_of_trip: np.ndarray
) -> dt.date | None:
    ids, counts = np.unique(service_of_trip.astype(str), return_counts=True)
    per_service = dict(zip(ids.tolist(), counts.tolist(), strict=True))
    trips_on = {
        d: sum(per_service.get(s, 0) for s in svc) for d, svc in by_date.items() if d.weekday() < 5
    }
    trips_on = {d: c for d, c in trips_on.items() if c > 0}
    if not trips_on:
        return None
    values, freq = np.unique(list(trips_on.values()), return_counts=True)
    best = max(zip(freq.tolist(), values.tolist(), strict=True))[1]
    return min(d for d, c in trips_on.items() if c == best)


def _headway_runs(
    feed: _Feed, trip_ids: pa.ChunkedArray, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """(trip index, run start in seconds) of every run of ``frequencies.txt``."""
    fr = feed.read("frequencies.txt", ["trip_id", "start_time", "end_time", "headway_secs"])
    where_f = f"{where} › frequencies.txt"
    start = _seconds(fr.column("start_time"), "start_time", where_f)
    end = _seconds(fr.column("end_time"), "end_time", where_f)
    head = np.array(
        [float(v) if v not in (None, "") and v.strip().isdigit() else np.nan
         for v in _column(fr, "headway_secs")]
    )  # fmt: skip
    trip = _index_in(fr.column("trip_id"), trip_ids)
    bad = ~np.isfinite(head) | (head <= 0) | ~np.isfinite(start) | ~np.isfinite(end)
    bad |= end < start
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SpatialInputError(
            where_f,
            f"row {i + 2}: headway_secs must be a positive whole number of seconds and "
            "end_time ≥ start_time",
            "fix the row (see the GTFS reference for frequencies.txt)",
        )
    keep = trip >= 0
    n = np.ceil((end - start) / head).astype(np.int64)[keep]
    trip, start, head = trip[keep], start[keep], head[keep]
    row = np.repeat(np.arange(len(n)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return trip[row], start[row] + k * head[row]


def _departures_per_station(
    feed: _Feed,
    trips: pa.Table,
    st: pa.Table,
    st_trip: np.ndarray,
    st_station: np.ndarray,
    n_stations: int,
    day: dt.date,
    by_date: dict[dt.date, set[str]],
    where: str,
) -> np.ndarray:
    """Departures per hour, 06:00–20:00 on ``day``, of each station (see module doc)."""
    import pyarrow.compute as pc

    where_st = f"{where} › stop_times.txt"
    dep = pc.coalesce(st.column("departure_time"), st.column("arrival_time"))
    sec = _seconds(dep, "departure_time", where_st)
    seq = np.asarray(
        _numpy(pc.cast(st.column("stop_sequence"), "float64", safe=False), null=np.nan)
        if "stop_sequence" in st.column_names
        else np.arange(len(sec), dtype=float)
    )
    order = np.lexsort((seq, st_trip))
    trip_o, sec_o, station_o = st_trip[order], sec[order], st_station[order]
    # forward-fill non-timepoints within each trip
    valid = np.isfinite(sec_o)
    last = np.where(valid, np.arange(len(sec_o)), -1)
    np.maximum.accumulate(last, out=last)
    filled = np.where(last >= 0, sec_o[np.maximum(last, 0)], np.nan)
    new_trip = np.r_[True, trip_o[1:] != trip_o[:-1]]
    trip_start_row = np.maximum.accumulate(np.where(new_trip, np.arange(len(trip_o)), 0))
    filled[last < trip_start_row] = np.nan  # never fill across trips

    service = _column(trips, "service_id").astype(str)
    n_trips = len(service)
    active = {
        0: np.isin(service, list(by_date.get(day, set()))),
        -1: np.isin(service, list(by_date.get(day - dt.timedelta(days=1), set()))),
    }
    headway = np.zeros(n_trips, dtype=bool)
    run_trip = run_start = np.empty(0)
    if feed.has("frequencies.txt"):
        run_trip, run_start = _headway_runs(feed, trips.column("trip_id"), where)
        headway[run_trip.astype(np.int64)] = True

    lo, hi = _WINDOW
    counts = np.zeros(n_stations)
    ok = (trip_o >= 0) & (station_o >= 0) & np.isfinite(filled)
    # timetabled trips
    plain = ok & ~headway[np.maximum(trip_o, 0)]
    for shift, act in active.items():
        m = plain & act[np.maximum(trip_o, 0)]
        t = filled[m] + shift * _DAY
        w = (t >= lo) & (t < hi)
        counts += np.bincount(station_o[m][w], minlength=n_stations)
    # headway-based trips: every run repeats the trip's pattern of offsets
    if len(run_trip):
        first = np.full(n_trips, np.nan)
        pat = ok & headway[np.maximum(trip_o, 0)]
        idx = np.flatnonzero(pat)
        # rows are sorted by trip then sequence: the first row of a trip is its start
        tr = trip_o[idx]
        head_row = np.r_[True, tr[1:] != tr[:-1]]
        first[tr[head_row]] = filled[idx][head_row]
        offset = filled[idx] - first[tr]
        by_trip_rows = {int(t): idx[tr == t] for t in np.unique(tr)}
        by_trip_off = {int(t): offset[tr == t] for t in np.unique(tr)}
        for shift, act in active.items():
            for t_i, start in zip(run_trip.astype(np.int64).tolist(), run_start, strict=True):
                if not act[t_i] or t_i not in by_trip_rows:
                    continue
                t = start + by_trip_off[t_i] + shift * _DAY
                w = (t >= lo) & (t < hi)
                counts += np.bincount(station_o[by_trip_rows[t_i]][w], minlength=n_stations)
    return counts / ((hi - lo) / 3600)


def read_gtfs(
    path: str | Path, *, frequency: bool = False, date: dt.date | None = None
) -> gpd.GeoDataFrame:
    """Served stops of one GTFS feed (EPSG:4326) with ``capacity`` and route types.

    Columns: ``stop_id``, ``station_id`` (the ``parent_station``, else the stop itself),
    ``feed``, ``capacity`` (low/high), ``route_types``; with ``frequency=True`` also
    ``departures_per_hour`` of the stop's station (06:00–20:00 on ``date`` or the normal
    weekday), ``frequency_class`` and ``service_date``. Stops that no trip serves are
    dropped. A stop with unusable coordinates raises, naming its row.

    On the Porto Alegre kit (EPTC bus feed, normal weekday 2019-04-15)::

        >>> bus = read_gtfs("gtfs_eptc_bus.zip", frequency=True)  # doctest: +SKIP
        >>> bus["frequency_class"].value_counts().to_dict()  # doctest: +SKIP
        {'low': 3388, 'medium': 460, 'high': 138}
    """
    return read_gtfs_stops(path, frequency=frequency, date=date).to_geodataframe()


def read_gtfs_stops(
    path: str | Path, *, frequency: bool = False, date: dt.date | None = None
) -> Features:
    """:func:`read_gtfs` as :class:`~sdgcities.spatial._features.Features` (no pandas)."""
    import shapely

    p = Path(path)
    feed = _Feed(p)
    where = str(p)
    stops = feed.read(
        "stops.txt", ["stop_id", "stop_lat", "stop_lon"], ["parent_station", "location_type"]
    )
    lat_a = np.array([_num(v) for v in _column(stops, "stop_lat")])
    lon_a = np.array([_num(v) for v in _column(stops, "stop_lon")])
    loc_type = (
        _column(stops, "location_type")
        if "location_type" in stops.column_names
        else np.full(stops.num_rows, None, dtype=object)
    )
    needs_xy = np.isin(loc_type.astype(str), ["None", "", "0", "1", "2"])
    bad_xy = needs_xy & (
        ~(np.abs(lat_a) <= 90) | ~(np.abs(lon_a) <= 180) | ((lat_a == 0) & (lon_a == 0))
    )
    routes = feed.read("routes.txt", ["route_id", "route_type"])
    trips = feed.read("trips.txt", ["route_id", "service_id", "trip_id"])
    st_cols = ["trip_id", "stop_id"]
    st_opt = ["departure_time", "arrival_time", "stop_sequence"] if frequency else []
    st = feed.read("stop_times.txt", st_cols, st_opt)
    if frequency:
        missing = [c for c in ("departure_time", "arrival_time") if c not in st.column_names]
        if missing:
            raise SpatialInputError(
                f"{where} › stop_times.txt",
                f"lacks column(s) {', '.join(missing)} needed for service frequency",
                "use a feed with timed stop_times.txt, or leave out --frequency",
            )

    rtype = np.array([_num(v) for v in _column(routes, "route_type")])
    if np.isnan(rtype).any():
        i = int(np.flatnonzero(np.isnan(rtype))[0])
        raise SpatialInputError(
            f"{where} › routes.txt",
            f"row {i + 2}, column 'route_type': {_column(routes, 'route_type')[i]!r} is not a "
            "GTFS route type",
            "use a route_type code of the GTFS reference (e.g. 3 bus, 1 metro, 2 rail)",
        )
    route_high = np.array([capacity_of_route_type(int(v)) == "high" for v in rtype], dtype=bool)
    trip_route = _index_in(trips.column("route_id"), routes.column("route_id"))
    st_trip = _index_in(st.column("trip_id"), trips.column("trip_id"))
    st_stop = _index_in(st.column("stop_id"), stops.column("stop_id"))
    served = (st_trip >= 0) & (st_stop >= 0)
    n_stops = stops.num_rows
    pair_stop = st_stop[served]
    pair_route = trip_route[st_trip[served]]
    has_route = pair_route >= 0
    is_served = np.bincount(pair_stop, minlength=n_stops) > 0
    high = (
        np.bincount(pair_stop[has_route], weights=route_high[pair_route[has_route]],
                    minlength=n_stops) > 0
    )  # fmt: skip
    if (bad_xy & is_served).any():
        i = int(np.flatnonzero(bad_xy & is_served)[0])
        raise SpatialInputError(
            f"{where} › stops.txt",
            f"row {i + 2} (stop_id {_column(stops, 'stop_id')[i]!r}): stop_lat/stop_lon "
            f"{_column(stops, 'stop_lat')[i]!r}, {_column(stops, 'stop_lon')[i]!r} is not a "
            "location in WGS 84",
            "give the stop's latitude and longitude in decimal degrees",
        )
    # route types per stop (a stop may be served by several modes), e.g. "2,3"
    rt_code = rtype[pair_route[has_route]].astype(np.int64)
    pair_key = np.unique(pair_stop[has_route] * (1 << 20) + rt_code)  # route types < 2^20
    key_stop, key_rt = pair_key >> 20, pair_key & ((1 << 20) - 1)
    with_rt, starts = np.unique(key_stop, return_index=True)
    labels = {
        int(stop): ",".join(map(str, group.tolist()))
        for stop, group in zip(with_rt, np.split(key_rt, starts[1:]), strict=True)
    }
    stop_ids = _column(stops, "stop_id")
    if "parent_station" in stops.column_names:
        parent_idx = _index_in(stops.column("parent_station"), stops.column("stop_id"))
    else:
        parent_idx = np.full(n_stops, -1, dtype=np.int64)
    station = np.where(parent_idx >= 0, parent_idx, np.arange(n_stops))
    keep = np.flatnonzero(is_served)
    out: dict[str, np.ndarray] = {
        "stop_id": stop_ids[keep],
        "station_id": stop_ids[station[keep]],
        "feed": np.full(len(keep), p.name, dtype=object),
        "capacity": np.where(high[keep], "high", "low").astype(object),
        "route_types": np.array([labels.get(int(i), "") for i in keep], dtype=object),
    }
    if frequency:
        by_date = _active_services(feed)
        day = date or _normal_weekday(by_date, _column(trips, "service_id"))
        if day is None:
            raise SpatialInputError(
                p,
                "no weekday with service in calendar.txt/calendar_dates.txt",
                "use a feed with a valid calendar, or pass a service date",
            )
        st_station = np.where(st_stop >= 0, station[np.maximum(st_stop, 0)], -1)
        dph = _departures_per_station(
            feed, trips, st, st_trip, st_station, n_stops, day, by_date, where
        )
        out["departures_per_hour"] = dph[station[keep]]
        out["frequency_class"] = np.array(
            [frequency_class(v) for v in out["departures_per_hour"]], dtype=object
        )
        out["service_date"] = np.full(len(keep), day.isoformat(), dtype=object)
    logger.info("%s: %d served stops (%d unserved dropped)", p, len(keep), n_stops - len(keep))
    return Features(np.asarray(shapely.points(lon_a[keep], lat_a[keep])).reshape(-1), out)


def _num(value: Any) -> float:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return float("nan")


def read_gtfs_feeds(
    paths: Sequence[str | Path], *, frequency: bool = False, date: dt.date | None = None
) -> gpd.GeoDataFrame:
    """:func:`read_gtfs` on each feed, concatenated (``stop_id`` stays per feed)."""
    return read_gtfs_stop_features(paths, frequency=frequency, date=date).to_geodataframe()


def read_gtfs_stop_features(
    paths: Sequence[str | Path], *, frequency: bool = False, date: dt.date | None = None
) -> Features:
    """:func:`read_gtfs_feeds` as :class:`~sdgcities.spatial._features.Features`."""
    if not paths:
        raise SpatialInputError("<gtfs>", "no GTFS feed given", "pass one or more GTFS zips")
    return Features.concat([read_gtfs_stops(p, frequency=frequency, date=date) for p in paths])
