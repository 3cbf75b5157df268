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

Frequency: departures per hour at a stop between 06:00 and 20:00 (14 h) on one normal
weekday; high > 10, medium 4–10, low < 4. The *normal weekday* is, unless given, the
Monday–Friday date in the feed's validity whose number of active trips is the most
common one (ties: the larger count), i.e. a typical day rather than a holiday.
Stop times without a departure (non-timepoints) take the previous stop's time in the
same trip.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sdgcities.errors import SpatialInputError

logger = logging.getLogger(__name__)

__all__ = [
    "FREQUENCY_CLASSES",
    "capacity_of_route_type",
    "frequency_class",
    "read_gtfs",
    "read_gtfs_feeds",
]

#: minimum departures/hour of each class (high > 10, medium 4–10, low < 4)
FREQUENCY_CLASSES: dict[str, float] = {"low": 0.0, "medium": 4.0, "high": 10.0 + 1e-9}

_HIGH_BASIC = {1, 2, 4, 6, 7, 12}
_HIGH_RANGES = [(100, 199), (400, 499), (1000, 1299), (1300, 1399), (1400, 1499)]


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
    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = {p.name for p in path.iterdir()}
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

    def read(self, name: str, usecols: Sequence[str] | None = None) -> pd.DataFrame:
        if not self.has(name):
            raise SpatialInputError(
                self.path, f"{name} is missing", f"use a complete GTFS feed that has {name}"
            )
        try:
            if self._zip is not None:
                raw = self._zip.read(self._members[name])
                src: io.BytesIO | Path = io.BytesIO(raw)
            else:
                src = self.path / name
            cols = None if usecols is None else (lambda c: c.strip() in usecols)
            df = pd.read_csv(src, dtype=str, usecols=cols, encoding="utf-8-sig")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise SpatialInputError(
                self.path, f"cannot read {name} ({exc})", "re-download the feed"
            ) from exc
        df.columns = [c.strip() for c in df.columns]
        if usecols is not None:
            missing = [c for c in usecols if c not in df.columns]
            if missing:
                raise SpatialInputError(
                    self.path,
                    f"{name} lacks column(s) {', '.join(missing)}",
                    "fix the feed so that it follows the GTFS reference",
                )
        return df


def _to_seconds(s: pd.Series) -> np.ndarray:
    parts = s.str.strip().str.split(":", expand=True)
    if parts.shape[1] < 2:
        return np.full(len(s), np.nan)
    h = pd.to_numeric(parts[0], errors="coerce")
    m = pd.to_numeric(parts[1], errors="coerce")
    sec = pd.to_numeric(parts[2], errors="coerce") if parts.shape[1] > 2 else 0
    return np.asarray(h * 3600 + m * 60 + sec, dtype=float)


def _active_services(feed: _Feed) -> dict[dt.date, set[str]]:
    by_date: dict[dt.date, set[str]] = {}
    if feed.has("calendar.txt"):
        cal = feed.read("calendar.txt")
        days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        for r in cal.to_dict("records"):
            try:
                start = dt.datetime.strptime(str(r["start_date"]), "%Y%m%d").date()
                end = dt.datetime.strptime(str(r["end_date"]), "%Y%m%d").date()
            except ValueError:
                continue
            flags = [str(r.get(d, "0")).strip() == "1" for d in days]
            day = start
            while day <= end and (day - start).days < 800:
                if flags[day.weekday()]:
                    by_date.setdefault(day, set()).add(str(r["service_id"]))
                day += dt.timedelta(days=1)
    if feed.has("calendar_dates.txt"):
        cd = feed.read("calendar_dates.txt", ["service_id", "date", "exception_type"])
        for sid, d, ex in cd.itertuples(index=False):
            try:
                day = dt.datetime.strptime(str(d), "%Y%m%d").date()
            except ValueError:
                continue
            if str(ex).strip() == "1":
                by_date.setdefault(day, set()).add(str(sid))
            elif str(ex).strip() == "2":
                by_date.get(day, set()).discard(str(sid))
    return by_date


def _normal_weekday(by_date: dict[dt.date, set[str]], trips: pd.DataFrame) -> dt.date | None:
    per_service = trips.groupby("service_id").size()
    counts = {
        d: int(per_service.reindex(list(s)).fillna(0).sum())
        for d, s in by_date.items()
        if d.weekday() < 5
    }
    counts = {d: c for d, c in counts.items() if c > 0}
    if not counts:
        return None
    freq = pd.Series(list(counts.values())).value_counts()
    best = max(freq.index, key=lambda c: (freq[c], c))
    return min(d for d, c in counts.items() if c == best)


def read_gtfs(
    path: str | Path, *, frequency: bool = False, date: dt.date | None = None
) -> gpd.GeoDataFrame:
    """Served stops of one GTFS feed (EPSG:4326) with ``capacity`` and route types.

    Columns: ``stop_id``, ``feed``, ``capacity`` (low/high), ``route_types``; with
    ``frequency=True`` also ``departures_per_hour`` (06:00–20:00 on ``date`` or the
    normal weekday) and ``frequency_class``. Stops that no trip serves are dropped.
    """
    p = Path(path)
    feed = _Feed(p)
    stops = feed.read("stops.txt", ["stop_id", "stop_lat", "stop_lon"])
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    good = lat.between(-90, 90) & lon.between(-180, 180) & ~((lat == 0) & (lon == 0))
    stops = stops.loc[good].assign(lat=lat[good], lon=lon[good])
    if stops.empty:
        raise SpatialInputError(p, "stops.txt has no stop with valid coordinates", "fix stops.txt")
    routes = feed.read("routes.txt", ["route_id", "route_type"])
    trips = feed.read("trips.txt", ["route_id", "service_id", "trip_id"])
    st_cols = ["trip_id", "stop_id"] + (["departure_time", "arrival_time"] if frequency else [])
    st = feed.read("stop_times.txt", st_cols)
    routes["route_type"] = pd.to_numeric(routes["route_type"], errors="coerce").fillna(3)
    routes["capacity"] = [capacity_of_route_type(int(v)) for v in routes["route_type"]]
    trip_cap = trips.merge(routes, on="route_id", how="left")
    trip_cap["capacity"] = trip_cap["capacity"].fillna("low")
    pairs = (
        st[["trip_id", "stop_id"]]
        .drop_duplicates()
        .merge(trip_cap[["trip_id", "capacity", "route_type"]], on="trip_id")
    )
    per_stop = pairs.groupby("stop_id").agg(
        high=("capacity", lambda s: bool((s == "high").any())),
        route_types=("route_type", lambda s: ",".join(str(int(v)) for v in sorted(set(s)))),
    )
    out = stops.merge(per_stop, left_on="stop_id", right_index=True, how="inner")
    n_unserved = len(stops) - len(out)
    out = out.assign(capacity=np.where(out["high"], "high", "low"), feed=p.name)
    cols = ["stop_id", "feed", "capacity", "route_types"]
    if frequency:
        by_date = _active_services(feed)
        day = date or _normal_weekday(by_date, trips)
        if day is None:
            raise SpatialInputError(
                p,
                "no weekday with service in calendar.txt/calendar_dates.txt",
                "use a feed with a valid calendar, or pass date=",
            )
        active = by_date.get(day, set())
        trips_on = set(trips.loc[trips["service_id"].isin(active), "trip_id"])
        times = st.loc[st["trip_id"].isin(trips_on)].copy()
        dep = times["departure_time"].where(
            times["departure_time"].notna() & (times["departure_time"].str.strip() != ""),
            times["arrival_time"],
        )
        times["sec"] = _to_seconds(dep.fillna(""))
        times["sec"] = times.groupby("trip_id")["sec"].ffill()
        win = times.loc[(times["sec"] >= 6 * 3600) & (times["sec"] < 20 * 3600)]
        dph = win.groupby("stop_id").size() / 14.0
        out["departures_per_hour"] = out["stop_id"].map(dph).fillna(0.0).to_numpy()
        out["frequency_class"] = [frequency_class(v) for v in out["departures_per_hour"]]
        out["service_date"] = day.isoformat()
        cols += ["departures_per_hour", "frequency_class", "service_date"]
    logger.info("%s: %d served stops (%d unserved dropped)", p, len(out), n_unserved)
    return gpd.GeoDataFrame(
        out[cols].reset_index(drop=True),
        geometry=shapely.points(out["lon"].to_numpy(), out["lat"].to_numpy()),
        crs="EPSG:4326",
    )


def read_gtfs_feeds(
    paths: Sequence[str | Path], *, frequency: bool = False, date: dt.date | None = None
) -> gpd.GeoDataFrame:
    """:func:`read_gtfs` on each feed, concatenated (``stop_id`` stays per feed)."""
    if not paths:
        raise SpatialInputError("<gtfs>", "no GTFS feed given", "pass one or more GTFS zips")
    frames = [read_gtfs(p, frequency=frequency, date=date) for p in paths]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
