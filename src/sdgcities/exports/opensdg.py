"""Export to Open SDG (open-sdg.org) input files, as sdg-build reads them.

Layout written under ``out_dir`` (the layout of the ``open-sdg-data-starter`` repository):

* ``data/indicator_11-2-1.csv`` — one tidy CSV per indicator. sdg-build's
  ``InputCsvData`` takes the indicator id from the file name (``indicator_`` removed)
  and reads the file with ``pandas.read_csv``. Columns: ``Year``, ``Units`` (a column
  sdg-build/Open SDG treat specially), the breakdown ``City`` and one column per
  disaggregation dimension (``sex=female`` → column ``Sex``, value ``female``; blank for
  the total), then ``Value`` last. Open SDG's *headline* is the rows with every breakdown
  blank; city data always has ``City``, so there is no headline series (a country
  platform adds its national rows).
* ``meta/11-2-1.md`` — YAML front matter between ``---`` lines plus a Markdown body, as
  sdg-build's ``InputYamlMdMeta`` reads it (``yamlmd``): ``indicator``, ``indicator_name``,
  ``indicator_sort_order``, ``sdg_goal``, ``target_id``, ``reporting_status``,
  ``published``, ``data_non_statistical``, ``graph_type``, ``graph_title``,
  ``computation_units``, ``un_custodian_agency``, ``source_active_1``,
  ``source_organisation_1``; the body is the method summary.

Indicator ids: SDG codes ``11.2.1`` → ``11-2-1``. Other frameworks are prefixed with the
framework so they never collide with an SDG id: UMF ``1.2.3`` → ``umf-1-2-3``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.exports._cells import escape_frame
from sdgcities.store.models import Indicator


def open_sdg_id(code: str, framework: str = "SDG") -> str:
    """Open SDG indicator id of a catalogue code (``11.2.1`` → ``11-2-1``)."""
    slug = code.strip().replace(".", "-").replace(" ", "-").lower()
    if framework.upper() == "SDG":
        return slug
    return f"{framework.lower()}-{slug}"


def _split_disaggregation(key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, str(key or "").split("|")):
        dim, _, value = part.partition("=")
        out[dim.strip().replace("_", " ").title()] = value.strip()
    return out


def indicator_table(obs: pd.DataFrame) -> pd.DataFrame:
    """Open SDG tidy table of one indicator's observations (columns documented above)."""
    parts = [_split_disaggregation(k) for k in obs["disaggregation"]]
    dims = sorted({d for p in parts for d in p} - {"City", "Units", "Year", "Value"})
    table = pd.DataFrame(
        {
            "Year": obs["year"].astype(int).to_numpy(),
            "Units": obs["unit"].fillna("").astype(str).to_numpy(),
            "City": obs["city"].astype(str).to_numpy(),
        }
    )
    for d in dims:
        table[d] = [p.get(d, "") for p in parts]
    table["Value"] = obs["value"].astype(float).to_numpy()
    if (table["Units"] == "").all():
        table = table.drop(columns="Units")
    return table.sort_values([c for c in table.columns if c != "Value"], kind="stable")


def indicator_meta(ind: Indicator | None, code: str, cities: list[str]) -> dict[str, object]:
    """The YAML metadata of one indicator."""
    framework = ind.framework if ind is not None else "SDG"
    parts = code.split(".")
    is_sdg = framework.upper() == "SDG" and len(parts) == 3
    meta: dict[str, object] = {
        "indicator": code,
        "indicator_name": ind.name if ind is not None else code,
        "indicator_sort_order": "-".join(p.zfill(2) for p in parts),
        "reporting_status": "complete",
        "published": True,
        "data_non_statistical": False,
        "graph_type": "line",
        "graph_title": ind.name if ind is not None else code,
        "computation_units": (ind.unit or None) if ind is not None else None,
        "un_custodian_agency": (ind.custodian or None) if ind is not None else None,
        "national_geographical_coverage": ", ".join(cities),
        "source_active_1": True,
        "source_organisation_1": "sdgcities store (see each value's source and provenance)",
    }
    if is_sdg:
        meta["sdg_goal"] = parts[0]
        meta["target_id"] = f"{parts[0]}.{parts[1]}"
    return meta


def _files(
    session: Session,
    *,
    city_ids: Iterable[int] | None,
    indicator_codes: Iterable[str] | None,
    published_only: bool,
) -> dict[str, bytes]:
    obs = _store.current_observations(
        session,
        city_ids=city_ids,
        indicator_codes=indicator_codes,
        published_only=published_only,
        disaggregation=None,
    )
    info = _store.indicator_info(session, obs["indicator"].astype(str).unique())
    files: dict[str, bytes] = {}
    for code, group in obs.groupby("indicator", sort=True):
        ind = info.get(str(code))
        inid = open_sdg_id(str(code), ind.framework if ind is not None else "SDG")
        table = indicator_table(group)
        csv_text = escape_frame(table).to_csv(index=False)
        files[f"data/indicator_{inid}.csv"] = csv_text.encode("utf-8")
        meta = indicator_meta(ind, str(code), sorted(group["city"].astype(str).unique()))
        body = (ind.method_summary if ind is not None else "") or ""
        text = "---\n" + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True) + "---\n"
        files[f"meta/{inid}.md"] = (text + body + ("\n" if body else "")).encode("utf-8")
    return files


def export_open_sdg(
    session: Session,
    out_dir: str | Path,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    published_only: bool = True,
) -> list[Path]:
    """Write ``data/indicator_<id>.csv`` and ``meta/<id>.md`` per indicator; return the paths.

    Only published values are exported unless ``published_only=False``.
    """
    base = Path(out_dir)
    written = []
    for rel, data in _files(
        session, city_ids=city_ids, indicator_codes=indicator_codes, published_only=published_only
    ).items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def export_open_sdg_bytes(
    session: Session,
    *,
    city_ids: Iterable[int] | None = None,
    indicator_codes: Iterable[str] | None = None,
    published_only: bool = True,
) -> bytes:
    """The same files as a ZIP archive in memory (for web downloads)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel, data in _files(
            session,
            city_ids=city_ids,
            indicator_codes=indicator_codes,
            published_only=published_only,
        ).items():
            zf.writestr(rel, data)
    return buf.getvalue()
