"""Which OSM highway ways count as street area for SDG 11.7.1 (a), and how much.

UN SDG metadata 11.7.1 (UN-Habitat, custodian) and the Global Public Space Programme's
methodology (UN-Habitat, *Global Public Space Toolkit*, 2015; *SDG indicator 11.7.1
training module: public space*, 2018) define the street part of the indicator as the
**land allocated to streets**: the surface of the public right-of-way (carriageway plus
sidewalks, medians, bicycle lanes) inside the built-up area, each square metre counted
once. The metadata's street area is measured as street length × width from imagery;
from OSM centre lines that means these rules, each a pure function of a way's tags
(:func:`street_rule`) — only the "inside a park" rule needs geometry and is applied in
:func:`sdgcities.spatial.openspace.open_space_share`:

=====================  ===========================================================  ======
rule                   ways                                                         counts
=====================  ===========================================================  ======
``street``             any other street or path                                     × 1
``dual_carriageway``   one carriageway of a dual road: ``dual_carriageway=yes``, or  × ½
                       ``oneway=yes`` on motorway/trunk/primary/secondary without a
                       ``width`` tag (the class width is the whole road's; each of
                       the two ways carries half of it)
``sidewalk``           separately mapped sidewalks and crossings                    × 0
                       (``footway=sidewalk|crossing|traffic_island``,
                       ``path=sidewalk``, ``cycleway=sidewalk``): the class widths
                       of the street they run beside already include its sidewalks
``tunnel``             ``tunnel=*`` (not ``no``), ``location=underground``, or a     × 0
                       negative ``layer`` with ``covered=yes``: no surface land
``private``            ``access=private``, ``access=no`` (unless ``foot``, ``bus``,   × 0
                       ``psv`` or ``bicycle`` reopen it)
                       and ``service=driveway|parking_aisle|drive-through|
                       emergency_access``: not public space
``in_open_space``      paths (footway, path, cycleway, bridleway, steps, track,     × 0
                       pedestrian) whose midpoint lies in a mapped open public
                       space: that land is counted once, as open space
=====================  ===========================================================  ======
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sdgcities.spatial.osm import Tags

#: weight of a way's centre-line length × width in the street area, by rule
RULE_WEIGHTS: dict[str, float] = {
    "street": 1.0,
    "dual_carriageway": 0.5,
    "sidewalk": 0.0,
    "tunnel": 0.0,
    "private": 0.0,
    "in_open_space": 0.0,
}

#: highway classes whose one-way ways are, in OSM practice, one half of a dual road
DUAL_CLASSES = frozenset({"motorway", "trunk", "primary", "secondary"})
#: highway classes that are paths (excluded inside mapped open spaces)
PATH_CLASSES = frozenset(
    {"footway", "path", "cycleway", "bridleway", "steps", "track", "pedestrian", "corridor"}
)
_SIDEWALK_VALUES = frozenset({"sidewalk", "crossing", "traffic_island"})
#: the highway classes whose same-named tag can mark them a sidewalk (``footway=sidewalk``)
_SIDEWALK_CLASSES = frozenset({"footway", "path", "cycleway"})
_PRIVATE_SERVICE = frozenset({"driveway", "parking_aisle", "drive-through", "emergency_access"})
_OPEN = frozenset({"yes", "designated", "permissive"})


def street_rule(tags: Tags) -> str:
    """The street-area rule of a highway way (a key of :data:`RULE_WEIGHTS`).

    ``tags`` is a ``dict`` or pyosmium's ``TagList``, read in place (never copied).

    >>> street_rule({"highway": "residential"})
    'street'
    >>> street_rule({"highway": "footway", "footway": "sidewalk"})
    'sidewalk'
    >>> street_rule({"highway": "primary", "oneway": "yes"})
    'dual_carriageway'
    >>> street_rule({"highway": "residential", "oneway": "yes"})
    'street'
    >>> street_rule({"highway": "secondary", "tunnel": "yes"})
    'tunnel'
    >>> street_rule({"highway": "service", "service": "driveway"})
    'private'
    """
    get = tags.get  # always called with its default: pyosmium's C accessor needs it
    hw = get("highway", "")
    if get("tunnel", "no") != "no" or get("location", None) == "underground":
        return "tunnel"
    if get("covered", None) == "yes":
        layer = (get("layer", None) or "0").strip()
        if layer.startswith("-") and layer[1:].isdigit():
            return "tunnel"
    if hw in _SIDEWALK_CLASSES and get(hw, None) in _SIDEWALK_VALUES:
        return "sidewalk"
    if get("service", None) in _PRIVATE_SERVICE:
        return "private"
    access = get("access", None)
    if access == "private" or (
        access == "no" and not any(get(k, None) in _OPEN for k in ("foot", "bicycle", "bus", "psv"))
    ):
        return "private"
    if get("dual_carriageway", None) == "yes":
        return "dual_carriageway"
    if hw in DUAL_CLASSES and get("oneway", None) in {"yes", "1", "-1"} and not get("width", None):
        return "dual_carriageway"
    return "street"
