"""Row checks of observation files: numbers, years, breakdowns, findings.

Each row is checked against in-memory maps of the store's cities and indicators
(small even for thousands of cities), so a million rows validate without queries.
Every problem becomes a :class:`~sdgcities.errors.Finding` naming row, column, what
was wrong and the fix; checking goes on after an error so a file's problems are all
reported at once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sdgcities._i18n import _
from sdgcities.errors import Finding
from sdgcities.observations._lookups import Lookups, Problem
from sdgcities.observations.disaggregation import DIMENSION_COLUMNS, canonical_key

#: earliest year accepted for an observation
MIN_YEAR = 1950
#: findings kept in memory; beyond this they are only counted
MAX_FINDINGS = 10_000
PERCENT_UNITS = frozenset({"%", "percent", "per cent", "pct"})

#: one staged observation: seq, row, city_id, indicator_id, year, disaggregation, value,
#: unit, lower, upper, source, provenance JSON
StageRow = tuple[
    int, int, int, int, int, str, float, str | None, float | None, float | None, str | None, str
]

_ALIASES: dict[str, str] = {
    "city": "city",
    "city_name": "city",
    "city_slug": "city",
    "indicator": "indicator",
    "indicator_code": "indicator",
    "year": "year",
    "time_period": "year",
    "reference_year": "year",
    "data_reference_year": "year",
    "value": "value",
    "obs_value": "value",
    "unit": "unit",
    "units": "unit",
    "source": "source",
    "data_source": "source",
    "lower": "lower",
    "lower_bound": "lower",
    "upper": "upper",
    "upper_bound": "upper",
    "country": "country",
    "country_iso3": "country",
    "iso3": "country",
    "disaggregation": "disaggregation",
    **{d: d for d in DIMENSION_COLUMNS},
}
LONG_REQUIRED = ("city", "indicator", "year", "value")
WIDE_REQUIRED = ("city", "year")


#: the largest magnitude of any stored value: beyond it a number is a typo or an overflow
MAX_MAGNITUDE = 1e15
#: markers of units whose values cannot be negative (counts, rates, concentrations …)
_NON_NEGATIVE_MARKERS = ("per ", "count", "µg", "ug/m", "years", "ratio", "usd", "index", "km")


def unit_range(unit: str | None) -> tuple[float, float]:
    """The values a unit admits, as ``(low, high)``.

    * a percentage (``%``, ``percent`` …) and a 0–100 index: ``0 … 100``;
    * counts, rates (``per 100,000``), concentrations, years, ratios, money per
      capita: ``0 … MAX_MAGNITUDE``;
    * anything else (a signed change, a share of GDP): ``-MAX_MAGNITUDE … MAX_MAGNITUDE``.

    Source: the unit column of the UN SDG metadata sheets (a proportion is reported
    as a percentage, 0–100; rates and counts are non-negative).
    """
    text = (unit or "").strip().lower()
    if text in PERCENT_UNITS or text.startswith("index (0"):
        return 0.0, 100.0
    if any(marker in text for marker in _NON_NEGATIVE_MARKERS):
        return 0.0, MAX_MAGNITUDE
    return -MAX_MAGNITUDE, MAX_MAGNITUDE


def range_problem(value: float, unit: str | None) -> tuple[str, str] | None:
    """``(problem, fix)`` when ``value`` is outside what ``unit`` admits, else None.

    >>> range_problem(150.0, "%")[0]
    'value 150 is outside 0–100 for the unit %'
    >>> range_problem(41.5, "%") is None
    True
    """
    if not math.isfinite(value):
        return _("value {value} is not a finite number").format(value=value), _(
            "write a plain number"
        )
    low, high = unit_range(unit)
    if low <= value <= high:
        return None
    shown = f"{value:g}"
    if high == 100.0:
        fix = _("percentages are numbers from 0 to 100; correct the value")
        span = "0–100"
    elif low == 0.0 and value < 0:
        fix = _("a value in this unit cannot be negative; correct the sign or the value")
        span = _("0 or more")
    else:
        fix = _("the number is implausibly large; check for a typo or a missing decimal point")
        span = f"±{MAX_MAGNITUDE:g}"
    return (
        _("value {value} is outside {span} for the unit {unit}").format(
            value=shown, span=span, unit=unit or "-"
        ),
        fix,
    )


def max_year() -> int:
    return datetime.now(UTC).year + 1


def normalise_column(name: str) -> str:
    """``" City Name "`` → ``"city_name"``."""
    return "_".join(name.strip().lstrip("\ufeff").lower().replace("-", " ").split())


def canonical_column(name: str) -> str | None:
    return _ALIASES.get(normalise_column(name))


class Findings:
    """Collects findings, keeping at most :data:`MAX_FINDINGS` in memory."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Finding] = []
        self.errors = 0
        self.warnings = 0

    def add(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        fix: str | None = None,
        severity: str = "error",
    ) -> None:
        if severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.items) < MAX_FINDINGS:
            shown = None if value is None else str(value)[:200]
            self.items.append(
                Finding(
                    message,
                    file=self.file,
                    row=row,
                    column=column,
                    value=shown,
                    fix=fix,
                    severity=severity,
                )
            )

    @property
    def error_list(self) -> list[Finding]:
        out = [f for f in self.items if f.severity == "error"]
        missing = self.errors - len(out)
        if missing > 0:
            out.append(
                Finding(
                    _("… and {count} more errors not listed").format(count=missing),
                    file=self.file,
                    fix=_("fix the errors above and import again"),
                )
            )
        return out

    @property
    def warning_list(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "warning"]


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_number(raw: object) -> float | None:
    """A finite float, ``None`` for a blank cell; ValueError otherwise."""
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise ValueError("a boolean is not a number")
    x = float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
    if not math.isfinite(x):
        raise ValueError("not a finite number")
    return x


def parse_year(raw: object) -> int:
    """A year from ``2020``, ``"2020"``, ``2020.0`` or a date; ValueError otherwise."""
    if isinstance(raw, datetime | date):
        return raw.year
    if isinstance(raw, bool):
        raise ValueError("a boolean is not a year")
    if isinstance(raw, int):
        return raw
    x = float(raw) if isinstance(raw, float) else float(str(raw).strip())
    if not x.is_integer():
        raise ValueError("not a whole year")
    return int(x)


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


@dataclass
class _FractionStats:
    code: str
    column: str
    lo: float = math.inf
    hi: float = -math.inf
    n: int = 0
    rows: list[int] = field(default_factory=list)


class RowChecker:
    """Turns cells of one file into staged rows, recording findings.

    ``columns`` maps canonical names (city, year, …) to cell positions; ``values`` lists
    ``(position, header, fixed indicator code or None)``: one entry for a long file
    (the code comes from the indicator column), one per mapped column for a wide one.
    """

    def __init__(
        self,
        lookups: Lookups,
        findings: Findings,
        *,
        columns: dict[str, int],
        headers: list[str],
        values: list[tuple[int, str, str | None]],
        allowed_city_ids: set[int] | None = None,
    ) -> None:
        self.lk = lookups
        self.f = findings
        self.col = columns
        self.headers = headers
        self.values = values
        self.allowed = allowed_city_ids
        self.dims = [(columns[d], d) for d in DIMENSION_COLUMNS if d in columns]
        self.width = max([len(headers), *(p + 1 for p, _h, _c in values)])
        self.i_city = columns.get("city", -1)
        self.i_year = columns.get("year", -1)
        self.i_country = columns.get("country")
        self.i_indicator = columns.get("indicator", -1)
        self.i_unit = columns.get("unit")
        self.i_source = columns.get("source")
        self.has_breakdown = bool(self.dims) or "disaggregation" in columns
        self.has_bounds = "lower" in columns or "upper" in columns
        self.max_year = max_year()
        self.seq = 0
        self.fractions: dict[int, _FractionStats] = {}
        self._prov: dict[str, str] = {}

    def _cell(self, cells: list[Any], name: str) -> object:
        i = self.col.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    def _header(self, name: str) -> str:
        return self.headers[self.col[name]] if name in self.col else name

    def provenance(self, column: str) -> str:
        p = self._prov.get(column)
        if p is None:
            p = self._prov[column] = json.dumps({"column": column}, ensure_ascii=False)
        return p

    def check(self, row: int, cells: list[Any]) -> list[StageRow]:
        """The staged rows of one sheet row (none if it has an error).

        The common case (clean text cells) takes fast paths; anything unusual falls
        back to the careful parsers, which also word the findings.
        """
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        city_id = self._city(row, cells)
        year = self._year(row, cells)
        disagg = self._disaggregation(row, cells) if self.has_breakdown else ""
        ok = city_id is not None and year is not None and disagg is not None
        unit_cell = _text(cells[self.i_unit]) or None if self.i_unit is not None else None
        source = _text(cells[self.i_source]) or None if self.i_source is not None else None
        lower: float | bool | None = None
        upper: float | bool | None = None
        if self.has_bounds:
            lower = self._bound(row, cells, "lower")
            upper = self._bound(row, cells, "upper")
            ok = ok and lower is not False and upper is not False
        out: list[StageRow] = []
        for pos, header, fixed_code in self.values:
            raw = cells[pos]
            if fixed_code is None:  # long: the code is in the indicator column
                rc = cells[self.i_indicator]
                code = rc.strip() if type(rc) is str else _text(rc)
                if not code:
                    self.f.add(
                        _("indicator is empty"),
                        row=row,
                        column=self._header("indicator"),
                        fix=_("give the indicator code, e.g. 11.7.1"),
                    )
                    ok = False
                    continue
            else:
                if _blank(raw):
                    continue  # wide sheets leave cells empty where there is no value
                code = fixed_code
            ind = self.lk._ind_cache.get(code) or self.lk.indicator(code)
            value: float | None = None
            if type(raw) is str:
                try:
                    value = float(raw)
                except ValueError:
                    value = None
                if value is not None and value - value != 0:  # inf or nan
                    value = None
            if value is None:
                value = self._value(row, raw, header)
            if isinstance(ind, Problem):
                col = self._header("indicator") if fixed_code is None else header
                self.f.add(ind.message, row=row, column=col, value=code, fix=ind.fix)
                ok = False
                continue
            if value is None:
                ok = False
                continue
            if self.has_bounds and not self._bounds_ok(row, value, lower, upper):
                ok = False
                continue
            ind_id, ind_unit = ind
            bad = range_problem(value, ind_unit)
            if bad is not None:
                self.f.add(bad[0], row=row, column=header, value=raw, fix=bad[1])
                ok = False
                continue
            if ind_unit and ind_unit.strip().lower() in PERCENT_UNITS:
                st = self.fractions.get(ind_id)
                if st is None:
                    st = self.fractions[ind_id] = _FractionStats(code, header)
                if value < st.lo:
                    st.lo = value
                if value > st.hi:
                    st.hi = value
                st.n += 1
                if len(st.rows) < 5:
                    st.rows.append(row)
            if ok and city_id is not None and year is not None and disagg is not None:
                self.seq += 1
                out.append(
                    (
                        self.seq,
                        row,
                        city_id,
                        ind_id,
                        year,
                        disagg,
                        value,
                        unit_cell or ind_unit or None,
                        lower if isinstance(lower, float) else None,
                        upper if isinstance(upper, float) else None,
                        source,
                        self.provenance(header),
                    )
                )
        return out if ok else []

    def _city(self, row: int, cells: list[Any]) -> int | None:
        raw = cells[self.i_city]
        text = raw.strip() if type(raw) is str else _text(raw)
        country = "" if self.i_country is None else _text(cells[self.i_country])
        hit = self.lk._city_cache.get((text, country))
        if type(hit) is int and self.allowed is None:
            return hit
        if not text:
            self.f.add(
                _("city is empty"),
                row=row,
                column=self._header("city"),
                fix=_("give the city's name or slug"),
            )
            return None
        hit = self.lk.city(text, country)
        if isinstance(hit, Problem):
            self.f.add(hit.message, row=row, column=self._header("city"), value=text, fix=hit.fix)
            return None
        if self.allowed is not None and hit not in self.allowed:
            self.f.add(
                _("you may not edit the values of {city}").format(
                    city=repr(self.lk.city_name[hit])
                ),
                row=row,
                column=self._header("city"),
                value=text,
                fix=_("remove the row, or ask an administrator for edit rights"),
            )
            return None
        return hit

    def _year(self, row: int, cells: list[Any]) -> int | None:
        raw = cells[self.i_year]
        if type(raw) is str:
            try:
                y = int(raw)
            except ValueError:
                pass
            else:
                if MIN_YEAR <= y <= self.max_year:
                    return y
        col = self._header("year")
        if _blank(raw):
            self.f.add(_("year is empty"), row=row, column=col, fix=_("give the reference year"))
            return None
        try:
            year = parse_year(raw)
        except ValueError:
            self.f.add(
                _("year is not a whole number"),
                row=row,
                column=col,
                value=raw,
                fix=_("write the year as four digits, e.g. 2020"),
            )
            return None
        if not MIN_YEAR <= year <= self.max_year:
            self.f.add(
                _("year out of range {first}..{last}").format(first=MIN_YEAR, last=self.max_year),
                row=row,
                column=col,
                value=raw,
                fix=_("check the year (a typo?)"),
            )
            return None
        return year

    def _disaggregation(self, row: int, cells: list[Any]) -> str | None:
        parts: dict[str, object] = {d: cells[i] for i, d in self.dims if i < len(cells)}
        raw = _text(self._cell(cells, "disaggregation"))
        try:
            if raw:
                given = canonical_key(raw)
                for part in given.split("|"):
                    if part:
                        dim, _eq, val = part.partition("=")
                        other = parts.get(dim)
                        if not _blank(other) and canonical_key({dim: other}) != part:
                            raise ValueError(
                                _("{dimension} differs between the columns").format(
                                    dimension=repr(dim)
                                )
                            )
                        parts[dim] = val
            return canonical_key(parts)
        except ValueError as err:
            self.f.add(
                _("bad disaggregation: {problem}").format(problem=err),
                row=row,
                column=self._header("disaggregation") if raw else None,
                value=raw or None,
                fix=_("write it as dimension=value pairs joined by '|', e.g. sex=female|age=15-24"),
            )
            return None

    def _bound(self, row: int, cells: list[Any], name: str) -> float | bool | None:
        raw = self._cell(cells, name)
        try:
            return parse_number(raw)
        except ValueError:
            message = (
                _("lower bound is not a number")
                if name == "lower"
                else _("upper bound is not a number")
            )
            self.f.add(
                message,
                row=row,
                column=self._header(name),
                value=raw,
                fix=_("write a plain number with a decimal point, or leave empty"),
            )
            return False

    def _value(self, row: int, raw: object, header: str) -> float | None:
        try:
            value = parse_number(raw)
        except ValueError:
            fix = _("write a plain number with a decimal point (no units, no thousands separators)")
            if isinstance(raw, str) and raw.strip().endswith("%"):
                fix = _("remove the % sign; percentages are stored as numbers 0–100")
            self.f.add(_("value is not a number"), row=row, column=header, value=raw, fix=fix)
            return None
        if value is None:
            self.f.add(
                _("value is empty"),
                row=row,
                column=header,
                fix=_("enter a number or delete the row"),
            )
        return value

    def _bounds_ok(self, row: int, value: float, lower: object, upper: object) -> bool:
        if isinstance(lower, float) and lower > value:
            self.f.add(
                _("lower bound {lower} is above the value {value}").format(
                    lower=lower, value=value
                ),
                row=row,
                column=self._header("lower"),
                fix=_("swap or correct the bounds"),
            )
            return False
        if isinstance(upper, float) and upper < value:
            self.f.add(
                _("upper bound {upper} is below the value {value}").format(
                    upper=upper, value=value
                ),
                row=row,
                column=self._header("upper"),
                fix=_("swap or correct the bounds"),
            )
            return False
        return True

    def check_fractions(self) -> None:
        """Error for each %-indicator whose values in the file all lie in [0, 1]."""
        for st in self.fractions.values():
            if st.n and st.lo >= 0 and st.hi <= 1 and st.hi > 0:
                rows = ", ".join(map(str, st.rows)) + (" …" if st.n > len(st.rows) else "")
                self.f.add(
                    _(
                        "all {count} values of indicator {indicator} (unit %) lie between 0 "
                        "and 1 — looks like a fraction (rows {rows})"
                    ).format(count=st.n, indicator=repr(st.code), rows=rows),
                    row=st.rows[0],
                    column=st.column,
                    fix=_("multiply the values by 100"),
                )
