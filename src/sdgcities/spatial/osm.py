"""Reading an .osm.pbf extract: walk network, streets, stops, open spaces, buildings.

One pass with pyosmium (``osmium.FileProcessor``) fills numpy arrays; C++ filters drop
untagged objects before they reach Python, tags are read from pyosmium's tag list
without copying them into dicts, and each way's coordinates come from libosmium in one
call (WKB), so Python never walks a way node by node (unless one is missing from the
extract); node numbering and edges are built with numpy afterwards. Open spaces and
buildings, when asked for, come from libosmium's areas in that same pass (libosmium reads
the relations first), not from a second read of the file.
``bench/bench_transit_cli.py`` times this read against a bare pyosmium pass.
pyrosm would give the same ways but builds GeoDataFrames of every tag first, which is
several times slower for what the indicators need.

Walk network filter
-------------------
The filter is pyrosm's ``walking`` filter (``pyrosm.config.osm_filters.walking_filter``),
which in turn follows OSMnx's ``walk`` filter: a way with a ``highway`` tag is walkable
unless ``area=yes``; ``highway`` is one of abandoned, construction, no, planned, platform,
proposed, raceway, razed, rest_area, services, bus_guideway, cycleway, motor, motorway,
motorway_link; ``service=private``; or its sidewalk is mapped as a separate way
(``sidewalk[:both|:left|:right]=separate``, so the sidewalk way is used instead). Access
follows OSM's hierarchy: the most specific of ``foot``, ``access`` decides, and ``no`` or
``private`` (also inside ``private;delivery``) close the way — so ``access=no`` +
``foot=yes`` stays walkable (OSMnx would drop it). Note the ``separate`` rule: where
sidewalks are mapped separately but not joined to the crossing streets, the network can
fall apart into islands; the snapping distances in the result show it.

Every consecutive pair of way nodes becomes one straight edge, so the network needs no
simplification and snapping onto it is exact. A network node is a *position* on OSM's
1e-7° grid (about 1 cm): two OSM nodes at exactly the same position — "duplicated
nodes", which OSM validators report as errors to merge — are one node (Las Palmas: 5 of
87,692; Porto Alegre: none; the 11.2.1 values are unchanged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np
import osmium
import shapely

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._features import Features, LazyFrame
from sdgcities.spatial._streets import street_rule

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

__all__ = [
    "OPEN_SPACE_TAGS",
    "OsmData",
    "is_walkable",
    "read_osm",
]


class Tags(Protocol):
    """What the tag rules need of a way's or node's tags: a ``dict`` or pyosmium's
    ``TagList`` (read in place, never copied)."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...

    def __contains__(self, key: str, /) -> bool: ...


_ALWAYS_EXCLUDED = {
    "abandoned",
    "construction",
    "no",
    "planned",
    "platform",
    "proposed",
    "raceway",
    "razed",
    "rest_area",
    "services",
}
_WALK_EXCLUDED = _ALWAYS_EXCLUDED | {
    "bus_guideway",
    "cycleway",
    "motor",
    "motorway",
    "motorway_link",
}
_CLOSED = {"no", "private"}

#: Open public space (UN SDG metadata 11.7.1: "parks, squares, recreational green areas,
#: public beaches and waterfronts, playgrounds … open to all"), as OSM tags. ``pitch`` and
#: ``sports_centre`` are left out: in OSM they are mostly club grounds with restricted
#: entry. Areas tagged ``access=private|no`` are always left out.
OPEN_SPACE_TAGS: dict[str, frozenset[str]] = {
    "leisure": frozenset(
        {"park", "garden", "playground", "common", "recreation_ground", "dog_park"}
    ),
    "landuse": frozenset({"recreation_ground", "village_green"}),
    "place": frozenset({"square"}),
    "highway": frozenset({"pedestrian"}),  # pedestrian squares mapped as areas
    "natural": frozenset({"beach"}),
}


def _multi_closed(value: str | None) -> bool:
    if value is None:
        return False
    if ";" not in value:
        return value.strip() in _CLOSED
    return any(part.strip() in _CLOSED for part in value.split(";"))


def is_walkable(tags: Tags) -> bool:
    """Whether a way with ``tags`` belongs to the walk network (pyrosm ``walking`` filter).

    >>> is_walkable({"highway": "residential"})
    True
    >>> is_walkable({"highway": "motorway"})
    False
    >>> is_walkable({"highway": "footway", "access": "no", "foot": "yes"})
    True
    """
    get = tags.get  # always called with its default: pyosmium's C accessor needs it
    hw = get("highway", None)
    if hw is None:
        return False
    if ";" in hw:
        if any(p.strip() in _WALK_EXCLUDED for p in hw.split(";")):
            return False
    elif hw.strip() in _WALK_EXCLUDED:
        return False
    if get("area", None) == "yes" or _multi_closed(get("service", None)):
        return False
    for key in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"):
        if get(key, None) == "separate":
            return False
    for key in ("foot", "access"):
        v = get(key, None)
        if v is not None:
            return not _multi_closed(v)
    return True


#: the (key, value) pairs that make a node a stop in :func:`_stop_capacity`
_STOP_TAGS: tuple[tuple[str, str], ...] = (
    ("public_transport", "platform"),
    ("public_transport", "stop_position"),
    ("public_transport", "station"),
    ("highway", "bus_stop"),
    ("railway", "station"),
    ("railway", "halt"),
    ("railway", "tram_stop"),
    ("railway", "stop"),
    ("amenity", "ferry_terminal"),
)


def _stop_capacity(tags: Tags) -> str | None:
    """``"high"``/``"low"`` for a public-transport stop node, ``None`` otherwise."""
    rw = tags.get("railway")
    is_stop = any(tags.get(k) == v for k, v in _STOP_TAGS)
    if not is_stop:
        return None
    high = (
        rw in {"station", "halt"}
        or tags.get("station") in {"subway", "train", "light_rail", "monorail", "funicular"}
        or any(tags.get(k) == "yes" for k in ("train", "subway", "light_rail", "monorail", "ferry"))
        or tags.get("amenity") == "ferry_terminal"
    )
    if rw == "tram_stop" or tags.get("station") == "tram":
        high = False
    return "high" if high else "low"


@dataclass
class OsmData:
    """What the spatial indicators need from an extract; coordinates in EPSG:4326.

    ``node_lon``/``node_lat`` hold every node used by a highway way. Edges are consecutive
    node pairs of highway ways (``edge_u``, ``edge_v`` index the node arrays);
    ``edge_walk`` marks walkable edges, ``edge_highway`` is the highway class and
    ``edge_width`` the ``width`` tag in metres (NaN when absent or unparseable).
    ``stops``, ``open_spaces`` and ``buildings`` read as GeoDataFrames, built on first
    read from the :class:`~sdgcities.spatial._features.Features` the reader keeps
    (``features_of(data, "buildings")`` reads them without geopandas); treat them as
    read-only.
    """

    path: str
    node_lon: np.ndarray
    node_lat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_walk: np.ndarray
    edge_highway: np.ndarray
    edge_width: np.ndarray
    stops: gpd.GeoDataFrame = LazyFrame()
    open_spaces: gpd.GeoDataFrame = LazyFrame()
    buildings: gpd.GeoDataFrame = LazyFrame()
    counts: dict[str, int] = field(default_factory=dict)
    #: per edge, its street-area rule for 11.7.1 (a) (:func:`._streets.street_rule`)
    edge_street: np.ndarray | None = None

    @property
    def n_walk_edges(self) -> int:
        return int(self.edge_walk.sum())

    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the highway nodes."""
        return (
            float(self.node_lon.min()),
            float(self.node_lat.min()),
            float(self.node_lon.max()),
            float(self.node_lat.max()),
        )


def _parse_width(value: str | None) -> float:
    if not value:
        return float("nan")
    v = value.strip().lower().replace(",", ".")
    v = v.removesuffix("m").strip()
    try:
        w = float(v)
    except ValueError:
        return float("nan")
    return w if 0.5 <= w <= 100.0 else float("nan")


def _open_space_kind(tags: Tags) -> str | None:
    """``"key=value"`` when ``tags`` describe an open public space, else ``None``.

    ``leisure=garden`` counts only when it is evidently public: it has a name, or
    ``access=yes|permissive``, or ``garden:type=community|botanical|public`` — most unnamed
    gardens in OSM are private yards (Las Palmas: 3,241 of 3,302).
    """
    access = tags.get("access", None)  # defaults given: tags may be a _CTags
    if _multi_closed(access):
        return None
    for key, values in OPEN_SPACE_TAGS.items():
        v = tags.get(key, None)
        if v is None or v not in values:
            continue
        if key == "highway" and tags.get("area", None) != "yes":
            continue
        if v == "garden" and not (
            "name" in tags
            or access in {"yes", "permissive"}
            or tags.get("garden:type", None) in {"community", "botanical", "public"}
        ):
            continue
        return f"{key}={v}"
    return None


def read_osm(path: str | Path, *, buildings: bool = False, open_spaces: bool = True) -> OsmData:
    """Read the walk network, streets, PT stops, open spaces (and buildings) of ``path``.

    Raises :class:`SpatialInputError` when the file is missing, unreadable or has no
    walkable way.
    """
    p = Path(path)
    if not p.is_file():
        raise SpatialInputError(p, "file not found", "pass the path of an .osm.pbf extract")
    try:
        return _read(p, want_buildings=buildings, want_open_spaces=open_spaces)
    except RuntimeError as exc:  # libosmium reports corrupt/truncated input as RuntimeError
        raise SpatialInputError(
            p,
            f"cannot read as OpenStreetMap data ({exc})",
            "re-download or re-export the extract (e.g. with osmium extract) and check it "
            "with `osmium fileinfo`",
        ) from exc


_UNDEFINED = 2_147_483_647  # libosmium's coordinate of a node missing from the extract


def _read(p: Path, *, want_buildings: bool, want_open_spaces: bool) -> OsmData:
    # Each way's coordinates come from libosmium in one call (WKB); Python never touches
    # a way's nodes one by one unless one of them is missing from the extract. A network
    # node is a position (OSM's 1e-7° grid, about 1 cm): nodes are numbered and edges
    # built with numpy afterwards.
    fab = osmium.geom.WKBFactory()
    every_node = osmium.geom.use_nodes.ALL
    pieces: list[str | np.ndarray] = []  # per way piece: WKB, or (k, 2) fixed-point x/y
    piece_way: list[int] = []
    # per-way attributes, derived from the tags in this one place, repeated per edge below
    w_walk: list[bool] = []
    w_hw: list[str] = []
    w_width: list[float] = []
    w_street: list[str] = []
    stop_rows: list[tuple[int, float, float, str, str]] = []
    n_ways = n_walk_ways = n_missing = 0

    areas = _AreaRows(want_buildings=want_buildings, want_open_spaces=want_open_spaces)
    fp = osmium.FileProcessor(str(p)).with_locations()
    if areas.keys:  # areas come in the same pass over the file, not a second one
        fp = fp.with_areas(osmium.filter.KeyFilter(*areas.keys))
    # in libosmium, not Python: only highway ways are read as ways (areas come
    # assembled), only stop nodes as nodes (exactly the tags _stop_capacity accepts)
    highway_ways = osmium.filter.KeyFilter("highway")
    highway_ways.enable_for(osmium.osm.WAY)
    stop_nodes = osmium.filter.TagFilter(*_STOP_TAGS)
    stop_nodes.enable_for(osmium.osm.NODE)
    fp = (
        fp.with_filter(osmium.filter.EmptyTagFilter())
        .with_filter(
            osmium.filter.KeyFilter(
                "highway", "public_transport", "railway", "amenity", *areas.keys
            )
        )
        .with_filter(highway_ways)
        .with_filter(stop_nodes)
    )
    for obj in fp:  # ways first: most of the objects that reach Python
        if isinstance(obj, osmium.osm.Way):
            tags = _way_tags(obj)
            hw = tags.get("highway", None)
            if hw is None or hw in _ALWAYS_EXCLUDED or tags.get("area", None) == "yes":
                continue
            way = n_ways
            n_ways += 1
            walk = is_walkable(tags)
            n_walk_ways += walk
            w_walk.append(walk)
            w_hw.append(hw)
            w_width.append(_parse_width(tags.get("width", None)))
            w_street.append(street_rule(tags))
            try:
                pieces.append(fab.create_linestring(obj, every_node))
                piece_way.append(way)
            except (osmium.InvalidLocationError, RuntimeError):  # node outside the extract
                xy = np.array([(n.x, n.y) for n in obj.nodes], dtype=np.int64).reshape(-1, 2)
                gone = xy[:, 0] == _UNDEFINED
                n_missing += int(gone.sum())
                for part in np.split(xy, np.flatnonzero(gone)):
                    part = part[part[:, 0] != _UNDEFINED]
                    if len(part):
                        pieces.append(part)
                        piece_way.append(way)
        elif isinstance(obj, osmium.osm.Area):
            areas.add(obj)
        elif isinstance(obj, osmium.osm.Node):
            tags = obj.tags  # a TagList: .get() without copying every tag into a dict
            cap = _stop_capacity(tags)
            if cap is not None and obj.location.valid():
                stop_rows.append(
                    (obj.id, obj.location.lon, obj.location.lat, cap, tags.get("name") or "")
                )

    xy, way_of, piece_of = _piece_coordinates(pieces, piece_way)
    # number the positions in order of first appearance
    key = xy[:, 0] * (1 << 32) + xy[:, 1]
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    node_of = rank[inverse]
    coords = xy[first[order]]
    lons = coords[:, 0] / 1e7
    lats = coords[:, 1] / 1e7
    # an edge per consecutive pair of positions of the same way piece
    a, b = node_of[:-1], node_of[1:]
    pair = (piece_of[:-1] == piece_of[1:]) & (a != b)
    eu, ev = a[pair], b[pair]
    edge_way = way_of[:-1][pair]
    ewalk = np.asarray(w_walk, dtype=bool)[edge_way]
    ehw = np.asarray(w_hw, dtype=object)[edge_way]
    ewidth = np.asarray(w_width, dtype=float)[edge_way]
    estreet = np.asarray(w_street, dtype=object)[edge_way]

    if not ewalk.any():
        raise SpatialInputError(
            p,
            f"no walkable ways found ({n_ways} highway ways, none passing the walk filter)",
            "use an extract that contains the city's streets (highway=* ways), e.g. cut "
            "from a Geofabrik country file with `osmium extract --bbox`",
        )

    stops = Features(
        shapely.points(
            np.array([r[1] for r in stop_rows], dtype=float),
            np.array([r[2] for r in stop_rows], dtype=float),
        ).reshape(-1),
        {
            "osm_id": np.array([r[0] for r in stop_rows], dtype=np.int64),
            "capacity": np.array([r[3] for r in stop_rows], dtype=object),
            "name": np.array([r[4] for r in stop_rows], dtype=object),
        },
    )
    opens, blds = areas.frames()
    data = OsmData(
        path=str(p),
        node_lon=lons,
        node_lat=lats,
        edge_u=eu,
        edge_v=ev,
        edge_walk=ewalk,
        edge_highway=ehw,
        edge_width=ewidth,
        edge_street=estreet,
        stops=stops,
        open_spaces=opens,
        buildings=blds,
        counts={
            "highway_ways": n_ways,
            "walk_ways": n_walk_ways,
            "nodes": len(lons),
            "edges": len(eu),
            "walk_edges": int(np.sum(ewalk)),
            "stops": len(stops),
            "missing_node_refs": n_missing,
            "open_spaces": len(opens),
            "buildings": len(blds),
        },
    )
    logger.info("read %s: %s", p, data.counts)
    return data


class _CTags:
    """A way's tags read through pyosmium's C accessor, skipping ``TagList.get``'s Python
    frame (a third of the read's time on Porto Alegre: about 25 lookups per way).

    ``get`` must be called with its default, as the rules in this module and in
    :mod:`._streets` always do. Built by :func:`_way_tags`, which falls back to the
    public ``TagList`` when a pyosmium version lacks the accessor.
    """

    __slots__ = ("get",)

    def __init__(self, get: Callable[[str, str | None], str | None]) -> None:
        self.get = get

    def __contains__(self, key: str) -> bool:
        return self.get(key, None) is not None


def _way_tags(obj: osmium.osm.Way | osmium.osm.Area) -> Tags:
    """A way's or an area's tags through the C accessor (:class:`_CTags`) when there is one."""
    get = getattr(getattr(obj, "_pyosmium_data", None), "tags_get_value_by_key", None)
    return cast(Tags, _CTags(get)) if get is not None else obj.tags


def _from_hex_wkb(hex_wkb: list[str]) -> np.ndarray:
    """Geometries of libosmium's hex WKB (parsed as binary: several times faster)."""
    return np.asarray(shapely.from_wkb([bytes.fromhex(h) for h in hex_wkb]))


def _piece_coordinates(
    pieces: list[str | np.ndarray], piece_way: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fixed-point x/y of every way-piece vertex, its way, its piece), in file order."""
    wkb_at = [i for i, piece in enumerate(pieces) if isinstance(piece, str)]
    if wkb_at:
        lines = _from_hex_wkb([str(pieces[i]) for i in wkb_at])
        flat = np.rint(shapely.get_coordinates(lines) * 1e7).astype(np.int64)
        counts = shapely.get_num_coordinates(lines)
        if len(wkb_at) == len(pieces):  # every way whole in the extract: no split needed
            piece_of = np.repeat(np.arange(len(pieces)), counts)
            way_of = np.repeat(np.asarray(piece_way, dtype=np.int64), counts)
            return flat, way_of, piece_of
        for i, part in zip(wkb_at, np.split(flat, np.cumsum(counts)[:-1]), strict=True):
            pieces[i] = part
    arrays = [np.asarray(piece, dtype=np.int64).reshape(-1, 2) for piece in pieces]
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    xy = np.concatenate(arrays) if arrays else np.empty((0, 2), dtype=np.int64)
    piece_of = np.repeat(np.arange(len(arrays)), sizes)
    way_of = np.repeat(np.asarray(piece_way, dtype=np.int64), sizes)
    return xy, way_of, piece_of


class _AreaRows:
    """Open spaces and buildings collected from the ``Area`` objects of the one pass.

    libosmium assembles areas from every closed way and multipolygon relation (candidates
    chosen by :attr:`keys`); an area is kept when it is an open public space
    (:func:`_open_space_kind`) or a building, and only then is its geometry built.
    """

    def __init__(self, *, want_buildings: bool, want_open_spaces: bool) -> None:
        self.want_buildings = want_buildings
        self.want_open_spaces = want_open_spaces
        self.keys: list[str] = []
        if want_open_spaces:
            self.keys += list(OPEN_SPACE_TAGS)
        if want_buildings:
            self.keys.append("building")
        self._fab = osmium.geom.WKBFactory()
        self.os_ids: list[int] = []
        self.os_kind: list[str] = []
        self.os_wkb: list[str] = []
        self.b_ids: list[int] = []
        self.b_kind: list[str] = []
        self.b_levels: list[float] = []
        self.b_wkb: list[str] = []

    def add(self, obj: osmium.osm.Area) -> None:
        tags = _way_tags(obj)  # read in place through the C accessor, never copied
        kind = _open_space_kind(tags) if self.want_open_spaces else None
        building = tags.get("building", None) if self.want_buildings else None
        is_building = building is not None and building != "no"
        if kind is None and not is_building:
            return
        try:
            wkb = self._fab.create_multipolygon(obj)
        except RuntimeError:  # invalid ring / missing nodes at the extract's edge
            return
        if kind is not None:
            self.os_ids.append(obj.orig_id())
            self.os_kind.append(kind)
            self.os_wkb.append(wkb)
        if is_building:
            assert building is not None
            self.b_ids.append(obj.orig_id())
            self.b_kind.append(building)
            self.b_levels.append(_parse_levels(tags.get("building:levels", None)))
            self.b_wkb.append(wkb)

    def frames(self) -> tuple[Features, Features]:
        """(open spaces, buildings), EPSG:4326; empty, with the same columns, if none."""
        opens = Features(
            shapely.make_valid(_from_hex_wkb(self.os_wkb)) if self.os_wkb else _no_shapes(),
            {
                "osm_id": np.asarray(self.os_ids, dtype=np.int64),
                "kind": np.asarray(self.os_kind, dtype=object),
            },
        )
        blds = Features(
            _from_hex_wkb(self.b_wkb) if self.b_wkb else _no_shapes(),
            {
                "osm_id": np.asarray(self.b_ids, dtype=np.int64),
                "building": np.asarray(self.b_kind, dtype=object),
                "levels": np.asarray(self.b_levels, dtype=float),
            },
        )
        return opens, blds


def _no_shapes() -> np.ndarray:
    return np.empty(0, dtype=object)


def _parse_levels(value: str | None) -> float:
    if not value:
        return float("nan")
    try:
        v = float(value.split(";")[0].strip().replace(",", "."))
    except ValueError:
        return float("nan")
    return v if 0 < v < 200 else float("nan")
