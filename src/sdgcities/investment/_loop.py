"""The matching formula pair by pair in plain Python (no numpy).

An independent implementation of :mod:`sdgcities.investment.matching`, written from its
docstring: the tests compare the two on generated data, and
``bench/bench_investment_match.py`` times the two (what the vectorised one buys).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

from sdgcities.investment.intake import INSTRUMENTS, codelist
from sdgcities.investment.matching import FACTORS, WEIGHTS, Counterpart, MatchProject


def _targets(focus: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for f in focus:
        if "." in f:
            out.add(f)
        else:
            out.update(t for t in codelist("sdg_targets") if t.split(".")[0] == f)
    return out


def _convert(a: float, p: MatchProject, c: Counterpart, fx: Mapping[str, float]) -> float | None:
    if not c.currency or c.currency == p.currency:
        return a
    if p.currency in fx and c.currency in fx:
        return a * fx[p.currency] / fx[c.currency]
    return None


def pair(
    p: MatchProject,
    c: Counterpart,
    *,
    fx: Mapping[str, float],
    today: date,
    weights: Mapping[str, float] = WEIGHTS,
) -> dict[str, float] | None:
    """The factors and score of one pair, or None when a hard filter fails."""
    if c.deadline is not None and c.deadline < today:
        return None
    if c.countries and p.country not in c.countries:
        return None
    p_inst = {k for k, a in p.tranches.items() if a > 0} or set(INSTRUMENTS)
    c_inst = set(c.instruments) or set(INSTRUMENTS)
    if not p_inst & c_inst:
        return None
    if p.tranches and any(a > 0 for a in p.tranches.values()):
        gap = sum(a for k, a in p.tranches.items() if k in c_inst)
    else:
        gap = p.budget
    amount = None
    for a in (gap, p.budget):
        conv = _convert(a, p, c, fx)
        if conv is not None and c.ticket_min <= conv <= c.ticket_max:
            amount = conv
            break
    if amount is None:
        return None
    if c.stages and p.stage not in c.stages:
        return None
    pt, ct = set(p.targets), _targets(c.sdg_focus)
    union = len(pt | ct)
    f: dict[str, float] = {"sdg": len(pt & ct) / union if union else 0.0}
    if c.kind == "window":
        f["region"] = 1.0 if p.country in c.countries else (0.5 if not c.countries else 0.0)
        f["ticket"] = 1.0 if math.isfinite(c.ticket_max) else 0.5
        f["stage"] = 0.5
    else:
        f["region"] = 1.0 if p.region in c.regions else (0.5 if not c.regions else 0.0)
        lo, hi = c.ticket_min, c.ticket_max
        if lo > 0 and math.isfinite(hi):
            mid = math.log(math.sqrt(lo * hi))
            half = math.log(hi) - mid
            f["ticket"] = 1.0 if half <= 0 else max(0.0, 1 - abs(math.log(amount) - mid) / half)
        else:
            f["ticket"] = 0.5
        f["stage"] = 1.0 if c.stages else 0.5
    f["readiness"] = p.readiness or 0.0
    total = sum(weights[k] for k in FACTORS)
    f["score"] = sum(weights[k] * f[k] for k in FACTORS) / total
    return f


def match_loop(
    projects: Sequence[MatchProject],
    counterparts: Sequence[Counterpart],
    *,
    fx: Mapping[str, float] | None = None,
    today: date,
    top: int = 10,
) -> list[tuple[int, str, int, float]]:
    """``(project_id, kind, counterpart_id, score)`` of the ``top`` pairs per project."""
    out: list[tuple[int, str, int, float]] = []
    for p in projects:
        found = []
        for c in counterparts:
            r = pair(p, c, fx=fx or {}, today=today)
            if r is not None:
                found.append((-r["score"], c.kind, c.id))
        found.sort()
        out.extend((p.id, k, i, -s) for s, k, i in found[:top])
    return out
