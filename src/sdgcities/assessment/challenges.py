"""A city's greatest challenges, ranked and explained (the *Locate* step of SDG Cities).

For every benchmark indicator the city has a value for, four signals are combined into
one documented priority (higher = greater challenge)::

    priority = (100 − score)                              # distance from the best bound
             + 20 · [colour is red]                       # below the orange threshold
             + 15 · [deteriorating]                       # latest worse than baseline,
                                                          #   or progress "deterioration"
             + 0.5 · max(0, peer median score − score)    # behind cities of the same type

``score`` is the 0–100 normalised score of the SDSN city-index method; the peer median
is taken over the peer group of :func:`sdgcities.assessment.peers.peer_group` (same UN
size class and SDG region, with stated fallbacks), using the peers' latest values and
scores under the same benchmark set. Ties are broken by indicator code, so the ranking
is deterministic. Each challenge carries one explanation line per signal, worded in the
current language of :mod:`sdgcities._i18n` (English unless a caller chose another).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sdgcities._i18n import N_, _
from sdgcities.assessment import _store
from sdgcities.assessment.peers import PeerGroup, peer_group
from sdgcities.assessment.scores import city_scores, reader_scope
from sdgcities.store.models import BenchmarkSet

RED_PENALTY = 20.0
DETERIORATION_PENALTY = 15.0
PEER_GAP_WEIGHT = 0.5

IMPROVING, DETERIORATING, STABLE, NO_TREND = "improving", "deteriorating", "stable", "no trend"


@dataclass
class Challenge:
    """One ranked challenge of a city with the reasons behind its rank."""

    indicator: str
    name: str
    value: float
    unit: str
    year: int
    target: float | None
    peer_median: float | None
    trend: str
    score: float
    colour: str
    source: str
    reasons: list[str] = field(default_factory=list)
    rank: int = 0
    priority: float = 0.0
    goal: str = ""
    target_source: str = ""
    progress: str = ""
    peer_median_score: float | None = None
    peer_count: int = 0
    peer_group: str = ""

    @property
    def explanation(self) -> str:
        """The reasons as one line."""
        return "; ".join(self.reasons)

    def as_dict(self) -> dict[str, object]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["explanation"] = self.explanation
        return out


def city_challenges(
    session: Session,
    city: str | int,
    *,
    limit: int | None = 10,
    published_only: bool | None = None,
    benchmark_set: str | BenchmarkSet | None = None,
    min_peers: int = 3,
    draft_cities: Collection[int] | None = (),
) -> list[Challenge]:
    """The ``limit`` greatest challenges of ``city`` (id, slug or name), ranked 1, 2, …

    See the module docstring for the priority. Indicators without a value or without a
    score (bounds that could not be derived) are not challenges; an empty list means the
    city has no scored indicator. Values read: the public versions by default; with
    ``draft_cities`` those cities' current versions and the public versions of all
    others (peers never contribute drafts), as in
    :func:`sdgcities.assessment.scores.city_scores`.
    """
    target_city = _store.get_city(session, city)
    group = peer_group(session, target_city.id, min_peers=min_peers)
    drafts = reader_scope(published_only, draft_cities)
    scores = city_scores(
        session,
        [target_city.id, *group.city_ids],
        benchmark_set=benchmark_set,
        draft_cities=drafts,
    )
    ind = scores.indicators
    mine = ind[(ind["city_id"] == target_city.id) & ind["value"].notna() & ind["score"].notna()]
    if mine.empty:
        return []
    peers = ind[ind["city_id"].isin(group.city_ids) & ind["value"].notna()]
    peer_stats = peers.groupby("indicator").agg(
        peer_median=("value", "median"),
        peer_median_score=("score", "median"),
        peer_count=("value", "size"),
    )
    bench = scores.benchmarks.table.set_index("indicator")
    obs = _store.visible_observations(
        session,
        city_ids=[target_city.id],
        indicator_codes=list(mine["indicator"].astype(str)),
        draft_cities=drafts,
    )
    latest_obs: dict[tuple[str, int], dict[str, Any]] = {
        (str(r["indicator"]), int(r["year"])): {str(k): v for k, v in r.items()}
        for r in obs.to_dict("records")
    }
    info = _store.indicator_info(session, mine["indicator"].astype(str))

    out: list[Challenge] = []
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in mine.to_dict("records")
    ]
    for rec in records:
        code = str(rec["indicator"])
        b = cast("pd.Series[Any]", bench.loc[code])
        raw_hib = b["higher_is_better"]
        hib: bool = True if pd.isna(raw_hib) else bool(raw_hib)
        stats = peer_stats.loc[code] if code in peer_stats.index else None
        o = latest_obs.get((code, int(rec["year"])))
        unit = str(o.get("unit") or "") if o is not None else ""
        if not unit and code in info:
            unit = info[code].unit
        ch = Challenge(
            indicator=code,
            name=info[code].name if code in info else "",
            value=float(rec["value"]),
            unit=str(unit or ""),
            year=int(rec["year"]),
            target=_opt(rec["target_value"]),
            peer_median=None if stats is None else _opt(stats["peer_median"]),
            trend=_trend(rec, hib),
            score=float(rec["score"]),
            colour=str(rec["colour"]),
            source=str(o.get("source") or "") if o is not None else "",
            goal=str(rec["goal"]),
            target_source=str(rec["target_source"]),
            progress=str(rec["progress"] or ""),
            peer_median_score=None if stats is None else _opt(stats["peer_median_score"]),
            peer_count=0 if stats is None else int(cast(float, stats["peer_count"])),
            peer_group=group.description,
        )
        ch.priority, ch.reasons = _priority_and_reasons(ch, rec, b, hib, group)
        out.append(ch)
    out.sort(key=lambda c: (-round(c.priority, 9), c.indicator))
    for i, ch in enumerate(out, start=1):
        ch.rank = i
    return out if limit is None else out[:limit]


def _trend(rec: dict[str, Any], hib: bool) -> str:
    by, base, value = rec["baseline_year"], rec["baseline_value"], rec["value"]
    if _nan(by) or _nan(base) or float(by) >= float(rec["year"]):
        return NO_TREND
    change = (float(value) - float(base)) * (1.0 if hib else -1.0)
    if math.isclose(change, 0.0, abs_tol=1e-12):
        return STABLE
    return IMPROVING if change > 0 else DETERIORATING


#: progress categories as shown inside an explanation (the stored value stays English)
_PROGRESS_WORDS: dict[str, str] = {
    "target achieved": N_("target achieved"),
    "on track": N_("on track"),
    "acceleration needed": N_("acceleration needed"),
    "limited progress": N_("limited progress"),
    "deterioration": N_("deterioration"),
}


def _progress_word(progress: str) -> str:
    word = _PROGRESS_WORDS.get(progress)
    return _(word) if word else progress


def _priority_and_reasons(
    ch: Challenge, rec: dict[str, Any], b: pd.Series[Any], hib: bool, group: PeerGroup
) -> tuple[float, list[str]]:
    """The priority and the explanation lines, in the current language (sdgcities._i18n)."""
    unit = f" {ch.unit}" if ch.unit else ""
    first = (
        _(
            "score {score}/100: {value} in {year}, best {best}, worst {worst} "
            "(derived from the data)"
        )
        if bool(b["derived"])
        else _("score {score}/100: {value} in {year}, best {best}, worst {worst}")
    )
    reasons = [
        first.format(
            score=f"{ch.score:.0f}",
            value=f"{_f(ch.value)}{unit}",
            year=ch.year,
            best=_f(b["best"]),
            worst=_f(b["worst"]),
        )
    ]
    priority = 100.0 - ch.score
    if ch.colour == "red":
        priority += RED_PENALTY
        reasons.append(
            _("red: worse than the orange threshold {threshold}").format(
                threshold=f"{_f(b['orange'])}{unit}"
            )
        )
    deteriorating = ch.trend == DETERIORATING or ch.progress == "deterioration"
    if ch.trend in (IMPROVING, DETERIORATING, STABLE):
        line = {
            IMPROVING: _("improving: {baseline} ({baseline_year}) → {value} ({year})"),
            DETERIORATING: _("deteriorating: {baseline} ({baseline_year}) → {value} ({year})"),
            STABLE: _("stable: {baseline} ({baseline_year}) → {value} ({year})"),
        }[ch.trend]
        reasons.append(
            line.format(
                baseline=_f(rec["baseline_value"]),
                baseline_year=int(float(rec["baseline_year"])),
                value=_f(ch.value),
                year=ch.year,
            )
        )
    else:
        reasons.append(_("no trend: only one year of data"))
    if deteriorating:
        priority += DETERIORATION_PENALTY
    if ch.target is not None:
        target = (
            _("2030 target {target} ({source}), progress: {progress}")
            if ch.progress
            else _("2030 target {target} ({source})")
        )
        reasons.append(
            target.format(
                target=f"{_f(ch.target)}{unit}",
                source=ch.target_source,
                progress=_progress_word(ch.progress),
            )
        )
    if ch.peer_median is None or ch.peer_median_score is None:
        reasons.append(
            _("no peer has a value (peer group: {group})").format(group=group.description)
        )
    else:
        gap = ch.peer_median_score - ch.score
        if gap > 0:
            priority += PEER_GAP_WEIGHT * gap
        diff = (ch.value - ch.peer_median) * (1.0 if hib else -1.0)
        if diff < 0:
            line = _(
                "{amount} worse than the peer median {median} (median score {median_score} "
                "over {count} peers with data; peer group: {group})"
            )
        elif diff > 0:
            line = _(
                "{amount} better than the peer median {median} (median score {median_score} "
                "over {count} peers with data; peer group: {group})"
            )
        else:
            line = _(
                "equal to the peer median {median} (median score {median_score} "
                "over {count} peers with data; peer group: {group})"
            )
        reasons.append(
            line.format(
                amount=f"{_f(abs(ch.value - ch.peer_median))}{unit}",
                median=f"{_f(ch.peer_median)}{unit}",
                median_score=f"{ch.peer_median_score:.0f}",
                count=ch.peer_count,
                group=group.description,
            )
        )
    return priority, reasons


def _nan(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float | np.floating) and math.isnan(v))


def _opt(v: Any) -> float | None:
    return None if _nan(v) else float(v)


def _f(v: Any) -> str:
    """Compact number for explanations."""
    if _nan(v):
        return "n/a"
    x = float(v)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"
