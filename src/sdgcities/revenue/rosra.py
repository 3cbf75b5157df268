"""The own-source revenue gap of a city, after UN-Habitat's Rapid Own-Source Revenue Analysis.

Method (UN-Habitat, *Rapid Own-Source Revenue Analysis (ROSRA)*, 2022; see DESIGN.md,
"Own-source revenue gap"). For one revenue stream with ``E`` estimated payers, ``R``
registered payers, ``C`` compliant payers, average bill ``a`` and achievable average
bill ``A``::

    potential               = E × A
    actual                  = C × a
    compliance_gap          = (R − C) × a
    coverage_gap            = (E − R) × a
    valuation_gap           = C × (A − a)
    mixed_gap_unregistered  = (E − R) × (A − a)
    mixed_gap_registered    = (R − C) × (A − a)

The six parts sum to the potential exactly: ``E·a + E·(A − a) = E·A``. The recoverable
revenue of a stream is ``potential − actual`` (the five gaps together); streams are
prioritised by it, largest first.

KPIs, each only when its inputs are given and its denominator is positive:
collection ratio = collected / billed; coverage ratio = registered / estimated;
valuation ratio = fiscal base / market value. The totals add every part over the
streams; the total KPIs divide the sums over the streams that give both inputs.

An achievable bill below the average bill is allowed (the bill is above what the
valuation supports, e.g. an out-of-date roll that over-values): the valuation and mixed
gaps are then negative, the split still sums to the potential, and validation reports a
warning so the user can check the figure.

Pure: no I/O. ``_reading`` turns a CSV into rows; ``service`` stores diagnostics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sdgcities.errors import Finding, ValidationError

#: required input columns, in the order of the command-line contract
REQUIRED = ("stream", "estimated", "registered", "compliant", "average_bill", "achievable_bill")
#: optional input columns (KPIs)
OPTIONAL = ("billed", "collected", "fiscal_base", "market_value")
#: the six parts of the potential, in the order ROSRA shows them
PARTS = (
    "actual",
    "compliance_gap",
    "coverage_gap",
    "valuation_gap",
    "mixed_gap_unregistered",
    "mixed_gap_registered",
)
#: the five gaps (everything in the potential that is not collected)
GAPS = PARTS[1:]
KPIS = ("collection_ratio", "coverage_ratio", "valuation_ratio")
#: the streams ROSRA names; any other name is allowed (``others``)
KNOWN_STREAMS = ("property tax", "business licences", "user charges", "others")


@dataclass(frozen=True)
class StreamInput:
    """One revenue stream's inputs (counts of payers, bills in the city's currency)."""

    stream: str
    estimated: float
    registered: float
    compliant: float
    average_bill: float
    achievable_bill: float
    billed: float | None = None
    collected: float | None = None
    fiscal_base: float | None = None
    market_value: float | None = None


@dataclass(frozen=True)
class StreamSplit:
    """The potential of one stream split into the actual revenue and the five gaps."""

    stream: str
    potential: float
    actual: float
    compliance_gap: float
    coverage_gap: float
    valuation_gap: float
    mixed_gap_unregistered: float
    mixed_gap_registered: float
    collection_ratio: float | None = None
    coverage_ratio: float | None = None
    valuation_ratio: float | None = None

    @property
    def recoverable(self) -> float:
        """Potential minus actual revenue: the five gaps together."""
        return math.fsum(float(getattr(self, g)) for g in GAPS)

    def as_dict(self) -> dict[str, object]:
        """The contract's keys; KPIs only where they could be computed (never NaN)."""
        out: dict[str, object] = {"stream": self.stream, "potential": self.potential}
        for part in PARTS:
            out[part] = getattr(self, part)
        out["recoverable"] = self.recoverable
        for kpi in KPIS:
            value = getattr(self, kpi)
            if value is not None:
                out[kpi] = value
        return out


@dataclass(frozen=True)
class Diagnostic:
    """A city's revenue diagnostic: every stream's split, the total and the priorities."""

    streams: tuple[StreamSplit, ...]
    total: StreamSplit
    warnings: tuple[Finding, ...] = field(default=())

    def priorities(self) -> list[StreamSplit]:
        """Streams by recoverable revenue, largest first (ties by name)."""
        return prioritise(self.streams)

    def as_dict(self) -> dict[str, object]:
        return {
            "streams": [s.as_dict() for s in self.streams],
            "total": self.total.as_dict(),
            "priorities": [
                {"rank": i, "stream": s.stream, "recoverable": s.recoverable}
                for i, s in enumerate(self.priorities(), start=1)
            ],
            "warnings": [str(w) for w in self.warnings],
        }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def split_stream(s: StreamInput) -> StreamSplit:
    """Split one stream's potential (formulae in the module docstring).

    >>> x = split_stream(StreamInput("property tax", 1000, 800, 600, 50, 80))
    >>> x.potential, x.actual, x.coverage_gap, x.valuation_gap
    (80000.0, 30000.0, 10000.0, 18000.0)
    """
    e, r, c = float(s.estimated), float(s.registered), float(s.compliant)
    a, ach = float(s.average_bill), float(s.achievable_bill)
    uplift = ach - a
    return StreamSplit(
        stream=s.stream,
        potential=e * ach,
        actual=c * a,
        compliance_gap=(r - c) * a,
        coverage_gap=(e - r) * a,
        valuation_gap=c * uplift,
        mixed_gap_unregistered=(e - r) * uplift,
        mixed_gap_registered=(r - c) * uplift,
        collection_ratio=_ratio(s.collected, s.billed),
        coverage_ratio=_ratio(r, e),
        valuation_ratio=_ratio(s.fiscal_base, s.market_value),
    )


def _sum_pairs(streams: Sequence[StreamInput], num: str, den: str) -> float | None:
    pairs = [
        (getattr(s, num), getattr(s, den))
        for s in streams
        if getattr(s, num) is not None and getattr(s, den) is not None
    ]
    if not pairs:
        return None
    return _ratio(sum(p[0] for p in pairs), sum(p[1] for p in pairs))


def analyse(streams: Sequence[StreamInput]) -> Diagnostic:
    """Split every stream and add them up into the city's total.

    The total's collection and valuation ratios divide the sums over the streams that
    give both inputs; its coverage ratio is all registered over all estimated payers.
    """
    validate(streams)
    splits = tuple(split_stream(s) for s in streams)
    sums = {p: math.fsum(getattr(x, p) for x in splits) for p in ("potential", *PARTS)}
    total = StreamSplit(
        stream="total",
        potential=sums["potential"],
        actual=sums["actual"],
        compliance_gap=sums["compliance_gap"],
        coverage_gap=sums["coverage_gap"],
        valuation_gap=sums["valuation_gap"],
        mixed_gap_unregistered=sums["mixed_gap_unregistered"],
        mixed_gap_registered=sums["mixed_gap_registered"],
        collection_ratio=_sum_pairs(streams, "collected", "billed"),
        coverage_ratio=_ratio(
            math.fsum(s.registered for s in streams), math.fsum(s.estimated for s in streams)
        ),
        valuation_ratio=_sum_pairs(streams, "fiscal_base", "market_value"),
    )
    return Diagnostic(streams=splits, total=total, warnings=tuple(warnings(streams)))


def prioritise(splits: Iterable[StreamSplit]) -> list[StreamSplit]:
    """Streams by recoverable revenue (potential − actual), largest first."""
    return sorted(splits, key=lambda s: (-s.recoverable, s.stream))


# --------------------------------------------------------------------------- validation


def _problems(
    streams: Sequence[StreamInput],
    file: str | None,
    unreadable: Sequence[set[str]] | None = None,
) -> list[Finding]:
    """Every finding (errors and warnings) on typed streams; stream ``i`` is row ``i + 2``.

    ``unreadable[i]`` names the cells of stream ``i`` that did not parse: rules that
    involve one of them are skipped (their finding is already reported).
    """
    found: list[Finding] = []
    seen: dict[str, int] = {}
    for i, s in enumerate(streams):
        row = i + 2  # row 1 is the header
        bad = unreadable[i] if unreadable is not None else set()

        def ok(*cols: str) -> bool:
            return not bad.intersection(cols)  # noqa: B023

        def add(column: str, message: str, value: object, fix: str, sev: str = "error") -> None:
            found.append(Finding(message, file, row, column, str(value), fix, sev))  # noqa: B023

        name = s.stream.strip()
        if not name:
            add("stream", "the stream has no name", s.stream, "name it, e.g. 'property tax'")
        elif name.casefold() in seen:
            add(
                "stream",
                f"the stream is listed twice (first on row {seen[name.casefold()]})",
                s.stream,
                "give each stream one row",
            )
        else:
            seen[name.casefold()] = row
        for col in (*REQUIRED[1:], *OPTIONAL):
            value = getattr(s, col)
            if value is None or not ok(col):
                continue
            if not math.isfinite(value):
                add(col, "not a finite number", value, "give a number")
            elif value < 0:
                add(col, "must not be negative", value, "give zero or more")
        if ok("compliant", "registered") and s.compliant > s.registered:
            add(
                "compliant",
                f"more compliant than registered payers ({s.registered:g})",
                f"{s.compliant:g}",
                "compliant payers are registered payers who paid: at most 'registered'",
            )
        if ok("registered", "estimated") and s.registered > s.estimated:
            add(
                "registered",
                f"more registered than estimated payers ({s.estimated:g})",
                f"{s.registered:g}",
                "raise 'estimated' to at least the register's count",
            )
        if ok("achievable_bill", "average_bill") and 0 <= s.achievable_bill < s.average_bill:
            add(
                "achievable_bill",
                f"below the average bill ({s.average_bill:g}): valuation gaps will be negative",
                f"{s.achievable_bill:g}",
                "check the figure; keep it if the current bills are above what values support",
                "warning",
            )
        if s.billed is not None and s.collected is not None and s.collected > s.billed:
            add(
                "collected",
                f"more collected than billed ({s.billed:g}): arrears collected this year?",
                f"{s.collected:g}",
                "check the figure; the collection ratio will be above 1",
                "warning",
            )
    return found


def warnings(streams: Sequence[StreamInput], file: str | None = None) -> list[Finding]:
    """The non-blocking findings (achievable below average bill, collected above billed)."""
    return [f for f in _problems(streams, file) if f.severity == "warning"]


def validate(streams: Sequence[StreamInput], file: str | None = None) -> None:
    """Raise :class:`ValidationError` listing every error (row and column) in ``streams``."""
    if not streams:
        raise ValidationError(
            "no revenue streams",
            [Finding("the file has no stream rows", file, fix="add one row per revenue stream")],
        )
    errors = [f for f in _problems(streams, file) if f.severity == "error"]
    if errors:
        raise ValidationError(f"{len(errors)} problem(s) in the revenue streams", errors)


def _number(raw: str | None) -> float | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    return float(text)


def streams_from_rows(
    rows: Sequence[Mapping[str, str | None]], file: str | None
) -> list[StreamInput]:
    """Typed streams from text rows (CSV), or :class:`ValidationError` with every finding.

    Thousands separators (``1,250``) are accepted; empty optional cells mean "not given".
    """
    findings: list[Finding] = []
    out: list[StreamInput] = []
    unreadable: list[set[str]] = []
    for i, raw in enumerate(rows):
        row = i + 2
        bad: set[str] = set()
        unreadable.append(bad)
        values: dict[str, float | None] = {}
        for col in (*REQUIRED[1:], *OPTIONAL):
            cell = raw.get(col)
            try:
                values[col] = _number(cell)
            except ValueError:
                findings.append(
                    Finding(
                        "not a number", file, row, col, cell, "give a plain number, e.g. 1250.5"
                    )
                )
                values[col] = 0.0
                bad.add(col)
                continue
            if values[col] is None and col in REQUIRED:
                findings.append(
                    Finding("a required value is empty", file, row, col, fix="fill it in")
                )
                values[col] = 0.0
                bad.add(col)
        req = {k: float(values[k] or 0.0) for k in REQUIRED[1:]}
        out.append(
            StreamInput(
                stream=(raw.get("stream") or "").strip(),
                estimated=req["estimated"],
                registered=req["registered"],
                compliant=req["compliant"],
                average_bill=req["average_bill"],
                achievable_bill=req["achievable_bill"],
                billed=values["billed"],
                collected=values["collected"],
                fiscal_base=values["fiscal_base"],
                market_value=values["market_value"],
            )
        )
    # an unreadable or empty cell is not a zero: the rules skip it
    findings += [f for f in _problems(out, file, unreadable) if f.severity == "error"]
    if findings:
        findings.sort(key=lambda f: (f.row or 0, f.column or ""))
        raise ValidationError(
            f"{len(findings)} problem(s) in {file or 'the revenue streams'}", findings
        )
    if not out:
        validate(out, file)
    return out
