"""Business-hours clocks: hand-computed cases, a brute-force reference, properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdgcities.servicedesk.calendar import OfficeCalendar, format_hours, parse_hours
from sdgcities.servicedesk.clock import BusinessClock, Interval
from sdgcities.servicedesk.errors import CalendarError

NBO = ZoneInfo("Africa/Nairobi")
MAD = ZoneInfo("Europe/Madrid")
HOURS = "Mon-Fri 08:00-12:30,13:30-17:00"
H = 3600.0


def clock(
    tz: str = "Africa/Nairobi",
    hours: str = HOURS,
    country: str | None = "KE",
    closures: tuple[date, ...] = (),
) -> BusinessClock:
    cal = OfficeCalendar.from_spec(timezone=tz, hours=hours, country=country, closures=closures)
    return BusinessClock(cal, date(2026, 1, 1), date(2026, 12, 31))


def test_hours_parse_and_round_trip() -> None:
    week = parse_hours("Mon-Fri 08:00-12:30,13:30-17:00; Sat 09:00-12:00")
    assert [len(d) for d in week] == [2, 2, 2, 2, 2, 1, 0]
    assert format_hours(week) == "Mon-Fri 08:00-12:30,13:30-17:00; Sat 09:00-12:00"
    assert parse_hours(format_hours(week)) == week
    assert parse_hours("Fri-Mon 10:00-11:00")[6] == parse_hours("Sun 10:00-11:00")[6]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("Mon-Fri 08:00-13:00,12:00-17:00", "overlap"),
        ("Mon 08:00-12:00; Mon 11:00-13:00", "overlap"),
        ("Mon-Fry 08:00-17:00", "Fry"),
        ("Mon 17:00-08:00", "ends before it starts"),
        ("Mon 8h-17h", "not a time"),
        ("", "empty"),
    ],
)
def test_bad_hours_are_refused_with_the_reason(spec: str, needle: str) -> None:
    with pytest.raises(CalendarError) as err:
        parse_hours(spec)
    text = str(err.value) + " ".join(str(f) for f in err.value.findings)
    assert needle in text


def test_unknown_time_zone_and_country() -> None:
    with pytest.raises(CalendarError, match="unknown time zone 'Africa/Narnia'"):
        OfficeCalendar.from_spec(timezone="Africa/Narnia", hours=HOURS)
    with pytest.raises(CalendarError, match="no public holidays known for country 'XX'"):
        OfficeCalendar.from_spec(timezone="UTC", hours=HOURS, country="XX")


def test_weekend_is_skipped() -> None:
    # Friday 4 December 2026, 16:00 in Nairobi; 4 business hours: 1 on Friday, 3 on Monday
    due = clock().due(datetime(2026, 12, 4, 16, 0, tzinfo=NBO), 4 * H)
    assert due == datetime(2026, 12, 7, 11, 0, tzinfo=NBO)
    assert due is not None
    assert due.isoformat() == "2026-12-07T11:00:00+03:00"


def test_lunch_break_is_not_counted() -> None:
    due = clock().due(datetime(2026, 12, 1, 12, 0, tzinfo=NBO), 1 * H)
    assert due == datetime(2026, 12, 1, 14, 0, tzinfo=NBO)  # 12:00–12:30 + 13:30–14:00


def test_received_outside_hours_starts_at_the_next_window() -> None:
    sat = datetime(2026, 12, 5, 10, 0, tzinfo=NBO)
    assert clock().due(sat, 2 * H) == datetime(2026, 12, 7, 10, 0, tzinfo=NBO)
    night = datetime(2026, 12, 1, 22, 30, tzinfo=NBO)
    assert clock().due(night, 0.5 * H) == datetime(2026, 12, 2, 8, 30, tzinfo=NBO)


def test_public_holidays_of_the_country() -> None:
    # Thursday 24 Dec 16:00; Christmas (Fri 25) is a Kenyan public holiday, 26 is a Saturday
    due = clock().due(datetime(2026, 12, 24, 16, 0, tzinfo=NBO), 2 * H)
    assert due == datetime(2026, 12, 28, 9, 0, tzinfo=NBO)
    # without a country the 25th is a working day
    assert clock(country=None).due(datetime(2026, 12, 24, 16, 0, tzinfo=NBO), 2 * H) == (
        datetime(2026, 12, 25, 9, 0, tzinfo=NBO)
    )


def test_office_closures() -> None:
    c = clock(closures=(date(2026, 12, 2),))
    due = c.due(datetime(2026, 12, 1, 16, 0, tzinfo=NBO), 2 * H)
    assert due == datetime(2026, 12, 3, 9, 0, tzinfo=NBO)


def test_daylight_saving_change_over_a_weekend() -> None:
    # Madrid leaves summer time on Sunday 25 October 2026 (02:00 CET+1 → CET)
    c = clock("Europe/Madrid", "Mon-Fri 08:00-17:00", "ES")
    due = c.due(datetime(2026, 10, 23, 16, 0, tzinfo=MAD), 2 * H)
    assert due is not None
    assert due.isoformat() == "2026-10-26T09:00:00+01:00"
    assert due.utcoffset() == timedelta(hours=1)


def test_daylight_saving_change_inside_a_window_counts_real_time() -> None:
    # a 00:00–24:00 Sunday window lasts 25 real hours on 25 October 2026 in Madrid
    c = clock("Europe/Madrid", "Sun 00:00-24:00", None)
    start = datetime(2026, 10, 25, 0, 0, tzinfo=MAD)
    end = datetime(2026, 10, 26, 0, 0, tzinfo=MAD)
    assert c.elapsed(start, end) == 25 * H
    assert c.per_day(start, end) == {date(2026, 10, 25): 25 * H}
    spring = datetime(2026, 3, 29, 0, 0, tzinfo=MAD)  # summer time starts: 23 hours
    assert c.elapsed(spring, spring + timedelta(days=1)) == 23 * H


def test_pause_across_midnight_stops_the_clock() -> None:
    c = clock("Europe/Madrid", "Mon-Fri 08:00-17:00", "ES")
    received = datetime(2026, 11, 2, 9, 0, tzinfo=MAD)  # Monday
    pause = Interval(
        datetime(2026, 11, 2, 16, 0, tzinfo=MAD), datetime(2026, 11, 3, 10, 0, tzinfo=MAD)
    )
    # 7 h on Monday before the pause; the pause ends Tuesday 10:00; 1 h more
    assert c.due(received, 8 * H, [pause]) == datetime(2026, 11, 3, 11, 0, tzinfo=MAD)
    assert c.due(received, 8 * H) == datetime(2026, 11, 2, 17, 0, tzinfo=MAD)  # end of day
    end = datetime(2026, 11, 3, 11, 0, tzinfo=MAD)
    assert c.elapsed(received, end, [pause]) == 8 * H
    assert c.per_day(received, end, [pause]) == {date(2026, 11, 2): 7 * H, date(2026, 11, 3): H}
    # a pause that has not ended yet: no due moment
    open_pause = Interval(datetime(2026, 11, 2, 10, 0, tzinfo=MAD), None)
    assert c.due(received, 8 * H, [open_pause]) is None
    # a pause after the due moment changes nothing
    late = Interval(
        datetime(2026, 11, 4, 9, 0, tzinfo=MAD), datetime(2026, 11, 5, 9, 0, tzinfo=MAD)
    )
    assert c.due(received, 2 * H, [late]) == datetime(2026, 11, 2, 11, 0, tzinfo=MAD)


def test_targets_far_ahead_extend_the_table() -> None:
    c = clock()
    due = c.due(datetime(2026, 12, 30, 9, 0, tzinfo=NBO), 40 * H)  # past the table's end
    assert due is not None
    assert due.year == 2027
    assert c.elapsed(datetime(2026, 12, 30, 9, 0, tzinfo=NBO), due) == pytest.approx(40 * H)


# ---------------------------------------------------------------------- a reference
def brute_force(
    cal: OfficeCalendar, start: datetime, end: datetime, pauses: list[Interval]
) -> float:
    """Business seconds counted minute by minute in local time — an independent method."""
    hol = cal.holidays(range(start.year - 1, end.year + 2))
    t = start.astimezone(UTC).replace(second=0, microsecond=0)
    total = 0
    while t < end:
        local = t.astimezone(cal.zone)
        minute = local.hour * 60 + local.minute
        day = local.date()
        working = (
            day not in hol
            and day not in cal.closures
            and any(w.start <= minute < w.end for w in cal.hours[day.weekday()])
        )
        paused = any(p.start <= t and (p.end is None or t < p.end) for p in pauses)
        if working and not paused:
            total += 60
        t += timedelta(minutes=1)
    return float(total)


minutes = st.integers(min_value=0, max_value=60 * 24 * 9).map(lambda m: m - m % 15)


@settings(max_examples=40, deadline=None)
@given(start=minutes, length=minutes, p0=minutes, plen=st.integers(0, 60 * 30))
def test_elapsed_agrees_with_a_minute_by_minute_count(
    start: int, length: int, p0: int, plen: int
) -> None:
    cal = OfficeCalendar.from_spec(
        timezone="Europe/Madrid",
        hours="Mon-Fri 08:00-12:30,13:30-17:00; Sat 09:00-12:00",
        country="ES",
        closures=[date(2026, 10, 28)],
    )
    base = datetime(2026, 10, 20, 0, 0, tzinfo=MAD)  # spans the October DST change
    a = base + timedelta(minutes=start)
    b = a + timedelta(minutes=length)
    pause = Interval(base + timedelta(minutes=p0), base + timedelta(minutes=p0 + plen))
    c = BusinessClock(cal, date(2026, 10, 1), date(2026, 11, 30))
    assert c.elapsed(a, b, [pause]) == brute_force(cal, a, b, [pause])


@settings(max_examples=60, deadline=None)
@given(start=minutes, hours=st.integers(1, 80), p0=minutes, plen=st.integers(0, 60 * 30))
def test_due_is_the_inverse_of_elapsed(start: int, hours: int, p0: int, plen: int) -> None:
    c = clock("Europe/Madrid", "Mon-Fri 08:00-12:30,13:30-17:00", "ES")
    base = datetime(2026, 10, 20, 0, 0, tzinfo=MAD)
    r = base + timedelta(minutes=start)
    pause = Interval(base + timedelta(minutes=p0), base + timedelta(minutes=p0 + plen))
    due = c.due(r, hours * H, [pause])
    assert due is not None
    assert c.elapsed(r, due, [pause]) == pytest.approx(hours * H)
    # the clock was running at the due moment (not in a pause or a closed hour)
    assert c.elapsed(r, due - timedelta(seconds=1), [pause]) == pytest.approx(hours * H - 1)


def test_vectorised_elapsed_matches_one_by_one() -> None:
    c = clock("Europe/Madrid", HOURS, "ES")
    rng = np.random.default_rng(7)
    base = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    rec = base + rng.uniform(0, 200 * 86400, 500)
    until = rec + rng.uniform(0, 20 * 86400, 500)
    until[::50] = np.nan
    owner = np.arange(0, 500, 3, dtype=np.int64)
    ps = rec[owner] + rng.uniform(0, 5 * 86400, owner.size)
    pe = ps + rng.uniform(0, 3 * 86400, owner.size)
    many = c.elapsed_many(rec, until, owner, ps, pe)
    for i in range(0, 500, 17):
        pauses = [
            Interval(datetime.fromtimestamp(ps[j], UTC), datetime.fromtimestamp(pe[j], UTC))
            for j in np.flatnonzero(owner == i)
        ]
        if np.isnan(until[i]):
            assert np.isnan(many[i])
            continue
        one = c.elapsed(
            datetime.fromtimestamp(rec[i], UTC), datetime.fromtimestamp(until[i], UTC), pauses
        )
        assert many[i] == pytest.approx(one, abs=1e-3)


def test_values_stay_comparable_when_the_table_grows_both_ways() -> None:
    cal = OfficeCalendar.from_spec(timezone="Africa/Nairobi", hours=HOURS, country="KE")
    c = BusinessClock(cal, date(2026, 6, 1), date(2026, 6, 1))
    late = datetime(2026, 12, 7, 10, 0, tzinfo=NBO).timestamp()
    early = datetime(2026, 12, 4, 16, 0, tzinfo=NBO).timestamp()
    b_late = float(c.cumulative([late])[0])  # grows forward
    b_early = float(c.cumulative([early])[0])
    assert b_late - b_early == 3 * H
    c.cumulative([datetime(2025, 12, 1, tzinfo=NBO).timestamp()])  # grows backward
    assert float(c.cumulative([late])[0]) == b_late
    assert float(c.cumulative([early])[0]) == b_early
