"""Export observations as SDMX-ML 2.1 (structure-specific data) through ``sdmx1``.

Data structure ``SDGCITIES:SDGCITIES_CITY_INDICATORS(1.0)``:

* dimensions ``REF_AREA`` (city slug; codelist ``CL_REF_AREA`` with city names),
  ``INDICATOR`` (the catalogue code with ``.`` → ``_``, as SDMX ids allow no dots,
  e.g. ``11_2_1``; codelist ``CL_INDICATOR`` with names), one dimension per
  disaggregation found (``sex=female`` → ``SEX=female``; ``_T`` = total, the SDMX
  convention), then the time dimension ``TIME_PERIOD`` (the year);
* primary measure ``OBS_VALUE``; observation attribute ``UNIT_MEASURE`` (the unit text).

Each ``CL_REF_AREA`` code carries its city's country as an annotation of type
``ISO3166-1-alpha-3`` (title = the code, e.g. ``KEN``), so a reader can match or create
the city (``sdgcities network pull URL --format sdmx``).

A structure-specific data message cannot be read without its structure, so
:func:`export_sdmx` also writes the structure message (DSD + codelists) beside the data,
``NAME.structure.xml``. Read both back with ``sdmx1``::

    dsd = sdmx.read_sdmx("out.structure.xml").structure["SDGCITIES_CITY_INDICATORS"]
    msg = sdmx.read_sdmx("out.xml", structure=dsd)
    sdmx.to_pandas(msg.data[0])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sdmx
from sdmx import message
from sdmx.model import common
from sdmx.model import v21 as m
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities import __version__
from sdgcities.assessment import _store
from sdgcities.store.models import City

AGENCY_ID = "SDGCITIES"
DSD_ID = "SDGCITIES_CITY_INDICATORS"
TOTAL = "_T"
#: the annotation type of a ``CL_REF_AREA`` code that gives the city's country
COUNTRY_ANNOTATION = "ISO3166-1-alpha-3"
_BAD = re.compile(r"[^A-Za-z0-9_@$\-]")


def sdmx_id(text: str) -> str:
    """A valid SDMX id from free text (``11.2.1`` → ``11_2_1``)."""
    return _BAD.sub("_", str(text).strip()) or "_Z"


def _dimensions(obs: pd.DataFrame) -> tuple[list[str], list[dict[str, str]]]:
    parts: list[dict[str, str]] = []
    for key in obs["disaggregation"]:
        d: dict[str, str] = {}
        for part in filter(None, str(key or "").split("|")):
            dim, _, value = part.partition("=")
            d[sdmx_id(dim).upper()] = sdmx_id(value)
        parts.append(d)
    dims = sorted({k for p in parts for k in p} - {"REF_AREA", "INDICATOR", "TIME_PERIOD"})
    return dims, parts


def _structure(
    obs: pd.DataFrame, session: Session, dims: list[str]
) -> tuple[m.DataStructureDefinition, list[common.Codelist]]:
    agency = common.Agency(id=AGENCY_ID)
    cl_area = common.Codelist(id="CL_REF_AREA", maintainer=agency, version="1.0", is_final=True)
    pairs = sorted(set(zip(obs["city_slug"].astype(str), obs["city"], strict=True)))
    countries = dict(
        session.execute(
            select(City.slug, City.country_iso3).where(City.slug.in_([p[0] for p in pairs]))
        ).all()
    )
    for slug, name in pairs:
        code = cl_area.setdefault(id=sdmx_id(slug), name={"en": str(name)})
        if countries.get(slug):
            code.annotations.append(
                m.Annotation(type=COUNTRY_ANNOTATION, title=str(countries[slug]))
            )
    cl_ind = common.Codelist(id="CL_INDICATOR", maintainer=agency, version="1.0", is_final=True)
    info = _store.indicator_info(session, obs["indicator"].astype(str).unique())
    for code in sorted(obs["indicator"].astype(str).unique()):
        name = info[code].name if code in info else code
        cl_ind.setdefault(id=sdmx_id(code), name={"en": f"{code} {name}".strip()})
    dsd = m.DataStructureDefinition(
        id=DSD_ID, maintainer=agency, version="1.0", is_final=True, name={"en": "City indicators"}
    )
    ordered = ["REF_AREA", "INDICATOR", *dims]
    for i, dim in enumerate(ordered):
        rep = None
        if dim == "REF_AREA":
            rep = common.Representation(enumerated=cl_area)
        elif dim == "INDICATOR":
            rep = common.Representation(enumerated=cl_ind)
        dsd.dimensions.append(m.Dimension(id=dim, order=i, local_representation=rep))
    dsd.dimensions.append(m.TimeDimension(id="TIME_PERIOD", order=len(ordered)))
    dsd.measures.append(m.PrimaryMeasure(id="OBS_VALUE"))
    dsd.attributes.append(
        common.DataAttribute(id="UNIT_MEASURE", related_to=m.PrimaryMeasureRelationship())
    )
    return dsd, [cl_area, cl_ind]


def _header() -> message.Header:
    now = datetime.now(UTC)
    return message.Header(
        id=f"SDGCITIES{now:%Y%m%d%H%M%S}",
        test=False,
        prepared=now,
        sender=common.Agency(id=AGENCY_ID, name={"en": f"sdgcities {__version__}"}),
    )


def _messages(
    session: Session,
    *,
    city_ids: Iterable[int] | None,
    indicator_codes: Iterable[str] | None,
    published_only: bool,
    with_data: bool = True,
) -> tuple[message.DataMessage, message.StructureMessage, int]:
    """The data and structure messages (``with_data=False``: the data message is empty)."""
    obs = _store.current_observations(
        session,
        city_ids=city_ids,
        indicator_codes=indicator_codes,
        published_only=published_only,
        disaggregation=None,
    )
    dims, parts = _dimensions(obs)
    dsd, codelists = _structure(obs, session, dims)
    pm = dsd.measures.get("OBS_VALUE")
    unit_attr = dsd.attributes.get("UNIT_MEASURE")
    time_dim = dsd.dimensions.get("TIME_PERIOD")
    series: dict[common.SeriesKey, list[m.Observation]] = {}
    keys: dict[tuple[str, ...], common.SeriesKey] = {}
    columns = zip(
        obs["city_slug"].astype(str),
        obs["indicator"].astype(str),
        obs["year"].astype(int),
        obs["value"].astype(float),
        obs["unit"].fillna("").astype(str),
        parts,
        strict=True,
    )
    for slug, code, year, value, unit, part in columns if with_data else ():
        values = {
            "REF_AREA": sdmx_id(slug),
            "INDICATOR": sdmx_id(code),
            **{d: part.get(d, TOTAL) for d in dims},
        }
        tkey = tuple(values.values())
        sk = keys.get(tkey)
        if sk is None:
            sk = keys[tkey] = dsd.make_key(common.SeriesKey, values)
            series[sk] = []
        attrs = {}
        if unit:
            attrs["UNIT_MEASURE"] = common.AttributeValue(value=unit, value_for=unit_attr)
        series[sk].append(
            m.Observation(
                series_key=sk,
                dimension=dsd.make_key(common.Key, {"TIME_PERIOD": str(year)}),
                value_for=pm,
                value=float(value),
                attached_attribute=attrs,
            )
        )
    ds = m.StructureSpecificDataSet(structured_by=dsd, series=series)
    header = _header()
    data = message.DataMessage(data=[ds], header=header, observation_dimension=time_dim)
    structure = message.StructureMessage(
        header=header,
        structure={dsd.id: dsd},
        codelist={cl.id: cl for cl in codelists},
    )
    return data, structure, len(obs)


def export_sdmx_bytes(
    session: Session,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    published_only: bool = True,
) -> bytes:
    """The SDMX-ML data message in memory (structure: :func:`sdmx_structure_bytes`)."""
    data, _, _ = _messages(
        session, city_ids=city_ids, indicator_codes=indicator_codes, published_only=published_only
    )
    return bytes(sdmx.to_xml(data, pretty_print=True))


def sdmx_structure_bytes(
    session: Session,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    published_only: bool = True,
) -> bytes:
    """The SDMX-ML structure message (DSD and codelists) for the same selection."""
    _, structure, _ = _messages(
        session,
        city_ids=city_ids,
        indicator_codes=indicator_codes,
        published_only=published_only,
        with_data=False,
    )
    return bytes(sdmx.to_xml(structure, pretty_print=True))


def structure_path(path: str | Path) -> Path:
    """Where :func:`export_sdmx` writes the structure message for data file ``path``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.structure{p.suffix or '.xml'}")


def export_sdmx(
    session: Session,
    path: str | Path,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    published_only: bool = True,
) -> int:
    """Write the data message to ``path`` and its structure beside it; return observations."""
    data, structure, n = _messages(
        session, city_ids=city_ids, indicator_codes=indicator_codes, published_only=published_only
    )
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(sdmx.to_xml(data, pretty_print=True))
    structure_path(p).write_bytes(sdmx.to_xml(structure, pretty_print=True))
    return n
