"""Service-level clocks of requests, computed from their event histories.

For each request three targets of its policy (the one in force when it arrived) are
judged, in business hours of the handling office's calendar, with the time spent in
pause states (:data:`~sdgcities.servicedesk.workflow.PAUSE_STATES`) left out:

- **first response** — from receipt to the first ``responded`` event;
- **next update** — every gap between two events that tell the requester something
  (``responded``, ``updated``, ``resolved``) after the first response, and, while the
  request is open, the gap since the last one; the worst gap is judged;
- **resolution** — from receipt to the final ``resolved`` (reopening restarts nothing:
  the clock runs on from receipt, pauses excluded).

Each target is ``met`` or ``breached`` once its event happened; before that it is
``running``, ``warning`` (elapsed ≥ ``warn_at`` × target), ``paused`` (in a pause
state now) or ``breached`` (elapsed > target). ``due`` is the moment the target falls
due, found by inverting the clock with the pauses that fall before it.

Everything is computed on arrays for many requests at once (one function for one
request or a hundred thousand), so clocks never drift from the history: they are
recomputed, never incremented.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sdgcities.servicedesk.clock import BusinessClock
from sdgcities.servicedesk.workflow import PAUSE_STATES, TOUCH_KINDS

__all__ = ["TARGETS", "compute_clocks"]

TARGETS = ("first_response", "next_update", "resolution")
_CLOSED = ("resolved", "closed")


def _pauses(events: pd.DataFrame) -> pd.DataFrame:
    """Pause intervals (request_id, start, end; end +inf while still paused)."""
    st = events.loc[events["to_status"].notna(), ["request_id", "at", "to_status"]]
    nxt = st.groupby("request_id", sort=False)["at"].shift(-1)
    mask = st["to_status"].isin(PAUSE_STATES).to_numpy()
    return pd.DataFrame(
        {
            "request_id": st["request_id"].to_numpy()[mask],
            "start": st["at"].to_numpy()[mask],
            "end": nxt.fillna(np.inf).to_numpy()[mask],
        }
    )


def _pairs(owner_req: np.ndarray, pause_req: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (owner row, pause row) with the same request; ``pause_req`` sorted."""
    lo = np.searchsorted(pause_req, owner_req, side="left")
    hi = np.searchsorted(pause_req, owner_req, side="right")
    counts = hi - lo
    o = np.repeat(np.arange(len(owner_req)), counts)
    if not o.size:
        return o, o
    first = np.repeat(lo, counts)
    offset = np.arange(o.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return o, first + offset


def _paused_business(
    clock: BusinessClock,
    pairs: tuple[np.ndarray, np.ndarray],
    start: np.ndarray,
    end: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Business seconds of pauses inside each owner span; whether an open pause cuts it."""
    paused = np.zeros(len(start))
    open_cut = np.zeros(len(start), dtype=bool)
    o, p = pairs
    if not o.size:
        return paused, open_cut
    a = np.maximum(p_start[p], start[o])
    z = np.minimum(p_end[p], end[o])
    ok = z > a
    if ok.any():
        pb = clock.cumulative(z[ok]) - clock.cumulative(a[ok])
        np.add.at(paused, o[ok], pb)
    is_open = np.isposinf(p_end[p]) & (p_start[p] < end[o])
    open_cut[o[is_open]] = True
    return paused, open_cut


def _spans(
    clock: BusinessClock,
    req: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    target_s: np.ndarray,
    now: float,
    pauses: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """Business seconds of spans (stop NaN: still running, counted to ``now``) and due."""
    p_req = pauses["request_id"].to_numpy()
    order = np.argsort(p_req, kind="stable")
    p_req = p_req[order]
    p_start = pauses["start"].to_numpy(dtype=np.float64)[order]
    p_end = pauses["end"].to_numpy(dtype=np.float64)[order]
    pairs = _pairs(np.asarray(req), p_req)
    until = np.where(np.isnan(stop), now, stop)
    until = np.maximum(until, start)
    paused, _ = _paused_business(clock, pairs, start, until, p_start, p_end)
    elapsed = np.maximum(clock.cumulative(until) - clock.cumulative(start) - paused, 0.0)
    # due: invert the clock, adding the pauses that begin before the estimate (a few rounds)
    base = clock.cumulative(start)
    due = clock.inverse(base + target_s)
    stopped = np.zeros(len(start), dtype=bool)
    for _ in range(8):
        pb, cut = _paused_business(clock, pairs, start, due, p_start, p_end)
        stopped |= cut
        new_due = clock.inverse(base + target_s + pb)
        if np.allclose(new_due, due):
            break
        due = new_due
    return elapsed, np.where(stopped, np.nan, due)


def compute_clocks(
    requests: pd.DataFrame,
    events: pd.DataFrame,
    clocks: Mapping[int, BusinessClock],
    *,
    now: float,
) -> pd.DataFrame:
    """The state of every target of every request.

    ``requests``: ``id, office_id, received`` (UTC seconds), ``first_response_hours``,
    ``next_update_hours`` (NaN: no such target), ``resolution_hours``, ``warn_at``.
    ``events``: ``request_id, at`` (UTC seconds), ``kind, to_status`` (None when the
    event keeps the state), in the order they happened. ``clocks``: one per office.
    Returns ``request_id, target, target_hours, elapsed_hours, state, due`` (UTC
    seconds, NaN when the clock is stopped by an open pause).
    """
    ev = events.sort_values(["request_id", "at"], kind="stable")
    pauses_all = _pauses(ev)
    status = ev.loc[ev["to_status"].notna()].groupby("request_id")["to_status"].last()
    first = ev.loc[ev["kind"] == "responded"].groupby("request_id")["at"].min()
    last_resolved = ev.loc[ev["kind"] == "resolved"].groupby("request_id")["at"].max()
    touches = ev.loc[ev["kind"].isin(TOUCH_KINDS), ["request_id", "at"]]

    out: list[pd.DataFrame] = []
    for office_id, reqs in requests.groupby("office_id", sort=False):
        clock = clocks[int(office_id)]  # type: ignore[arg-type]
        ids = reqs["id"].to_numpy()
        received = reqs["received"].to_numpy(dtype=np.float64)
        st_now = status.reindex(ids).fillna("new").to_numpy()
        is_closed = np.isin(st_now, _CLOSED)
        paused_now = np.isin(st_now, list(PAUSE_STATES))
        pauses = pauses_all[pauses_all["request_id"].isin(ids)]
        warn = reqs["warn_at"].to_numpy(dtype=np.float64)

        def judge(
            target: str,
            req: np.ndarray,
            elapsed: np.ndarray,
            due: np.ndarray,
            done: np.ndarray,
            target_h: np.ndarray,
            paused: np.ndarray,
            warn_at: np.ndarray,
        ) -> pd.DataFrame:
            t = target_h * 3600.0
            state = np.where(
                done,
                np.where(elapsed <= t + 1e-6, "met", "breached"),
                np.where(
                    elapsed > t + 1e-6,
                    "breached",
                    np.where(
                        paused, "paused", np.where(elapsed >= warn_at * t, "warning", "running")
                    ),
                ),
            )
            return pd.DataFrame(
                {
                    "request_id": req,
                    "target": target,
                    "target_hours": target_h,
                    "elapsed_hours": elapsed / 3600.0,
                    "state": state,
                    "due": due,
                }
            )

        # first response
        fr_at = first.reindex(ids).to_numpy(dtype=np.float64)
        fr_h = reqs["first_response_hours"].to_numpy(dtype=np.float64)
        # a request resolved without any response: its resolution answers it
        res_at = np.where(is_closed, last_resolved.reindex(ids).to_numpy(dtype=np.float64), np.nan)
        fr_stop = np.where(np.isnan(fr_at), res_at, fr_at)
        el, due = _spans(clock, ids, received, fr_stop, fr_h * 3600.0, now, pauses)
        out.append(
            judge(
                "first_response",
                ids,
                el,
                due,
                ~np.isnan(fr_stop),
                fr_h,
                paused_now & np.isnan(fr_stop),
                warn,
            )
        )
        # resolution
        rs_h = reqs["resolution_hours"].to_numpy(dtype=np.float64)
        el, due = _spans(clock, ids, received, res_at, rs_h * 3600.0, now, pauses)
        out.append(
            judge("resolution", ids, el, due, is_closed, rs_h, paused_now & ~is_closed, warn)
        )
        # next update: the worst gap between touches after the first response
        nu_h = reqs["next_update_hours"].to_numpy(dtype=np.float64)
        has_nu = ~np.isnan(nu_h) & ~np.isnan(fr_at)
        if has_nu.any():
            sel = ids[has_nu]
            tt = touches[touches["request_id"].isin(sel)]
            tt = tt.merge(pd.DataFrame({"request_id": ids, "fr": fr_at}), on="request_id")
            tt = tt[tt["at"] >= tt["fr"]]
            g_start = tt.groupby("request_id")["at"].shift(0).to_numpy()
            g_stop = tt.groupby("request_id")["at"].shift(-1).to_numpy()
            g_req = tt["request_id"].to_numpy()
            # the last gap of a closed request ends with its resolution: drop it
            pos = pd.Series(np.arange(len(ids)), index=ids)
            g_idx = pos.reindex(g_req).to_numpy()
            drop = np.isnan(g_stop) & is_closed[g_idx]
            g_start, g_stop, g_req, g_idx = (
                g_start[~drop],
                g_stop[~drop],
                g_req[~drop],
                g_idx[~drop],
            )
            g_target = nu_h[g_idx] * 3600.0
            el, due = _spans(clock, g_req, g_start, g_stop, g_target, now, pauses)
            gaps = pd.DataFrame(
                {"request_id": g_req, "elapsed": el, "due": due, "running": np.isnan(g_stop)}
            )
            worst = (
                gaps.sort_values("elapsed").groupby("request_id").tail(1).set_index("request_id")
            )
            running = gaps[gaps["running"]].set_index("request_id")
            w = worst.reindex(sel)
            r_due = running["due"].reindex(sel).to_numpy()
            done = ~running["running"].reindex(sel).fillna(False).to_numpy(dtype=bool)
            sel_idx = pos.reindex(sel).to_numpy()
            out.append(
                judge(
                    "next_update",
                    sel,
                    w["elapsed"].fillna(0.0).to_numpy(),
                    np.where(done, w["due"].to_numpy(), r_due),
                    done,
                    nu_h[sel_idx],
                    paused_now[sel_idx] & ~done,
                    warn[sel_idx],
                )
            )
    if not out:
        return pd.DataFrame(
            columns=["request_id", "target", "target_hours", "elapsed_hours", "state", "due"]
        )
    return pd.concat(out, ignore_index=True)
