"""Federation: the global knowledge hub pulls what partner instances publish (para 79).

A partner entity running its own SDG Cities programme runs its own instance of this
platform. Every instance serves its *published* values at ``/api/v1/network/feed`` in
the platform's pagination envelope (``items``, ``total``, ``limit``, ``offset``,
``next``), ordered by id (keyset pages: ``after`` = the last id seen). The global hub
pulls that feed page by page:

- each page's schema is checked first (a wrong schema names the page and the field);
- the page's values are stored as values "from partner P", with their provenance
  (partner URL, remote id, remote source, pulled at); a value the hub already has for
  the same city, indicator, year and disaggregation with a different value is a
  *conflict*, stored and shown, never overwriting; a changed value of a key that came
  from the same partner is a correction (a new version, the old kept);
- cities are matched by slug, then by name and country; an unmatched city is created
  as a partner city (listed by ``network_partner_cities.created``);
- each page is committed together with the checkpoint (the last remote id stored), so a
  pull that stops half-way leaves every committed page whole and ``--resume``
  continues after it. A second pull with nothing new is a no-op.

Tokens are never stored: each pull is given the partner's API token.

``fmt="sdmx"`` reads the partner's SDMX export instead (``/api/v1/exports/sdmx``, SDMX-ML
2.1, or an SDMX-JSON 1.0 data message; :mod:`sdgcities.network.sdmx_pull`): the whole
message is fetched and checked first (a wrong schema stores nothing), then stored in
pages of ``page_size`` values through the same path, each committed on its own; a
value pulled before is skipped, so ``--resume`` (or a second pull) goes on where it
stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.orm import Session

from sdgcities.errors import SdgCitiesError
from sdgcities.network.models import NetworkConflict, PartnerCity, PartnerInstance, PartnerValue
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Indicator, Observation

FEED_PATH = "/api/v1/network/feed"
FORMATS = ("json", "sdmx")
PAGE_SIZE = 5000
MAX_PAGE_SIZE = 10_000
TIMEOUT_S = 30.0
#: the SDMX export is written whole before its first byte: 100,000 values take a while
SDMX_TIMEOUT_S = 600.0


class PullError(SdgCitiesError, RuntimeError):
    """A pull could not go on: partner unreachable, token refused, wrong schema, bad data."""

    code = "pull_failed"


# ----------------------------------------------------------------------------- serving the feed


def feed_page(
    session: Session, *, after: int = 0, limit: int = PAGE_SIZE, since: date | None = None
) -> tuple[list[dict[str, Any]], int, int]:
    """One page of published values with id > ``after``: (items, total, offset).

    ``total`` counts every published value (since ``since``), ``offset`` those up to
    ``after`` — so the envelope reads like an offset page.
    """
    where: list[Any] = [Observation.is_public.is_(True)]
    if since is not None:
        where.append(Observation.created_at >= datetime(since.year, since.month, since.day))
    q = (
        select(
            Observation.id,
            City.slug,
            City.name,
            City.country_iso3,
            Indicator.code,
            Observation.year,
            Observation.disaggregation,
            Observation.value,
            Observation.unit,
            Observation.lower,
            Observation.upper,
            Observation.source,
            Observation.created_at,
        )
        .join(City, City.id == Observation.city_id)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(*where, Observation.id > after)
        .order_by(Observation.id)
        .limit(limit)
    )
    items = [
        {
            "id": r[0],
            "city_slug": r[1],
            "city": r[2],
            "country_iso3": r[3],
            "indicator": r[4],
            "year": r[5],
            "disaggregation": r[6] or "",
            "value": _finite(r[7]),
            "unit": r[8],
            "lower": _finite(r[9]),
            "upper": _finite(r[10]),
            "source": r[11],
            "published_at": r[12].isoformat() if r[12] else None,
        }
        for r in session.execute(q)
    ]
    total = session.scalar(select(func.count()).select_from(Observation).where(*where)) or 0
    offset = (
        session.scalar(
            select(func.count()).select_from(Observation).where(*where, Observation.id <= after)
        )
        or 0
    )
    return items, int(total), int(offset)


def _finite(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


# ----------------------------------------------------------------------------- checking a page

_ITEM_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    # field: (accepted types, may be null)
    "id": ((int,), False),
    "city_slug": ((str,), False),
    "city": ((str,), False),
    "country_iso3": ((str,), True),
    "indicator": ((str,), False),
    "year": ((int,), False),
    "disaggregation": ((str,), False),
    "value": ((int, float), False),
    "unit": ((str,), True),
    "lower": ((int, float), True),
    "upper": ((int, float), True),
    "source": ((str,), True),
    "published_at": ((str,), True),
}
_ENVELOPE: dict[str, tuple[tuple[type, ...], bool]] = {
    "items": ((list,), False),
    "total": ((int,), False),
    "limit": ((int,), False),
    "offset": ((int,), False),
    "next": ((str,), True),
}


def _type_name(types: tuple[type, ...]) -> str:
    return (
        " or ".join("number" if t is float else t.__name__ for t in types if t is not int) or "int"
    )


def check_page(body: Any, where: str, after: int) -> list[dict[str, Any]]:
    """The items of a feed page, or PullError naming the first wrong field."""
    if not isinstance(body, dict):
        raise PullError(f"{where}: wrong schema: the answer is not a JSON object (a feed page)")
    for name, (types, nullable) in _ENVELOPE.items():
        if name not in body:
            raise PullError(f"{where}: wrong schema: field {name!r} missing from the page")
        v = body[name]
        if v is None and nullable:
            continue
        if isinstance(v, bool) or not isinstance(v, types):
            raise PullError(
                f"{where}: wrong schema: field {name!r} should be "
                f"{'int' if types == (int,) else _type_name(types)}, found {v!r:.60}"
            )
    items: list[dict[str, Any]] = body["items"]
    last = after
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PullError(f"{where}: wrong schema: items[{i}] is not an object")
        for name, (types, nullable) in _ITEM_FIELDS.items():
            if name not in item:
                raise PullError(f"{where}: wrong schema: items[{i}].{name} is missing")
            v = item[name]
            if v is None and nullable:
                continue
            ok = not isinstance(v, bool) and isinstance(v, types)
            if ok and isinstance(v, float) and not math.isfinite(v):
                ok = False
            if not ok:
                expected = "int" if types == (int,) else _type_name(types)
                raise PullError(
                    f"{where}: wrong schema: items[{i}].{name} should be {expected}, "
                    f"found {v!r:.60}"
                )
        if item["id"] <= last:
            raise PullError(
                f"{where}: wrong schema: items[{i}].id {item['id']} is not after {last} "
                "(the feed must be ordered by id)"
            )
        last = item["id"]
    return items


# ----------------------------------------------------------------------------- pulling


@dataclass
class PullSummary:
    partner: str
    url: str
    pages: int = 0
    seen: int = 0
    added: int = 0
    corrected: int = 0
    same: int = 0
    conflicts: int = 0
    skipped: int = 0  # already pulled before
    missing: int = 0  # SDMX observations without a value (NaN), not stored
    cities_created: list[str] = field(default_factory=list)
    resumed_after: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PullError(
            f"{url!r} is not an instance URL; give its base, e.g. https://sdgcities.example.org"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def register_partner(session: Session, url: str, name: str | None = None) -> PartnerInstance:
    """The partner at ``url`` (registered on first use; its name defaults to the host)."""
    base = normalise_url(url)
    row = session.scalar(select(PartnerInstance).where(PartnerInstance.url == base))
    if row is None:
        wanted = (name or urlsplit(base).netloc).strip()[:200]
        taken = session.scalar(select(PartnerInstance.id).where(PartnerInstance.name == wanted))
        row = PartnerInstance(name=wanted if taken is None else base[:200], url=base)
        session.add(row)
        session.flush()
    elif name and name != row.name:
        row.name = name.strip()[:200]
    return row


def _get(
    client: Any,
    url: str,
    params: dict[str, Any],
    where: str,
    path: str = FEED_PATH,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Any:
    """The partner's 200 answer to ``GET url`` (else PullError saying what went wrong)."""
    import httpx

    extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    try:
        response = client.get(url, params=params, headers=headers, **extra)
    except httpx.HTTPError as err:
        cause = str(err) or type(err).__name__
        raise PullError(f"cannot reach the partner instance at {url}: {cause}") from None
    if response.status_code in (401, 403):
        raise PullError(
            f"{where}: the partner refused the token (HTTP {response.status_code}); ask the "
            "partner for a valid API token (`sdgcities users token` on its instance)"
        )
    if response.status_code != 200:
        raise PullError(
            f"{where}: HTTP {response.status_code} from the partner ({response.text[:200]!r}); "
            f"is {path} served there (same platform, a recent version)?"
        )
    return response


def _fetch(client: Any, url: str, params: dict[str, Any], where: str) -> Any:
    response = _get(client, url, params, where)
    try:
        return response.json()
    except ValueError:
        raise PullError(f"{where}: wrong schema: the answer is not JSON") from None


def pull(
    engine: Engine,
    url: str,
    token: str | None,
    *,
    since: date | None = None,
    resume: bool = False,
    page_size: int = PAGE_SIZE,
    name: str | None = None,
    on_page: Callable[[int, int], None] | None = None,
    client: Any = None,
    fmt: str = "json",
) -> PullSummary:
    """Pull a partner's published values into the store (see the module docstring)."""
    import httpx

    if fmt not in FORMATS:
        raise PullError(f"unknown pull format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "sdmx" and since is not None:
        raise PullError(
            "--since cannot be used with --format sdmx: an SDMX data message gives no "
            "publication date per value; pull it all (values pulled before are skipped)"
        )
    with transaction(engine) as s:
        partner = register_partner(s, url, name)
        if partner.state == "running" and not resume:
            raise PullError(
                f"the last pull from {partner.url} stopped after remote id {partner.after_id} "
                f"({partner.last_error or 'interrupted'}); continue it with --resume"
            )
        if resume:
            after, since_text = partner.after_id, partner.since
        elif since is not None:
            after, since_text = 0, since.isoformat()
        else:
            after, since_text = partner.after_id, ""
        partner.state, partner.since, partner.last_error = "running", since_text, ""
        partner_id, base, pname = partner.id, partner.url, partner.name
    summary = PullSummary(partner=pname, url=base, resumed_after=after if resume else 0)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    own = client is None
    http = client or httpx.Client(headers=headers, timeout=TIMEOUT_S, trust_env=False)
    try:
        if fmt == "sdmx":
            _pull_sdmx(http, engine, partner_id, pname, base, page_size, summary, on_page)
        while fmt == "json":
            params: dict[str, Any] = {"after": after, "limit": page_size}
            if since_text:
                params["since"] = since_text
            where = f"{base}{FEED_PATH} page {summary.pages + 1} (after id {after})"
            body = _fetch(http, base + FEED_PATH, params, where)
            items = check_page(body, where, after)
            if not items:
                break
            with transaction(engine) as s:
                _store_page(s, partner_id, pname, base, items, summary, where)
                after = items[-1]["id"]
                s.execute(
                    update(PartnerInstance)
                    .where(PartnerInstance.id == partner_id)
                    .values(after_id=after, pages=PartnerInstance.pages + 1)
                )
            summary.pages += 1
            summary.seen += len(items)
            if on_page is not None:
                on_page(len(items), int(body["total"]) - int(body["offset"]))
            if body["next"] is None:
                break
    except SdgCitiesError as err:
        with transaction(engine) as s:
            s.execute(
                update(PartnerInstance)
                .where(PartnerInstance.id == partner_id)
                .values(last_error=str(err)[:2000])
            )
        raise
    finally:
        if own:
            http.close()
    with transaction(engine) as s:
        if summary.added or summary.corrected:
            from sdgcities.assessment.stored import refresh_scores

            touched = s.scalars(
                select(PartnerCity.city_id).where(PartnerCity.partner_id == partner_id)
            )
            refresh_scores(s, list(touched))
        s.execute(
            update(PartnerInstance)
            .where(PartnerInstance.id == partner_id)
            .values(state="idle", last_pull_at=datetime.now(UTC))
        )
    return summary


def _pull_sdmx(
    http: Any,
    engine: Engine,
    partner_id: int,
    pname: str,
    base: str,
    page_size: int,
    summary: PullSummary,
    on_page: Callable[[int, int], None] | None,
) -> None:
    """The SDMX path of :func:`pull`: fetch and check it all, then store page by page."""
    from sdgcities.network.sdmx_pull import (
        ACCEPT,
        SDMX_PATH,
        SdmxSchemaError,
        chunks,
        read_data,
        read_structure,
    )

    url = base + SDMX_PATH
    accept = {"Accept": ACCEPT}
    # the structure first (small), then the data; an SDMX-JSON source carries its own
    # structure, so its answer to ?part=structure is not needed
    first = _get(
        http, url, {"part": "structure"}, f"{url} (structure)", SDMX_PATH, accept, SDMX_TIMEOUT_S
    )
    data = _get(http, url, {"part": "data"}, f"{url} (data)", SDMX_PATH, accept, SDMX_TIMEOUT_S)
    ctype = data.headers.get("content-type", "")
    try:
        dsd: Any = None
        names: dict[str, tuple[str, str]] = {}
        if "json" not in ctype and not data.content.lstrip().startswith(b"{"):
            dsd, names = read_structure(first.content, first.headers.get("content-type", ""))
        with transaction(engine) as s:
            msg = read_data(data.content, s, content_type=ctype, dsd=dsd, cities=names, where=url)
            # everything is checked before anything is stored: a wrong value or an
            # unknown indicator anywhere in the message stores nothing
            _check_items(s, msg.items, url)
            # and every city is matched or created, or none is (one transaction)
            firsts = list({i["city_slug"]: i for i in msg.items}.values())
            _, created = _cities(s, partner_id, firsts, url)
            summary.cities_created.extend(created)
    except SdmxSchemaError as err:
        raise PullError(f"wrong schema: {err}") from None
    summary.missing += msg.missing
    total = len(msg.items)
    for n, page in enumerate(chunks(msg.items, page_size), start=1):
        where = f"{url} values {(n - 1) * page_size + 1}–{(n - 1) * page_size + len(page)}"
        with transaction(engine) as s:
            _store_page(s, partner_id, pname, base, page, summary, where)
            s.execute(
                update(PartnerInstance)
                .where(PartnerInstance.id == partner_id)
                .values(pages=PartnerInstance.pages + 1)
            )
        summary.pages += 1
        summary.seen += len(page)
        if on_page is not None:
            on_page(len(page), total - summary.seen)


def _table(model: Any) -> Table:
    """A model's table, for Core executemany inserts (the fast path, no ORM bookkeeping)."""
    table: Table = model.__table__
    return table


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _cities(
    session: Session, partner_id: int, items: list[dict[str, Any]], where: str
) -> tuple[dict[str, int], list[str]]:
    """Local city ids by remote slug: known mappings, then slug, then name + country."""
    from sdgcities.cities.service import create_city

    wanted = {i["city_slug"]: i for i in items}
    known = dict(
        session.execute(
            select(PartnerCity.remote_slug, PartnerCity.city_id).where(
                PartnerCity.partner_id == partner_id, PartnerCity.remote_slug.in_(list(wanted))
            )
        ).all()
    )
    created: list[str] = []
    missing = [s for s in wanted if s not in known]
    if missing:
        by_slug = dict(
            session.execute(select(City.slug, City.id).where(City.slug.in_(missing))).all()
        )
        for slug in missing:
            item = wanted[slug]
            city_id = by_slug.get(slug)
            iso3 = (item["country_iso3"] or "").upper() or None
            if city_id is None:
                city_id = session.scalar(
                    select(City.id).where(
                        func.lower(City.name) == item["city"].strip().lower(),
                        City.country_iso3 == iso3,
                    )
                )
            made = False
            if city_id is None:
                if iso3 is None:
                    raise PullError(
                        f"{where}: city {slug!r} has no country_iso3, so it can be neither "
                        "matched nor created; add the city here first (same slug)"
                    )
                try:
                    city = create_city(session, name=item["city"], country=iso3, slug=slug)
                except SdgCitiesError as err:
                    raise PullError(f"{where}: city {slug!r} cannot be created: {err}") from None
                city_id, made = city.id, True
                created.append(slug)
            session.add(
                PartnerCity(partner_id=partner_id, remote_slug=slug, city_id=city_id, created=made)
            )
            known[slug] = city_id
    session.flush()
    return known, created


def _check_items(session: Session, items: list[dict[str, Any]], where: str) -> dict[str, int]:
    """The hub's indicator ids of ``items``; PullError for an unknown one or a bad value."""
    from sdgcities.observations._validate import range_problem

    codes = {i["indicator"] for i in items}
    ind_ids: dict[str, int] = {}
    units: dict[str, str] = {}
    for code, iid, unit in session.execute(
        select(Indicator.code, Indicator.id, Indicator.unit).where(Indicator.code.in_(codes))
    ):
        ind_ids[code], units[code] = iid, unit or ""
    for n, item in enumerate(items):
        at = f"series {item['sdmx_key']}" if "sdmx_key" in item else f"items[{n}]"
        if item["indicator"] not in ind_ids:
            raise PullError(
                f"{where}: {at}.indicator {item['indicator']!r} is not in this hub's "
                "catalogue; add it (`sdgcities import indicators`) and pull again with --resume"
            )
        bad = range_problem(float(item["value"]), units[item["indicator"]])
        if bad is not None:
            raise PullError(
                f"{where}: {at}.value {item['value']!r} of {item['indicator']}: {bad[0]} "
                f"({bad[1]}); nothing of this page was stored — ask the partner to correct it"
            )
    return ind_ids


def _store_page(
    session: Session,
    partner_id: int,
    pname: str,
    base: str,
    items: list[dict[str, Any]],
    summary: PullSummary,
    where: str,
) -> None:
    ind_ids = _check_items(session, items, where)
    seen = set(
        session.scalars(
            select(PartnerValue.remote_id).where(
                PartnerValue.partner_id == partner_id,
                PartnerValue.remote_id.in_([i["id"] for i in items]),
            )
        )
    )
    fresh = [i for i in items if i["id"] not in seen]
    summary.skipped += len(items) - len(fresh)
    if not fresh:
        return
    city_ids, created = _cities(session, partner_id, fresh, where)
    summary.cities_created.extend(created)
    local = _current(
        session,
        {city_ids[i["city_slug"]] for i in fresh},
        {ind_ids[i["indicator"]] for i in fresh},
        {i["year"] for i in fresh},
    )
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    new_rows: list[dict[str, Any]] = []
    new_remote: list[tuple[int, str]] = []  # (remote id, outcome) in new_rows order
    links: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    retire: list[int] = []
    for item in fresh:
        cid, iid = city_ids[item["city_slug"]], ind_ids[item["indicator"]]
        key = (cid, iid, item["year"], item["disaggregation"] or "")
        value = float(item["value"])
        prov = {
            "partner": pname,
            "partner_id": partner_id,
            "partner_url": base,
            "remote_id": item["id"],
            "remote_source": item["source"],
            "remote_published_at": item["published_at"],
            "pulled_at": stamp,
        }
        if "sdmx_key" in item:  # an SDMX observation: its series key and period
            prov["format"], prov["sdmx_key"] = "sdmx", item["sdmx_key"]
        row = {
            "city_id": cid,
            "indicator_id": iid,
            "year": item["year"],
            "disaggregation": key[3],
            "value": value,
            "unit": item["unit"],
            "lower": item["lower"],
            "upper": item["upper"],
            "source": f"{item['source'] or 'unspecified source'} (via partner {pname})"[:2000],
            "version": 1,
            "is_current": True,
            "status": "published",
            "is_public": True,
            "created_at": now,
            "created_by": "",
            "reason": f"pulled from partner {pname}",
            "provenance": prov,
        }
        have = local.get(key)
        if have is None:
            new_rows.append(row)
            new_remote.append((item["id"], "added"))
            local[key] = (-1, value, prov)  # a later item of this page with the same key
            continue
        obs_id, old, old_prov = have
        if _same(old, value):
            links.append(
                {
                    "partner_id": partner_id,
                    "remote_id": item["id"],
                    "observation_id": obs_id if obs_id > 0 else None,
                    "outcome": "same",
                }
            )
            summary.same += 1
        elif (old_prov or {}).get("partner_id") == partner_id and obs_id > 0:
            version = (
                session.scalar(select(Observation.version).where(Observation.id == obs_id)) or 1
            )
            retire.append(obs_id)
            row["version"] = version + 1
            new_rows.append(row)
            new_remote.append((item["id"], "corrected"))
            local[key] = (-1, value, prov)
        else:
            conflicts.append(
                {
                    "partner_id": partner_id,
                    "remote_id": item["id"],
                    "city_id": cid,
                    "indicator_id": iid,
                    "year": item["year"],
                    "disaggregation": key[3],
                    "local_observation_id": obs_id if obs_id > 0 else None,
                    "local_value": old,
                    "remote_value": value,
                    "remote": {
                        "source": item["source"],
                        "published_at": item["published_at"],
                        "unit": item["unit"],
                        "partner_url": base,
                        **({"sdmx_key": item["sdmx_key"]} if "sdmx_key" in item else {}),
                    },
                    "pulled_at": now,
                }
            )
            links.append(
                {
                    "partner_id": partner_id,
                    "remote_id": item["id"],
                    "observation_id": None,
                    "outcome": "conflict",
                }
            )
            summary.conflicts += 1
    if retire:
        session.execute(
            update(Observation)
            .where(Observation.id.in_(retire))
            .values(is_current=False, is_public=False)
        )
    if new_rows:
        # a plain executemany (no RETURNING, the fast path): a stored value finds its remote
        # id in its provenance, a remote value its stored one by (partner, remote id)
        session.execute(insert(_table(Observation)), new_rows)
        for rid, outcome in new_remote:
            links.append(
                {
                    "partner_id": partner_id,
                    "remote_id": rid,
                    "observation_id": None,
                    "outcome": outcome,
                }
            )
            if outcome == "added":
                summary.added += 1
            else:
                summary.corrected += 1
    if conflicts:
        session.execute(insert(_table(NetworkConflict)), conflicts)
    if links:
        session.execute(insert(_table(PartnerValue)), links)


def _current(
    session: Session, city_ids: Collection[int], ind_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int, int, str], tuple[int, float, dict[str, Any] | None]]:
    """The hub's current versions of these keys: key → (id, value, provenance)."""
    q = select(
        Observation.id,
        Observation.city_id,
        Observation.indicator_id,
        Observation.year,
        Observation.disaggregation,
        Observation.value,
        Observation.provenance,
    ).where(
        Observation.is_current.is_(True),
        Observation.city_id.in_(sorted(city_ids)),
        Observation.indicator_id.in_(sorted(ind_ids)),
        Observation.year.in_(sorted(years)),
    )
    return {(c, i, y, d or ""): (oid, float(v), p) for oid, c, i, y, d, v, p in session.execute(q)}


# ----------------------------------------------------------------------------- reading back


def list_partners(session: Session) -> list[PartnerInstance]:
    return list(session.scalars(select(PartnerInstance).order_by(PartnerInstance.name)))


def list_conflicts(
    session: Session, *, limit: int = 500, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Conflicts, newest first, with city, indicator and partner names."""
    q = (
        select(NetworkConflict, City.slug, City.name, Indicator.code, PartnerInstance.name)
        .join(City, City.id == NetworkConflict.city_id)
        .join(Indicator, Indicator.id == NetworkConflict.indicator_id)
        .join(PartnerInstance, PartnerInstance.id == NetworkConflict.partner_id)
        .order_by(NetworkConflict.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [
        {
            "id": c.id,
            "partner": pname,
            "partner_url": (c.remote or {}).get("partner_url"),
            "remote_id": c.remote_id,
            "city": slug,
            "city_name": cname,
            "indicator": code,
            "year": c.year,
            "disaggregation": c.disaggregation,
            "local_observation_id": c.local_observation_id,
            "local_value": c.local_value,
            "remote_value": c.remote_value,
            "remote_source": (c.remote or {}).get("source"),
            "pulled_at": c.pulled_at.isoformat() if c.pulled_at else None,
        }
        for c, slug, cname, code, pname in session.execute(q)
    ]
    total = session.scalar(select(func.count()).select_from(NetworkConflict)) or 0
    return rows, int(total)


__all__ = [
    "PullError",
    "PullSummary",
    "check_page",
    "feed_page",
    "list_conflicts",
    "list_partners",
    "pull",
    "register_partner",
]
