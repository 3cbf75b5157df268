"""The business-hours clock: elapsed business time and due moments.

For a calendar (:class:`~sdgcities.servicedesk.calendar.OfficeCalendar`) the working
windows from a first to a last date form a sorted list of intervals
``[s₀, e₀), [s₁, e₁), …`` in UTC seconds. The clock precomputes the cumulative
business seconds at every boundary, so that

- ``B(t)`` — the business seconds from the first window to ``t`` — is one binary
  search: ``B(t) = C(sₖ) + (t − sₖ)`` inside window k, ``C(eₖ)`` between windows;
- the business time between two moments is ``B(b) − B(a)``; a pause ``[p, q)``
  removes ``B(q) − B(p)`` of it (clipped to the span);
- the moment a target of ``H`` business seconds is reached after ``r`` is the
  inverse, ``B⁻¹(B(r) + H + paused)``, where ``paused`` is the business time of the
  pauses that start before that moment (found in one pass over the sorted pauses).

All of it works on NumPy arrays, so a compliance report over 100,000 requests is a
handful of vector operations. A pause without an end (a request still waiting) stops
the clock: its due moment is undefined (``None``) until the pause ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from sdgcities.servicedesk.calendar import OfficeCalendar

__all__ = ["BusinessClock", "Interval", "merge_intervals"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Interval:
    """A span of real time, ``end`` None while it is still open."""

    start: datetime
    end: datetime | None


def _ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; give an aware datetime")
    return moment.timestamp()


def merge_intervals(intervals: Sequence[Interval]) -> list[tuple[float, float]]:
    """Sorted, disjoint ``(start, end)`` UTC seconds; an open end becomes +∞."""
    spans = sorted((_ts(i.start), _ts(i.end) if i.end is not None else np.inf) for i in intervals)
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class BusinessClock:
    """Business seconds of one calendar, vectorised; grows its window table on demand.

    ``B(t)`` is counted from a fixed origin (the first window of the first table built),
    so values from before and after the table grows can be subtracted from each other.
    """

    def __init__(self, calendar: OfficeCalendar, first: date, last: date) -> None:
        self.calendar = calendar
        self.starts: FloatArray = np.empty(0)
        self.ends: FloatArray = np.empty(0)
        self.cum_start: FloatArray = np.empty(0)
        self.cum_end: FloatArray = np.empty(0)
        self._build(first, last)

    def _build(self, first: date, last: date) -> None:
        rows = [(s.timestamp(), e.timestamp()) for _, s, e in self.calendar.windows(first, last)]
        starts = np.array([r[0] for r in rows], dtype=np.float64)
        ends = np.array([r[1] for r in rows], dtype=np.float64)
        cum_start = np.concatenate(([0.0], np.cumsum(ends - starts)[:-1])) if rows else starts
        # keep B(t) stable across rebuilds: values handed out before stay comparable
        old = self.starts
        if len(old) and len(starts):
            k = int(np.searchsorted(starts, old[0]))
            if k < len(starts) and starts[k] == old[0]:
                cum_start = cum_start - (cum_start[k] - self.cum_start[0])
        self.first, self.last = first, last
        self.starts, self.ends = starts, ends
        self.cum_start = cum_start
        self.cum_end = self.cum_start + (ends - starts)

    def _cover(self, lo: float, hi: float) -> None:
        """Make sure the table covers ``[lo, hi]`` (UTC seconds) with a margin."""
        tz = self.calendar.zone
        first, last = self.first, self.last
        if np.isfinite(lo):
            lo_day = datetime.fromtimestamp(lo, tz).date() - timedelta(days=1)
            first = min(first, lo_day)
        if np.isfinite(hi):
            hi_day = datetime.fromtimestamp(hi, tz).date() + timedelta(days=1)
            last = max(last, hi_day)
        if (first, last) != (self.first, self.last):
            self._build(first, last)

    # ------------------------------------------------------------------ B(t)
    def cumulative(self, t: npt.ArrayLike) -> FloatArray:
        """``B(t)``: business seconds from the table's start to each ``t`` (UTC seconds)."""
        t = np.asarray(t, dtype=np.float64)
        finite = t[np.isfinite(t)]
        if finite.size:
            self._cover(float(finite.min()), float(finite.max()))
        k = np.searchsorted(self.starts, t, side="right") - 1
        kk = np.clip(k, 0, max(len(self.starts) - 1, 0))
        if not len(self.starts):
            return np.zeros_like(t)
        inside = np.minimum(t, self.ends[kk]) - self.starts[kk]
        out = np.where(k < 0, 0.0, self.cum_start[kk] + np.maximum(inside, 0.0))
        return np.where(np.isposinf(t), np.inf, out)

    def inverse(self, c: npt.ArrayLike) -> FloatArray:
        """``B⁻¹(c)``: the first moment at which ``c`` business seconds are reached."""
        c = np.asarray(c, dtype=np.float64)
        while (
            len(self.cum_end) == 0 or np.nanmax(np.where(np.isfinite(c), c, 0)) > self.cum_end[-1]
        ):
            span = max((self.last - self.first).days, 31)
            self._build(self.first, self.last + timedelta(days=span))
        k = np.searchsorted(self.cum_end, c, side="left")
        k = np.clip(k, 0, len(self.cum_end) - 1)
        out = self.starts[k] + (c - self.cum_start[k])
        return np.where(np.isfinite(c), out, np.inf)

    # ------------------------------------------------------------------ one request
    def elapsed(
        self, received: datetime, until: datetime, pauses: Sequence[Interval] = ()
    ) -> float:
        """Business seconds between ``received`` and ``until``, pauses left out."""
        r, u = _ts(received), _ts(until)
        if u <= r:
            return 0.0
        b = self.cumulative([r, u])
        total = float(b[1] - b[0])
        for a, z in merge_intervals(pauses):
            a, z = max(a, r), min(z, u)
            if z > a:
                pb = self.cumulative([a, z])
                total -= float(pb[1] - pb[0])
        return max(total, 0.0)

    def due(
        self, received: datetime, business_seconds: float, pauses: Sequence[Interval] = ()
    ) -> datetime | None:
        """The moment ``business_seconds`` of business time have run since ``received``.

        Pauses stop the clock; a pause still open before the due moment makes it
        undefined (``None``). The result is in the office's time zone.
        """
        if business_seconds < 0 or not np.isfinite(business_seconds):
            raise ValueError(f"a target of {business_seconds} business seconds cannot be met")
        r = _ts(received)
        target = float(self.cumulative([r])[0]) + business_seconds
        due = float(self.inverse([target])[0])
        for a, z in merge_intervals(pauses):
            if z <= r:
                continue
            a = max(a, r)
            if a >= due:
                break
            if not np.isfinite(z):
                return None
            pb = self.cumulative([a, z])
            target += float(pb[1] - pb[0])
            due = float(self.inverse([target])[0])
        return datetime.fromtimestamp(due, UTC).astimezone(self.calendar.zone)

    def per_day(
        self, start: datetime, end: datetime, pauses: Sequence[Interval] = ()
    ) -> dict[date, float]:
        """Business seconds counted on each local date between ``start`` and ``end``."""
        s, e = _ts(start), _ts(end)
        self._cover(s, e)
        merged = merge_intervals(pauses)
        out: dict[date, float] = {}
        tz = self.calendar.zone
        lo = int(np.searchsorted(self.ends, s, side="right"))
        for k in range(lo, len(self.starts)):
            a, z = max(self.starts[k], s), min(self.ends[k], e)
            if self.starts[k] >= e:
                break
            if z <= a:
                continue
            secs = z - a
            for pa, pz in merged:
                secs -= max(0.0, min(z, pz) - max(a, pa))
            day = datetime.fromtimestamp(self.starts[k], tz).date()
            if secs > 0:
                out[day] = out.get(day, 0.0) + secs
        return out

    # ------------------------------------------------------------------ many requests
    def elapsed_many(
        self,
        received: FloatArray,
        until: FloatArray,
        pause_owner: npt.NDArray[np.int64] | None = None,
        pause_start: FloatArray | None = None,
        pause_end: FloatArray | None = None,
    ) -> FloatArray:
        """Business seconds for many requests at once (UTC seconds in, seconds out).

        Pauses are rows ``(owner index, start, end)``, disjoint per owner; each is
        clipped to its owner's ``[received, until)``. ``until`` may be NaN (not yet):
        the result is NaN there.
        """
        received = np.asarray(received, dtype=np.float64)
        until = np.asarray(until, dtype=np.float64)
        u = np.where(np.isnan(until), received, until)
        out = self.cumulative(u) - self.cumulative(received)
        if pause_owner is not None and pause_start is not None and pause_end is not None:
            a = np.maximum(pause_start, received[pause_owner])
            z = np.minimum(pause_end, u[pause_owner])
            ok = z > a
            paused = np.zeros_like(out)
            if ok.any():
                pb = self.cumulative(z[ok]) - self.cumulative(a[ok])
                np.add.at(paused, pause_owner[ok], pb)
            out = out - paused
        return np.where(np.isnan(until), np.nan, np.maximum(out, 0.0))
