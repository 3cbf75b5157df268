"""Regenerate ``src/sdgcities/cities/data/countries.csv`` (the country table of sdgcities).

Sources (all real, none invented):

* ISO 3166 alpha-2/alpha-3, numeric code (= UN M49 for countries) and name: ``pycountry``.
* SDG region and sub-region: the UN-Habitat Urban Indicators Database table for SDG 11.7.1
  (2024 edition; columns ``Country or Territory Code`` (M49), ``SDG Region``,
  ``SDG Sub-Region``), ODC PDDL. Whitespace is normalised and the region labels are mapped
  to the names of the table's own regional aggregate rows.
* Countries absent from that table get their SDG region from their UN M49 sub-region
  (and intermediate region) with the same grouping the table uses; the column
  ``sdg_region_source`` says which rule gave the value.
* World Bank income group: the "World Bank Income Level" column of the UN OCHA HDX
  "Countries & Territories Taxonomy" shipped in the ``hdx-python-country`` wheel (MIT).

Usage::

    pip download --no-deps hdx-python-country==4.2.5 -d /tmp/hdx
    python scripts/make_country_table.py \\
        --unhabitat $SDGCITIES_SHARED_DATA/benchmarks/unhabitat_sdg_11_7_1_2024.xlsx \\
        --hdx-wheel /tmp/hdx/hdx_python_country-4.2.5-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pycountry

OUT = (
    Path(__file__).resolve().parents[1] / "src" / "sdgcities" / "cities" / "data" / "countries.csv"
)
HDX_MEMBER = "hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"

#: the UN-Habitat table writes some regions two ways; use its aggregate rows' names
REGION_NAMES = {
    "Central Asia and Southern Asia": "Central and Southern Asia",
    "Eastern Asia and South-eastern Asia": "Eastern and South-eastern Asia",
}
REGION_CODES = {
    "Sub-Saharan Africa": "202",
    "Western Asia and Northern Africa": "747",
    "Central and Southern Asia": "62",
    "Eastern and South-eastern Asia": "753",
    "Latin America and the Caribbean": "419",
    "Australia and New Zealand": "53",
    "Oceania excluding Australia and New Zealand": "543",
    "Northern America and Europe": "513",
}
#: M49 sub-region (or intermediate region) -> (SDG region, SDG sub-region), the SDG grouping
M49_RULE = {
    "Northern Africa": ("Western Asia and Northern Africa", "Northern Africa"),
    "Western Asia": ("Western Asia and Northern Africa", "Western Asia"),
    "Eastern Africa": ("Sub-Saharan Africa", "Eastern Africa"),
    "Middle Africa": ("Sub-Saharan Africa", "Middle Africa"),
    "Southern Africa": ("Sub-Saharan Africa", "Southern Africa"),
    "Western Africa": ("Sub-Saharan Africa", "Western Africa"),
    "Central Asia": ("Central and Southern Asia", "Central Asia"),
    "Southern Asia": ("Central and Southern Asia", "Southern Asia"),
    "Eastern Asia": ("Eastern and South-eastern Asia", "Eastern Asia"),
    "South-eastern Asia": ("Eastern and South-eastern Asia", "South-eastern Asia"),
    "Caribbean": ("Latin America and the Caribbean", "Caribbean"),
    "Central America": ("Latin America and the Caribbean", "Central America"),
    "South America": ("Latin America and the Caribbean", "South America"),
    "Australia and New Zealand": ("Australia and New Zealand", "Australia and New Zealand"),
    "Melanesia": ("Oceania excluding Australia and New Zealand", "Melanesia"),
    "Micronesia": ("Oceania excluding Australia and New Zealand", "Micronesia"),
    "Polynesia": ("Oceania excluding Australia and New Zealand", "Polynesia"),
    "Northern America": ("Northern America and Europe", "Northern America"),
    "Eastern Europe": ("Northern America and Europe", "Eastern Europe"),
    "Northern Europe": ("Northern America and Europe", "Northern Europe"),
    "Southern Europe": ("Northern America and Europe", "Southern Europe"),
    "Western Europe": ("Northern America and Europe", "Western Europe"),
}
INCOME = {
    "High": "High income",
    "Upper middle": "Upper middle income",
    "Lower middle": "Lower middle income",
    "Low": "Low income",
}


def _clean(text: object) -> str:
    return re.sub(r"\s+", " ", str(text).replace("\xa0", " ")).strip()


def sdg_regions_from_unhabitat(path: Path) -> dict[str, tuple[str, str]]:
    df = pd.read_excel(path)
    cols = ["Country or Territory Code", "SDG Region", "SDG Sub-Region"]
    out: dict[str, tuple[str, str]] = {}
    for code, region, sub in df[cols].drop_duplicates().itertuples(index=False):
        m49 = f"{int(code):03d}"
        if pycountry.countries.get(numeric=m49) is None:
            continue  # a regional aggregate row (World, ECA, Sub-Saharan Africa …)
        region_name = REGION_NAMES.get(_clean(region), _clean(region))
        out[m49] = (region_name, _clean(sub))
    return out


def hdx_rows(wheel: Path) -> dict[str, dict[str, str]]:
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(HDX_MEMBER).decode("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {r["ISO 3166-1 Alpha 3-Codes"]: r for r in rows if r["ISO 3166-1 Alpha 3-Codes"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--unhabitat", type=Path, required=True)
    parser.add_argument("--hdx-wheel", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    unh = sdg_regions_from_unhabitat(args.unhabitat)
    hdx = hdx_rows(args.hdx_wheel)
    fields = [
        "iso3",
        "iso2",
        "m49",
        "name",
        "sdg_region_code",
        "sdg_region",
        "sdg_subregion",
        "sdg_region_source",
        "income_group",
    ]
    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        m49 = c.numeric
        h = hdx.get(c.alpha_3, {})
        if m49 in unh:
            region, sub = unh[m49]
            source = "unhabitat_2024"
        else:
            inter = _clean(h.get("Intermediate Region Name", ""))
            subm = _clean(h.get("Sub-region Name", ""))
            region, sub = M49_RULE.get(inter) or M49_RULE.get(subm) or ("", "")
            source = "m49_rule" if region else ""
        rows.append(
            {
                "iso3": c.alpha_3,
                "iso2": c.alpha_2,
                "m49": m49,
                "name": getattr(c, "common_name", None) or c.name,
                "sdg_region_code": REGION_CODES.get(region, ""),
                "sdg_region": region,
                "sdg_subregion": sub,
                "sdg_region_source": source,
                "income_group": INCOME.get(h.get("World Bank Income Level", ""), ""),
            }
        )
    # Kosovo is not in ISO 3166-1 and has no M49 code, but GeoNames, the World Bank and
    # HDX use XK / XKX; it takes Serbia's Southern Europe grouping (M49 rule) and HDX's
    # income group, so that the gazetteer's Kosovar cities can be stored.
    rows.append(
        {
            "iso3": "XKX",
            "iso2": "XK",
            "m49": "",
            "name": "Kosovo",
            "sdg_region_code": REGION_CODES.get("Northern America and Europe", ""),
            "sdg_region": "Northern America and Europe",
            "sdg_subregion": "Southern Europe",
            "sdg_region_source": "m49_rule",
            "income_group": INCOME.get(hdx.get("XKX", {}).get("World Bank Income Level", ""), ""),
        }
    )
    rows.sort(key=lambda r: r["iso3"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    n_unh = sum(r["sdg_region_source"] == "unhabitat_2024" for r in rows)
    n_inc = sum(bool(r["income_group"]) for r in rows)
    print(
        f"{args.out}: {len(rows)} countries, {n_unh} SDG regions from UN-Habitat, "
        f"{len(rows) - n_unh} by M49 rule or empty, {n_inc} income groups"
    )


if __name__ == "__main__":
    main()
