"""Reading a partner's SDMX data message for the federation pull (``--format sdmx``).

A partner instance publishes its values as SDMX-ML 2.1 at ``/api/v1/exports/sdmx``
(:mod:`sdgcities.exports.sdmx`: data structure ``SDGCITIES:SDGCITIES_CITY_INDICATORS``,
structure-specific data, its DSD and codelists at ``?part=structure``). The hub fetches
the structure, then the data, and reads both with ``sdmx1``; an SDMX-JSON 1.0 data
message (``application/vnd.sdmx.data+json``, read by ``sdmx1`` too; it carries its own
structure) is accepted in the same place.

Each observation becomes one item of the JSON feed's shape
(:func:`sdgcities.network.federation.check_page`), so it goes through the same store
path (provenance, corrections, conflicts, checkpointed pages):

* ``REF_AREA`` → the partner's city slug; its name comes from ``CL_REF_AREA`` and its
  country from the code's ``ISO3166-1-alpha-3`` annotation, when the message has them;
* ``INDICATOR`` → the hub's indicator whose SDMX id matches (``11_2_1`` ↔ ``11.2.1``);
* every other dimension but ``TIME_PERIOD`` → the disaggregation (``SEX=female`` →
  ``sex=female``; ``_T``, the SDMX total, adds nothing);
* ``TIME_PERIOD`` → the year (annual data only); ``OBS_VALUE`` → the value;
  ``UNIT_MEASURE`` → the unit; a missing observation (NaN) is skipped.

An SDMX message has no observation ids, so an item's remote id is a stable 62-bit
fingerprint of the series key, the period and the value (negative, never equal to a
feed id): the same value pulled twice is skipped, a changed one is a correction or a
conflict as in the feed.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import SdgCitiesError
from sdgcities.exports.sdmx import COUNTRY_ANNOTATION, DSD_ID, TOTAL, sdmx_id
from sdgcities.observations.disaggregation import canonical_key
from sdgcities.store.models import Indicator

SDMX_PATH = "/api/v1/exports/sdmx"
ACCEPT = (
    "application/vnd.sdmx.structurespecificdata+xml;version=2.1, "
    "application/vnd.sdmx.genericdata+xml;version=2.1, "
    "application/vnd.sdmx.data+json;version=1.0.0, "
    "application/xml;q=0.9, application/json;q=0.8"
)
REQUIRED = ("REF_AREA", "INDICATOR", "TIME_PERIOD")
_MASK = (1 << 62) - 1


class SdmxSchemaError(SdgCitiesError, ValueError):
    """The answer is not an SDMX data message of city indicators (names what is wrong)."""

    code = "sdmx_schema"


@dataclass(frozen=True)
class SdmxMessage:
    """A read data message: feed-shaped items, and what was skipped (NaN observations)."""

    items: list[dict[str, Any]]
    header_id: str
    missing: int


def remote_id(key: str, value: float) -> int:
    """The negative 62-bit fingerprint of one observation (series key, period, value)."""
    digest = hashlib.blake2b(f"{key}={value!r}".encode(), digest_size=8).digest()
    return -((int.from_bytes(digest, "big") & _MASK) + 1)


def _kind(body: bytes, content_type: str) -> str:
    head = body.lstrip()[:1]
    if "json" in content_type or head == b"{":
        return "JSON"
    if "xml" in content_type or head == b"<":
        return "XML"
    raise SdmxSchemaError(
        f"the answer is not an SDMX message (content type {content_type or 'none'!r}, "
        f"starts {body[:40]!r})"
    )


def _read(body: bytes, kind: str, what: str, **kwargs: Any) -> Any:
    import sdmx

    try:
        return sdmx.read_sdmx(io.BytesIO(body), format=kind, **kwargs)
    except Exception as err:  # sdmx1 raises many kinds of error on malformed input
        cause = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
        raise SdmxSchemaError(
            f"cannot read the {what} as SDMX-{'ML' if kind == 'XML' else 'JSON'}: "
            f"{type(err).__name__}{': ' + cause if cause else ''}"
        ) from None


def read_structure(body: bytes, content_type: str = "") -> tuple[Any, dict[str, tuple[str, str]]]:
    """The DSD of a structure message and, per ``CL_REF_AREA`` code, (name, country)."""
    from sdmx import message

    msg = _read(body, _kind(body, content_type), "structure message")
    if not isinstance(msg, message.StructureMessage) or not msg.structure:
        raise SdmxSchemaError(
            "the structure answer holds no data structure definition (DSD); "
            f"the partner should serve {SDMX_PATH}?part=structure"
        )
    dsd = msg.structure.get(DSD_ID) or next(iter(msg.structure.values()))
    cities: dict[str, tuple[str, str]] = {}
    codelist = msg.codelist.get("CL_REF_AREA") if msg.codelist else None
    for code in codelist or ():
        iso3 = ""
        for ann in code.annotations:
            if str(ann.type or "").lower() == COUNTRY_ANNOTATION.lower() and ann.title:
                iso3 = str(ann.title).strip().upper()
        cities[str(code.id)] = (str(code.name) if str(code.name) else str(code.id), iso3)
    return dsd, cities


def _text(value: Any) -> str:
    """A key or attribute value as text (a Code's id, else the value itself)."""
    inner = getattr(value, "value", value)
    return str(getattr(inner, "id", inner))


def _unit(attrs: dict[str, Any]) -> str | None:
    av = attrs.get("UNIT_MEASURE")
    if av is None:
        return None
    inner = getattr(av, "value", av)
    name = str(getattr(inner, "name", "") or "")
    return name or _text(inner) or None


def _codes(session: Session) -> dict[str, str]:
    """The hub's indicator codes by SDMX id (``11_2_1`` → ``11.2.1``)."""
    return {sdmx_id(c): c for c in session.scalars(select(Indicator.code))}


def read_data(
    body: bytes,
    session: Session,
    *,
    content_type: str = "",
    dsd: Any = None,
    cities: dict[str, tuple[str, str]] | None = None,
    where: str = "the SDMX data message",
) -> SdmxMessage:
    """Read a data message into feed-shaped items (see the module docstring).

    Raises :class:`SdmxSchemaError` naming the dimension, series key or value at fault;
    nothing is stored here.
    """
    from sdmx import message

    kind = _kind(body, content_type)
    kwargs = {"structure": dsd} if dsd is not None and kind == "XML" else {}
    msg = _read(body, kind, "data message", **kwargs)
    if not isinstance(msg, message.DataMessage):
        raise SdmxSchemaError(
            f"{where}: the answer is an SDMX {type(msg).__name__}, not a data message"
        )
    header_id = str(getattr(msg.header, "id", "") or "")
    prepared = getattr(msg.header, "prepared", None)
    published = prepared.isoformat() if prepared is not None else None
    sender = getattr(msg.header, "sender", None)
    source = f"SDMX data message {header_id or '(no id)'}" + (
        f" of {sender.id}" if sender is not None and getattr(sender, "id", None) else ""
    )
    names = cities or {}
    codes = _codes(session)
    items: list[dict[str, Any]] = []
    missing = 0
    for n_ds, ds in enumerate(msg.data):
        checked = False
        for obs in ds.obs:
            key = {dim: _text(kv) for dim, kv in obs.key.values.items()}
            if not checked:
                absent = [d for d in REQUIRED if d not in key]
                if absent:
                    raise SdmxSchemaError(
                        f"{where}: data set {n_ds + 1} has dimensions {', '.join(key)}; "
                        f"dimension(s) {', '.join(absent)} missing — a partner's SDMX must "
                        "have REF_AREA (the city), INDICATOR and TIME_PERIOD (the year), as "
                        "`sdgcities export sdmx` writes"
                    )
                checked = True
            series = ".".join(f"{d}={v}" for d, v in key.items() if d != "TIME_PERIOD")
            period = key["TIME_PERIOD"]
            at = f"{where}: series {series}, TIME_PERIOD {period}"
            if not (len(period) == 4 and period.isdigit()):
                raise SdmxSchemaError(
                    f"{at}: the period is not a year; only annual data can be pulled"
                )
            try:
                value = float(obs.value)
            except (TypeError, ValueError):
                raise SdmxSchemaError(f"{at}: OBS_VALUE {obs.value!r} is not a number") from None
            if math.isnan(value):
                missing += 1
                continue
            if not math.isfinite(value):
                raise SdmxSchemaError(f"{at}: OBS_VALUE {obs.value!r} is not a finite number")
            code = codes.get(key["INDICATOR"])
            if code is None:
                raise SdmxSchemaError(
                    f"{at}: INDICATOR {key['INDICATOR']!r} is not in this hub's catalogue; "
                    "add it (`sdgcities import indicators`) and pull again; nothing was stored"
                )
            parts = {
                d.lower(): v
                for d, v in key.items()
                if d not in REQUIRED and v not in (TOTAL, "_Z", "")
            }
            slug = key["REF_AREA"]
            name, iso3 = names.get(slug, (slug, ""))
            items.append(
                {
                    "id": remote_id(f"{series}:{period}", value),
                    "city_slug": slug,
                    "city": name,
                    "country_iso3": iso3 or None,
                    "indicator": code,
                    "year": int(period),
                    "disaggregation": canonical_key(parts),
                    "value": value,
                    "unit": _unit(dict(obs.attrib)),
                    "lower": None,
                    "upper": None,
                    "source": source,
                    "published_at": published,
                    "sdmx_key": f"{series}:{period}",
                }
            )
    items.sort(key=lambda i: i["id"])
    return SdmxMessage(items=items, header_id=header_id, missing=missing)


def chunks(items: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = [
    "ACCEPT",
    "SDMX_PATH",
    "SdmxMessage",
    "SdmxSchemaError",
    "chunks",
    "read_data",
    "read_structure",
    "remote_id",
]
