"""Matching pipeline projects to investors and investment windows.

Every (project, counterpart) pair first passes **hard eligibility filters**, in this
order (a pair that fails one is left out; :func:`why_not` says which and why):

=============  ======================================================================
filter         passes when
=============  ======================================================================
deadline       the window's deadline is not passed (no deadline: open)
country        the project's country is among the window's eligible countries (ISO3;
               none listed: not restricted)
instrument     the project's instruments (its tranches' kinds; no tranches: any) and the
               counterpart's (none listed: any) overlap
ticket         the counterpart's ticket range contains the project's *financing gap for
               it* (the sum of the project's tranches in the instruments it offers) or
               the project's budget; a window's range is 0 … its amount (no amount: any).
               Amounts in different currencies are compared through ``fx`` (units of
               one reference currency per unit); without a rate for both, the pair fails
stage          the project's stage is among the investor's preferred stages (none: any)
=============  ======================================================================

then a **weighted score**, ``score = Σ wᶠ · factorᶠ / Σ wᶠ`` (0–1), every factor kept:

=========  =======  ===================================================================
factor     weight   value
=========  =======  ===================================================================
sdg        0.35     Jaccard index on SDG targets, ``|P ∩ C| / |P ∪ C|``; a goal in the
                    counterpart's focus stands for all its targets; no focus: 0
region     0.15     investor: 1 when the project's SDG region is among its regions, 0.5
                    when it names none, else 0; window: 1 when the project's country is
                    listed, 0.5 when the window is not restricted
ticket     0.20     ``1 − |ln a − ln m| / (ln hi − ln m)`` with ``m = √(lo·hi)`` the
                    range's geometric middle and ``a`` the amount that passed the filter
                    (1 when lo = hi); a window: 1 when its amount is stated, else 0.5
stage      0.10     1 when the stage is among the investor's preferred ones, 0.5 when it
                    states none (windows: 0.5)
readiness  0.20     the project's readiness score (share of applicable checklist items
                    done, :mod:`sdgcities.investment.readiness`), 0 when unknown
=========  =======  ===================================================================

The weights are a parameter (:data:`WEIGHTS` the defaults, a platform proposal: SDG fit
first, as the facility links "SDG impact projects" with investors "committed to the
Goals", HSP/EB.2020/19 para 82 (c)). Vectorised with numpy over chunks of projects: SDG
overlap is a product of 0/1 matrices over the 169 targets, instruments and stages are
bit masks, countries a 0/1 matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sdgcities.investment.intake import INSTRUMENTS, STAGES, codelist

__all__ = [
    "FACTORS",
    "FILTERS",
    "WEIGHTS",
    "Counterpart",
    "MatchProject",
    "match",
    "why_not",
]

WEIGHTS: dict[str, float] = {
    "sdg": 0.35,
    "region": 0.15,
    "ticket": 0.20,
    "stage": 0.10,
    "readiness": 0.20,
}
FACTORS = tuple(WEIGHTS)
FILTERS = ("deadline", "country", "instrument", "ticket", "stage")
COLUMNS = ("project_id", "kind", "counterpart_id", "score", *FACTORS, "amount")

F32 = npt.NDArray[np.float32]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MatchProject:
    """What matching needs of a project (amounts in its budget's currency)."""

    id: int
    country: str
    region: str
    budget: float
    currency: str
    stage: str
    targets: Sequence[str]
    #: instrument → amount (already in the budget's currency)
    tranches: Mapping[str, float] = field(default_factory=dict)
    readiness: float | None = None


@dataclass(frozen=True)
class Counterpart:
    """An investor profile (``kind="investor"``) or an investment window (``"window"``)."""

    kind: str
    id: int
    sdg_focus: Sequence[str] = ()
    regions: Sequence[str] = ()
    countries: Sequence[str] = ()
    ticket_min: float = 0.0
    #: ``inf`` when not stated (a window without an amount)
    ticket_max: float = float("inf")
    currency: str | None = None
    instruments: Sequence[str] = ()
    stages: Sequence[str] = ()
    deadline: date | None = None


@dataclass(frozen=True)
class _Arrays:
    """The vectorised form of projects and counterparts (built once per :func:`match`)."""

    p_targets: F32
    p_count: F32
    p_inst: npt.NDArray[np.uint8]
    p_amounts: F32
    p_budget: npt.NDArray[np.float64]
    p_ref: npt.NDArray[np.float64]
    p_cur: npt.NDArray[np.int32]
    p_stage: npt.NDArray[np.uint8]
    p_region: npt.NDArray[np.int32]
    p_country: npt.NDArray[np.int32]
    p_ready: F32
    p_has_tranches: B
    c_targets: F32
    c_count: F32
    c_inst: npt.NDArray[np.uint8]
    c_inst_mat: F32
    c_lo: npt.NDArray[np.float64]
    c_hi: npt.NDArray[np.float64]
    c_ref: npt.NDArray[np.float64]
    c_cur: npt.NDArray[np.int32]
    c_nocur: B
    c_stage: npt.NDArray[np.uint8]
    c_region: B
    c_region_any: B
    c_country: B
    c_country_any: B
    c_open: B
    c_window: B


def _expand(focus: Sequence[str]) -> set[str]:
    targets = codelist("sdg_targets")
    out: set[str] = set()
    for f in focus:
        f = str(f).strip()
        if "." in f:
            out.add(f)
        elif f:
            out.update(t for t in targets if t.split(".")[0] == f)
    return out


def _mask(items: Sequence[str], vocab: Sequence[str]) -> int:
    m = 0
    for x in items:
        if x in vocab:
            m |= 1 << vocab.index(x)
    return m or (1 << len(vocab)) - 1  # none stated: every one


def _arrays(
    projects: Sequence[MatchProject],
    counterparts: Sequence[Counterpart],
    fx: Mapping[str, float],
    today: date,
) -> _Arrays:
    vocab = sorted(codelist("sdg_targets"))
    tix = {t: i for i, t in enumerate(vocab)}
    regions = sorted({p.region for p in projects} | {r for c in counterparts for r in c.regions})
    rix = {r: i for i, r in enumerate(regions)}
    countries = sorted(
        {p.country for p in projects} | {x for c in counterparts for x in c.countries}
    )
    cix = {x: i for i, x in enumerate(countries)}
    currencies = sorted({p.currency for p in projects} | {c.currency or "" for c in counterparts})
    kix = {x: i for i, x in enumerate(currencies)}
    n_p, n_c = len(projects), len(counterparts)

    p_targets = np.zeros((n_p, len(vocab)), np.float32)
    p_amounts = np.zeros((n_p, len(INSTRUMENTS)), np.float32)
    for i, p in enumerate(projects):
        p_targets[i, [tix[t] for t in p.targets if t in tix]] = 1.0
        for k, a in p.tranches.items():
            if k in INSTRUMENTS:
                p_amounts[i, INSTRUMENTS.index(k)] += a
    c_targets = np.zeros((n_c, len(vocab)), np.float32)
    c_region = np.zeros((n_c, max(len(regions), 1)), bool)
    c_country = np.zeros((n_c, max(len(countries), 1)), bool)
    for j, c in enumerate(counterparts):
        c_targets[j, [tix[t] for t in _expand(c.sdg_focus) if t in tix]] = 1.0
        c_region[j, [rix[r] for r in c.regions]] = True
        c_country[j, [cix[x] for x in c.countries]] = True
    c_inst = np.array([_mask(c.instruments, INSTRUMENTS) for c in counterparts], np.uint8)
    inst_bits = 1 << np.arange(len(INSTRUMENTS), dtype=np.uint8)
    rate = np.array([fx.get(k, np.nan) for k in currencies], np.float64)
    p_cur = np.array([kix[p.currency] for p in projects], np.int32)
    c_cur = np.array([kix[c.currency or ""] for c in counterparts], np.int32)
    p_budget = np.array([p.budget for p in projects], np.float64)
    c_lo = np.array([c.ticket_min for c in counterparts], np.float64)
    c_hi = np.array([c.ticket_max for c in counterparts], np.float64)
    return _Arrays(
        p_targets=p_targets,
        p_count=p_targets.sum(axis=1),
        p_inst=np.array(
            [_mask([k for k, a in p.tranches.items() if a > 0], INSTRUMENTS) for p in projects],
            np.uint8,
        ),
        p_amounts=p_amounts,
        p_budget=p_budget,
        p_ref=rate[p_cur] if n_p else np.zeros(0),
        p_cur=p_cur,
        p_stage=np.array([1 << STAGES.index(p.stage) for p in projects], np.uint8),
        p_region=np.array([rix[p.region] for p in projects], np.int32),
        p_country=np.array([cix[p.country] for p in projects], np.int32),
        p_ready=np.array([p.readiness or 0.0 for p in projects], np.float32),
        p_has_tranches=p_amounts.sum(axis=1) > 0,
        c_targets=c_targets,
        c_count=c_targets.sum(axis=1),
        c_inst=c_inst,
        c_inst_mat=((c_inst[:, None] & inst_bits[None, :]) != 0).astype(np.float32),
        c_lo=c_lo,
        c_hi=c_hi,
        c_ref=rate[c_cur] if n_c else np.zeros(0),
        c_cur=c_cur,
        c_nocur=np.array([not c.currency for c in counterparts], bool),
        c_stage=np.array([_mask(c.stages, STAGES) for c in counterparts], np.uint8),
        c_region=c_region,
        c_region_any=np.array([not c.regions for c in counterparts], bool),
        c_country=c_country,
        c_country_any=np.array([not c.countries for c in counterparts], bool),
        c_open=np.array([c.deadline is None or c.deadline >= today for c in counterparts]),
        c_window=np.array([c.kind == "window" for c in counterparts], bool),
    )


def _in_range(
    a: Any, lo: Any, hi: Any, same: B, p_ref: Any, c_ref: Any
) -> tuple[B, npt.NDArray[np.float64]]:
    """Whether ``a`` (project currency) lies in [lo, hi] (counterpart currency).

    Same currency: compared as they are; else both through the reference rates. Returns
    the test and ``a`` expressed in the counterpart's currency.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        conv = np.where(same, a, a * p_ref / c_ref)
        ok = (conv >= lo) & (conv <= hi)
    return ok & ~np.isnan(conv), conv


def _chunk(x: _Arrays, lo: int, hi: int) -> dict[str, Any]:
    """Filters and factors of projects ``lo:hi`` against every counterpart."""
    inter = x.p_targets[lo:hi] @ x.c_targets.T
    union = x.p_count[lo:hi, None] + x.c_count[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        f_sdg = np.where(union > 0, inter / union, np.float32(0.0)).astype(np.float32)
    same = (x.p_cur[lo:hi, None] == x.c_cur[None, :]) | x.c_nocur[None, :]
    # financing gap for each counterpart: the tranches in the instruments it offers
    gap = (x.p_amounts[lo:hi] @ x.c_inst_mat.T).astype(np.float64)
    gap = np.where(x.p_has_tranches[lo:hi, None], gap, x.p_budget[lo:hi, None])
    p_ref, c_ref = x.p_ref[lo:hi, None], x.c_ref[None, :]
    lo_, hi_ = x.c_lo[None, :], x.c_hi[None, :]
    ok_gap, gap_c = _in_range(gap, lo_, hi_, same, p_ref, c_ref)
    budget = np.broadcast_to(x.p_budget[lo:hi, None], gap.shape)
    ok_budget, budget_c = _in_range(budget, lo_, hi_, same, p_ref, c_ref)
    amount = np.where(ok_gap, gap_c, budget_c)
    country_listed = x.c_country[:, x.p_country[lo:hi]].T
    filters = {
        "deadline": np.broadcast_to(x.c_open[None, :], same.shape),
        "country": country_listed | x.c_country_any[None, :],
        "instrument": (x.p_inst[lo:hi, None] & x.c_inst[None, :]) != 0,
        "ticket": ok_gap | ok_budget,
        "stage": (x.p_stage[lo:hi, None] & x.c_stage[None, :]) != 0,
    }
    region_listed = x.c_region[:, x.p_region[lo:hi]].T
    f_region = np.where(
        x.c_window[None, :],
        np.where(country_listed, 1.0, np.where(x.c_country_any[None, :], 0.5, 0.0)),
        np.where(region_listed, 1.0, np.where(x.c_region_any[None, :], 0.5, 0.0)),
    ).astype(np.float32)
    finite = np.isfinite(hi_) & (lo_ > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mid = np.log(np.sqrt(lo_ * hi_))
        half = np.log(hi_) - mid
        tri = np.where(half > 0, 1.0 - np.abs(np.log(amount) - mid) / half, 1.0)
    f_ticket = np.where(
        x.c_window[None, :],
        np.where(np.isfinite(hi_), 1.0, 0.5),
        np.where(finite, np.clip(tri, 0.0, 1.0), 0.5),
    ).astype(np.float32)
    all_stages = (1 << len(STAGES)) - 1
    f_stage = np.where((x.c_stage[None, :] == all_stages) | x.c_window[None, :], 0.5, 1.0).astype(
        np.float32
    )
    f_ready = np.broadcast_to(x.p_ready[lo:hi, None], same.shape)
    return {
        "filters": filters,
        "factors": {
            "sdg": f_sdg,
            "region": f_region,
            "ticket": f_ticket,
            "stage": np.broadcast_to(f_stage, same.shape),
            "readiness": f_ready,
        },
        "amount": amount,
    }


def match(
    projects: Sequence[MatchProject],
    counterparts: Sequence[Counterpart],
    *,
    weights: Mapping[str, float] = WEIGHTS,
    fx: Mapping[str, float] | None = None,
    today: date | None = None,
    top: int | None = 10,
    chunk: int = 500,
) -> pd.DataFrame:
    """The eligible pairs, best first per project (at most ``top`` each; None = all).

    Columns: ``project_id, kind, counterpart_id, score`` and each factor of
    :data:`FACTORS`, and ``amount`` (what passed the ticket filter, in the
    counterpart's currency). ``fx`` maps currency codes to units of one reference
    currency (e.g. ``{"USD": 1.0, "KES": 0.0077}``); ``today`` decides deadlines.

    A hand-computed case: a project on targets {11.2, 11.6} against an investor whose
    focus is {11.2} has ``sdg = 1/2``; see ``tests/investment/test_matching.py``.
    """
    missing = [f for f in FACTORS if f not in weights]
    if missing or any(float(weights[f]) < 0 for f in FACTORS):
        raise ValueError(f"weights need a non-negative value for each of {', '.join(FACTORS)}")
    total = float(sum(float(weights[f]) for f in FACTORS))
    if total <= 0:
        raise ValueError("the weights sum to 0; give at least one positive weight")
    w = {f: np.float32(float(weights[f]) / total) for f in FACTORS}
    day = today or date.today()
    if not projects or not counterparts:
        return pd.DataFrame(columns=list(COLUMNS))
    x = _arrays(projects, counterparts, fx or {}, day)
    kinds = np.array([c.kind for c in counterparts], dtype=object)
    cids = np.array([c.id for c in counterparts], dtype=np.int64)
    pids = np.array([p.id for p in projects], dtype=np.int64)
    parts: list[pd.DataFrame] = []
    for lo in range(0, len(projects), chunk):
        hi = min(len(projects), lo + chunk)
        r = _chunk(x, lo, hi)
        ok = np.logical_and.reduce([r["filters"][f] for f in FILTERS])
        score = sum(w[f] * r["factors"][f] for f in FACTORS)
        score = np.where(ok, score, np.float32(-1.0))
        if top is not None and top < score.shape[1]:
            k = max(top, 1)
            best = np.argpartition(-score, k - 1, axis=1)[:, :k]
            rows = np.repeat(np.arange(hi - lo), k)
            cols = best.ravel()
        else:
            rows, cols = np.nonzero(ok)
        keep = score[rows, cols] >= 0
        rows, cols = rows[keep], cols[keep]
        frame = {
            "project_id": pids[lo + rows],
            "kind": kinds[cols],
            "counterpart_id": cids[cols],
            "score": score[rows, cols],
        }
        for f in FACTORS:
            frame[f] = r["factors"][f][rows, cols]
        frame["amount"] = r["amount"][rows, cols]
        parts.append(pd.DataFrame(frame))
    out = pd.concat(parts, ignore_index=True)
    out["score"] = out["score"].astype(np.float64).round(4)
    for f in FACTORS:
        out[f] = out[f].astype(np.float64).round(4)
    out = out.sort_values(
        ["project_id", "score", "kind", "counterpart_id"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    return out.reset_index(drop=True)


def why_not(
    project: MatchProject,
    counterpart: Counterpart,
    *,
    fx: Mapping[str, float] | None = None,
    today: date | None = None,
) -> list[str]:
    """Every hard filter the pair fails, each as a sentence (empty: eligible)."""
    day = today or date.today()
    x = _arrays([project], [counterpart], fx or {}, day)
    r = _chunk(x, 0, 1)
    out: list[str] = []
    c, p = counterpart, project
    for f in FILTERS:
        if bool(r["filters"][f][0, 0]):
            continue
        if f == "deadline":
            out.append(f"deadline: the window closed on {c.deadline}")
        elif f == "country":
            out.append(f"country: {p.country} is not among the eligible {', '.join(c.countries)}")
        elif f == "instrument":
            have = ", ".join(k for k, a in p.tranches.items() if a > 0)
            out.append(
                f"instrument: the project's {have} and the {', '.join(c.instruments)} "
                "offered do not overlap"
            )
        elif f == "ticket":
            cur = c.currency or p.currency
            if (
                c.currency
                and c.currency != p.currency
                and not (fx and p.currency in fx and c.currency in fx)
            ):
                out.append(
                    f"ticket: the project is in {p.currency}, the tickets in {c.currency}, "
                    f"and no exchange rate for both was given (e.g. --fx {p.currency}=…)"
                )
            else:
                out.append(
                    f"ticket: neither the financing gap nor the budget ({p.budget:,.0f} "
                    f"{p.currency}) lies in {c.ticket_min:,.0f}–{c.ticket_max:,.0f} {cur}"
                )
        elif f == "stage":
            out.append(f"stage: {p.stage} is not among the preferred {', '.join(c.stages)}")
    return out
