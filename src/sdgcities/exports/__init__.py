"""Exports of observations and scores: CSV/XLSX, Open SDG, SDMX-ML.

* :mod:`~sdgcities.exports.tabular` — observations and scores as CSV or XLSX;
* :mod:`~sdgcities.exports.opensdg` — Open SDG tidy CSV + YAML metadata per indicator;
* :mod:`~sdgcities.exports.sdmx` — SDMX-ML 2.1 structure-specific data via ``sdmx1``.

Every export has an in-memory ``*_bytes`` variant for web downloads.
"""

from __future__ import annotations
