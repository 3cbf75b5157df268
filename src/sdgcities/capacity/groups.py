"""Country groups the capacity-building plan focuses on (para. 17).

Least developed countries: the United Nations list (UN-OHRLLS, 44 countries as of
December 2024, after Bhutan's graduation in 2023 and São Tomé and Príncipe's in 2024).
"""

from __future__ import annotations

#: ISO 3166-1 alpha-3 codes of the least developed countries (UN list, December 2024)
LDC: frozenset[str] = frozenset(
    {
        # Africa (32)
        "AGO",
        "BEN",
        "BFA",
        "BDI",
        "CAF",
        "TCD",
        "COM",
        "COD",
        "DJI",
        "ERI",
        "ETH",
        "GMB",
        "GIN",
        "GNB",
        "LSO",
        "LBR",
        "MDG",
        "MWI",
        "MLI",
        "MRT",
        "MOZ",
        "NER",
        "RWA",
        "SEN",
        "SLE",
        "SOM",
        "SSD",
        "SDN",
        "TGO",
        "UGA",
        "TZA",
        "ZMB",
        # Asia (8)
        "AFG",
        "BGD",
        "KHM",
        "LAO",
        "MMR",
        "NPL",
        "TLS",
        "YEM",
        # Caribbean (1)
        "HTI",
        # Pacific (3)
        "KIR",
        "SLB",
        "TUV",
    }
)


def is_ldc(iso3: str | None) -> bool:
    """Whether the country is on the UN list of least developed countries."""
    return iso3 is not None and iso3.upper() in LDC
