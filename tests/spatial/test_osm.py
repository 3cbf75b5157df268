"""Reading .osm.pbf: walk filter, counts, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._streets import street_rule
from sdgcities.spatial.osm import _CTags, _way_tags, is_walkable, read_osm


@pytest.mark.parametrize(
    ("tags", "walk"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "footway", "access": "no", "foot": "yes"}, True),
        ({"highway": "footway", "access": "private;delivery"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "primary", "sidewalk": "separate"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": " motorway"}, False),
        ({"highway": "footway;motorway"}, False),
        ({"highway": "footway", "access": " private"}, False),
        ({"highway": "footway", "access": "yes; private"}, False),
    ],
)
def test_walk_filter(tags: dict[str, str], walk: bool) -> None:
    assert is_walkable(tags) is walk


def test_missing_and_corrupt_file(tmp_path: Path) -> None:
    with pytest.raises(SpatialInputError, match="not found"):
        read_osm(tmp_path / "nope.osm.pbf")
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    with pytest.raises(SpatialInputError, match="cannot read"):
        read_osm(bad)


def test_no_walkable_ways(tmp_path: Path) -> None:
    p = tmp_path / "x.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way></osm>'
    )
    with pytest.raises(SpatialInputError, match="no walkable ways"):
        read_osm(p)


@pytest.mark.shared_data
def test_las_palmas_counts(shared_data: Path) -> None:
    d = read_osm(shared_data / "cities" / "las_palmas" / "osm.pbf", buildings=True)
    assert d.counts["nodes"] == 87687  # 87,692 OSM nodes, 5 pairs at one position
    assert d.counts["walk_edges"] == 89075
    assert d.counts["stops"] == 779
    assert d.counts["buildings"] == 22595
    assert d.counts["open_spaces"] == 994


@pytest.mark.shared_data
def test_fast_tag_reader_agrees_with_the_tags_as_a_dict(shared_data: Path) -> None:
    """Every highway way of both kits: the rules read through pyosmium's C accessor (what
    the reader uses) give what they give on a plain dict of the way's tags."""
    import osmium

    n = 0
    for city in ("las_palmas", "porto_alegre"):
        fp = osmium.FileProcessor(str(shared_data / "cities" / city / "osm.pbf"), osmium.osm.WAY)
        for way in fp.with_filter(osmium.filter.KeyFilter("highway")):
            fast = _way_tags(way)
            assert isinstance(fast, _CTags)  # the locked pyosmium has the accessor
            plain = {t.k: t.v for t in way.tags}
            assert is_walkable(fast) is is_walkable(plain)
            assert street_rule(fast) == street_rule(plain)
            assert fast.get("width", None) == plain.get("width")
            assert ("name" in fast) is ("name" in plain)
            n += 1
    assert n > 29_000
