"""An office's working calendar for business-hours clocks.

A calendar is the handling office's **time zone** (IANA name), its **weekly hours**
(several windows a day, e.g. ``Mon-Fri 08:00-12:30,13:30-17:00; Sat 09:00-12:00``),
the **public holidays** of its country (from the `holidays` package, optionally a
subdivision) and its own **closures** (dates). Elapsed time on a request's clock
counts only inside the windows, in local time, outside holidays and closures
(DESIGN.md, "Business-hours clocks"). Windows are wall-clock times: on a day when
daylight-saving time starts or ends, a window 08:00–17:00 lasts what the clock on the
office wall says it lasts (8 or 10 real hours only when the change falls inside it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sdgcities.servicedesk.errors import CalendarError, finding

__all__ = ["WEEKDAYS", "OfficeCalendar", "Window", "format_hours", "parse_hours"]

#: weekday names as written in an hours specification, Monday first
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY = {d.lower(): i for i, d in enumerate(WEEKDAYS)}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, order=True)
class Window:
    """A working window of a day, in minutes after local midnight (``end`` ≤ 1440)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str, spec: str) -> int:
    m = _TIME.match(text.strip())
    if not m or int(m.group(2)) > 59 or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
        raise CalendarError(
            f"hours {spec!r}: {text!r} is not a time",
            [
                finding(
                    f"{text!r} is not a time of day",
                    "write times as HH:MM, 00:00 to 24:00",
                    column="hours",
                    value=text,
                )
            ],
        )
    return int(m.group(1)) * 60 + int(m.group(2))


def _days(text: str, spec: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        ends = [p.strip().lower()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in _DAY for e in ends):
            raise CalendarError(
                f"hours {spec!r}: {part.strip()!r} is not a day or a range of days",
                [
                    finding(
                        f"unknown day {part.strip()!r}",
                        f"use {', '.join(WEEKDAYS)} or a range such as Mon-Fri",
                        column="hours",
                        value=part.strip(),
                    )
                ],
            )
        a, b = _DAY[ends[0]], _DAY[ends[-1]]
        out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return out


def parse_hours(spec: str) -> tuple[tuple[Window, ...], ...]:
    """Weekly hours from ``"Mon-Fri 08:00-12:30,13:30-17:00; Sat 09:00-12:00"``.

    Groups are separated by ``;`` (or a new line); each is days then windows. Returns
    seven tuples of windows, Monday first. Overlapping windows, windows that end before
    they start and unknown days are refused with the day and windows named.

    >>> parse_hours("Mon-Fri 08:00-12:30,13:30-17:00")[0]
    (Window(start=480, end=750), Window(start=810, end=1020))
    """
    week: list[list[Window]] = [[] for _ in WEEKDAYS]
    groups = [g.strip() for g in re.split(r"[;\n]", spec) if g.strip()]
    if not groups:
        raise CalendarError(
            "the hours are empty",
            [finding("no working hours given", 'write e.g. "Mon-Fri 08:00-17:00"', column="hours")],
        )
    for group in groups:
        parts = group.split(None, 1)
        if len(parts) != 2:
            raise CalendarError(
                f"hours {group!r}: days and windows are needed",
                [
                    finding(
                        f"{group!r} has no windows",
                        'write e.g. "Mon-Fri 08:00-17:00"',
                        column="hours",
                        value=group,
                    )
                ],
            )
        days = _days(parts[0], spec)
        for rng in parts[1].split(","):
            bounds = rng.strip().split("-")
            if len(bounds) != 2:
                raise CalendarError(
                    f"hours {group!r}: {rng.strip()!r} is not a window",
                    [
                        finding(
                            f"{rng.strip()!r} is not HH:MM-HH:MM",
                            "write e.g. 08:00-12:30",
                            column="hours",
                            value=rng.strip(),
                        )
                    ],
                )
            w = Window(_minutes(bounds[0], spec), _minutes(bounds[1], spec))
            if w.end <= w.start:
                raise CalendarError(
                    f"hours {group!r}: the window {w} ends before it starts",
                    [
                        finding(
                            f"window {w} ends before it starts",
                            "a window cannot cross midnight: split it into two days",
                            column="hours",
                            value=str(w),
                        )
                    ],
                )
            for d in days:
                week[d].append(w)
    findings = []
    for d, windows in enumerate(week):
        windows.sort()
        for a, b in pairwise(windows):
            if b.start < a.end:
                findings.append(
                    finding(
                        f"{WEEKDAYS[d]}: windows {a} and {b} overlap",
                        "give each day's windows once, without overlaps",
                        column="hours",
                        value=f"{a},{b}",
                    )
                )
    if findings:
        raise CalendarError(f"the hours {spec!r} have overlapping windows", findings)
    return tuple(tuple(w) for w in week)


def format_hours(week: tuple[tuple[Window, ...], ...]) -> str:
    """The specification :func:`parse_hours` reads back (days with equal windows grouped)."""
    out: list[str] = []
    d = 0
    while d < 7:
        if not week[d]:
            d += 1
            continue
        e = d
        while e + 1 < 7 and week[e + 1] == week[d]:
            e += 1
        days = WEEKDAYS[d] if d == e else f"{WEEKDAYS[d]}-{WEEKDAYS[e]}"
        out.append(f"{days} {','.join(str(w) for w in week[d])}")
        d = e + 1
    return "; ".join(out)


def _zone(name: str) -> ZoneInfo:
    try:
        if name not in available_timezones() and name != "UTC":
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise CalendarError(
            f"unknown time zone {name!r}",
            [
                finding(
                    f"{name!r} is not an IANA time zone",
                    "use a name such as Africa/Nairobi or America/Sao_Paulo",
                    column="timezone",
                    value=name,
                )
            ],
        ) from err


@dataclass(frozen=True)
class OfficeCalendar:
    """The working calendar of an office that handles requests.

    ``hours`` holds seven tuples of :class:`Window`, Monday first (see
    :func:`parse_hours`); ``country`` is an ISO 3166 alpha-2 (or alpha-3) code whose
    public holidays the `holidays` package knows, ``subdivision`` optional;
    ``closures`` are the office's own closed dates.
    """

    timezone: str
    hours: tuple[tuple[Window, ...], ...]
    country: str | None = None
    subdivision: str | None = None
    closures: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_spec(
        cls,
        *,
        timezone: str,
        hours: str,
        country: str | None = None,
        subdivision: str | None = None,
        closures: Iterable[date] = (),
    ) -> OfficeCalendar:
        """A calendar from an hours specification (validated)."""
        return cls(timezone, parse_hours(hours), country, subdivision, frozenset(closures))

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if len(self.hours) != 7:
            raise CalendarError("the hours must give seven days, Monday first")
        if not any(self.hours):
            raise CalendarError(
                "the office has no working hours",
                [
                    finding(
                        "every day is closed",
                        'give hours such as "Mon-Fri 08:00-17:00"',
                        column="hours",
                    )
                ],
            )
        if self.country is not None:
            self._holiday_table(date.today().year)

    @cached_property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def _holiday_table(self, year: int) -> dict[date, str]:
        import holidays

        assert self.country is not None
        try:
            table = holidays.country_holidays(self.country, subdiv=self.subdivision, years=year)
        except NotImplementedError as err:
            raise CalendarError(
                f"no public holidays known for country {self.country!r}",
                [
                    finding(
                        f"the holidays package has no country {self.country!r}",
                        "use an ISO 3166 code such as KE, BR or ES (or leave the country out "
                        "and list the holidays as closures)",
                        column="country",
                        value=self.country,
                    )
                ],
            ) from err
        except Exception as err:  # unknown subdivision
            raise CalendarError(
                f"public holidays of {self.country!r}: {err}",
                [
                    finding(
                        str(err),
                        "check the subdivision code",
                        column="subdivision",
                        value=self.subdivision or "",
                    )
                ],
            ) from err
        return dict(table)

    def holidays(self, years: Iterable[int]) -> dict[date, str]:
        """The public holidays of the office's country in ``years`` (date → name)."""
        if self.country is None:
            return {}
        out: dict[date, str] = {}
        for y in years:
            out.update(self._holiday_table(y))
        return out

    def is_working_day(self, day: date, holidays: dict[date, str] | None = None) -> bool:
        table = holidays if holidays is not None else self.holidays([day.year])
        return bool(self.hours[day.weekday()]) and day not in table and day not in self.closures

    def local(self, day: date, minutes: int) -> datetime:
        """The aware moment ``minutes`` after local midnight of ``day`` (24:00 = next day)."""
        day = day + timedelta(days=minutes // 1440)
        minutes %= 1440
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)

    def windows(self, first: date, last: date) -> Iterator[tuple[date, datetime, datetime]]:
        """Every working window from ``first`` to ``last`` (local dates, inclusive)."""
        table = self.holidays(range(first.year, last.year + 1))
        day = first
        while day <= last:
            if day not in table and day not in self.closures:
                for w in self.hours[day.weekday()]:
                    yield day, self.local(day, w.start), self.local(day, w.end)
            day += timedelta(days=1)
