"""Spreadsheet formula injection: text that a spreadsheet would run is made inert.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(…)`` becomes a
live link, DDE payloads run). Following the OWASP "CSV Injection" guidance, such text
gets a leading apostrophe, which spreadsheets show as text and do not evaluate. Only
text is touched: numbers (a value of −5) stay numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """``value`` made inert when it is text a spreadsheet would evaluate.

    >>> escape_cell('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> escape_cell(-5.0), escape_cell("Nairobi")
    (-5.0, 'Nairobi')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) passed through
    :func:`escape_cell`; the frame itself is not changed."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(escape_cell)
    out.columns = [escape_cell(c) for c in out.columns]
    return out
