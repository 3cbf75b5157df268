"""The ROSRA split: a hand-computed case, the identity, an independent area model, findings."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from sdgcities.errors import ValidationError
from sdgcities.revenue.rosra import (
    PARTS,
    StreamInput,
    analyse,
    prioritise,
    split_stream,
    streams_from_rows,
)

PROPERTY = StreamInput(
    "property tax", 1000, 800, 600, 50, 80, billed=40_000, collected=30_000,
    fiscal_base=2_000_000, market_value=4_000_000,
)  # fmt: skip
LICENCES = StreamInput("business licences", 500, 450, 300, 20, 20, billed=9_000, collected=6_000)


def test_hand_computed_property_tax() -> None:
    # E = 1000 estimated, R = 800 registered, C = 600 compliant, a = 50, A = 80.
    # potential              = 1000 × 80        = 80 000
    # actual                 = 600 × 50         = 30 000
    # compliance gap         = (800 − 600) × 50 = 10 000
    # coverage gap           = (1000 − 800) × 50 = 10 000
    # valuation gap          = 600 × (80 − 50)  = 18 000
    # mixed gap unregistered = 200 × 30         =  6 000
    # mixed gap registered   = 200 × 30         =  6 000
    # sum: 30 + 10 + 10 + 18 + 6 + 6 = 80 thousand = potential.
    # collection 30 000 / 40 000 = 0.75; coverage 800 / 1000 = 0.8; valuation 2M / 4M = 0.5
    s = split_stream(PROPERTY)
    assert (s.potential, s.actual, s.compliance_gap, s.coverage_gap) == (80e3, 30e3, 10e3, 10e3)
    assert (s.valuation_gap, s.mixed_gap_unregistered, s.mixed_gap_registered) == (18e3, 6e3, 6e3)
    assert s.recoverable == 50_000
    assert (s.collection_ratio, s.coverage_ratio, s.valuation_ratio) == (0.75, 0.8, 0.5)


def test_totals_and_priorities() -> None:
    # licences: potential 500 × 20 = 10 000; actual 300 × 20 = 6 000; compliance 150 × 20 =
    # 3 000; coverage 50 × 20 = 1 000; no valuation gaps (A = a). Recoverable 4 000.
    # total collection (30 000 + 6 000) / (40 000 + 9 000) = 36/49; coverage 1250 / 1500;
    # valuation only from property tax: 0.5
    d = analyse([LICENCES, PROPERTY])
    assert d.total.potential == 90_000
    assert d.total.actual == 36_000
    assert d.total.collection_ratio == pytest.approx(36 / 49)
    assert d.total.coverage_ratio == pytest.approx(1250 / 1500)
    assert d.total.valuation_ratio == 0.5
    assert [s.stream for s in d.priorities()] == ["property tax", "business licences"]
    out = d.as_dict()
    lic = out["streams"][0]  # type: ignore[index]
    assert "valuation_ratio" not in lic  # no inputs: no KPI, never NaN or null
    assert lic["collection_ratio"] == pytest.approx(6 / 9)


def test_kpis_only_with_inputs() -> None:
    s = split_stream(StreamInput("user charges", 10, 5, 5, 1, 1))
    assert s.collection_ratio is None
    assert s.valuation_ratio is None
    assert set(s.as_dict()) >= {"potential", *PARTS}
    assert "collection_ratio" not in s.as_dict()
    zero = split_stream(StreamInput("others", 0, 0, 0, 1, 1, billed=0, collected=0))
    assert zero.coverage_ratio is None
    assert zero.collection_ratio is None


def _area_model(s: StreamInput) -> dict[str, float]:
    """Independent reference: ROSRA's gap matrix drawn as rectangles and measured by shapely.

    x axis = payers (compliant | registered non-compliant | unregistered), y axis = bill
    (average | uplift to achievable). Each gap is the area of one cell of the E × A box.
    """
    c, r, e, a, ach = s.compliant, s.registered, s.estimated, s.average_bill, s.achievable_bill
    cells = {
        "actual": box(0, 0, c, a),
        "compliance_gap": box(c, 0, r, a),
        "coverage_gap": box(r, 0, e, a),
        "valuation_gap": box(0, a, c, ach),
        "mixed_gap_registered": box(c, a, r, ach),
        "mixed_gap_unregistered": box(r, a, e, ach),
    }
    out = {k: g.area for k, g in cells.items()}
    out["potential"] = box(0, 0, e, ach).area
    return out


payers = st.integers(min_value=0, max_value=2_000_000)
bills = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def streams(draw: st.DrawFn) -> StreamInput:
    e = draw(payers)
    r = draw(st.integers(0, e))
    c = draw(st.integers(0, r))
    a = draw(bills)
    ach = draw(st.floats(min_value=a, max_value=a + 1e6, allow_nan=False))
    return StreamInput("s", e, r, c, a, ach)


@given(streams())
def test_parts_sum_to_potential(s: StreamInput) -> None:
    x = split_stream(s)
    assert math.fsum(getattr(x, p) for p in PARTS) == pytest.approx(x.potential, rel=1e-9, abs=1e-6)
    assert x.recoverable == pytest.approx(x.potential - x.actual, rel=1e-9, abs=1e-6)


@given(streams())
def test_matches_the_area_model(s: StreamInput) -> None:
    x = split_stream(s)
    ref = _area_model(s)
    for key, value in ref.items():
        assert getattr(x, key) == pytest.approx(value, rel=1e-9, abs=1e-6), key


def test_achievable_below_average_is_a_warning_and_still_sums() -> None:
    s = StreamInput("property tax", 100, 100, 50, 10, 8)
    d = analyse([s])
    assert d.streams[0].valuation_gap == -100  # 50 × (8 − 10)
    assert math.fsum(getattr(d.streams[0], p) for p in PARTS) == d.streams[0].potential == 800
    assert any(w.column == "achievable_bill" for w in d.warnings)


def test_every_finding_by_row_and_column() -> None:
    rows = [
        {"stream": "property tax", "estimated": "1,000", "registered": "800",
         "compliant": "900", "average_bill": "50", "achievable_bill": "80"},
        {"stream": "property tax", "estimated": "10", "registered": "-5",
         "compliant": "x", "average_bill": "", "achievable_bill": "1"},
        {"stream": "user charges", "estimated": "10", "registered": "20",
         "compliant": "1", "average_bill": "1", "achievable_bill": "1", "billed": "-1"},
    ]  # fmt: skip
    with pytest.raises(ValidationError) as err:
        streams_from_rows(rows, "s.csv")
    got = {(f.row, f.column) for f in err.value.findings}
    assert got == {
        (2, "compliant"),  # more compliant than registered
        (3, "stream"),  # listed twice
        (3, "registered"),  # negative
        (3, "compliant"),  # not a number
        (3, "average_bill"),  # empty
        (4, "registered"),  # more registered than estimated
        (4, "billed"),  # negative
    }
    assert all(f.file == "s.csv" and f.fix for f in err.value.findings)
    assert "more compliant than registered" in str(err.value)


def test_no_streams() -> None:
    with pytest.raises(ValidationError, match="no revenue streams"):
        streams_from_rows([], "empty.csv")


def test_prioritise_ties_by_name() -> None:
    a = split_stream(StreamInput("b", 10, 5, 5, 1, 1))
    b = split_stream(StreamInput("a", 10, 5, 5, 1, 1))
    assert [s.stream for s in prioritise([a, b])] == ["a", "b"]
