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

A challenge is an indicator still short of its target: indicators rated green ("SDG
achieved": at or beyond the green threshold, the SDSN dashboards' target) are not
challenges, so the ranking puts those furthest from their targets first and leaves the
achieved ones out. :func:`challenge_summary` says which case a city is in — challenges
to rank, every scored indicator achieved, or nothing scored — with a worded message.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sdgcities._i18n import N_, _, ngettext
from sdgcities.assessment import _store
from sdgcities.assessment.peers import PeerGroup, peer_group
from sdgcities.assessment.scores import city_scores, reader_scope
from sdgcities.store.models import BenchmarkSet

RED_PENALTY = 20.0
DETERIORATION_PENALTY = 15.0
PEER_GAP_WEIGHT = 0.5

IMPROVING, DETERIORATING, STABLE, NO_TREND = "improving", "deteriorating", "stable", "no trend"

#: the rating of an indicator at or beyond its target ("SDG achieved")
ACHIEVED_COLOUR = "green"
#: challenge_summary statuses
HAS_CHALLENGES, ALL_ACHIEVED, NOT_SCORED = "challenges", "all_achieved", "not_scored"


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


@dataclass
class ChallengeSummary:
    """A city's challenges with what the list means.

    ``status`` is ``"challenges"`` (ranked challenges follow), ``"all_achieved"`` (every
    scored indicator is rated green, so there is no challenge to rank) or
    ``"not_scored"`` (no indicator could be scored); ``message`` says so in words.
    """

    city: str
    status: str
    message: str
    challenges: list[Challenge] = field(default_factory=list)
    #: codes of the scored indicators that reached their target (not challenges)
    achieved: list[str] = field(default_factory=list)
    scored: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "city": self.city,
            "status": self.status,
            "message": self.message,
            "scored": self.scored,
            "achieved": list(self.achieved),
            "challenges": [c.as_dict() for c in self.challenges],
        }


def challenge_summary(
    session: Session,
    city: str | int,
    *,
    limit: int | None = 10,
    published_only: bool | None = None,
    benchmark_set: str | BenchmarkSet | None = None,
    min_peers: int = 3,
    draft_cities: Collection[int] | None = (),
) -> ChallengeSummary:
    """The greatest challenges of ``city`` and whether there are any (see the module doc).

    Scored indicators rated green are achieved, not challenges; the others are ranked by
    priority (furthest from their targets first) and cut to ``limit``.
    """
    target_city = _store.get_city(session, city)
    ranked = _ranked(
        session,
        target_city.id,
        published_only=published_only,
        benchmark_set=benchmark_set,
        min_peers=min_peers,
        draft_cities=draft_cities,
    )
    achieved = sorted(c.indicator for c in ranked if c.colour == ACHIEVED_COLOUR)
    open_ = [c for c in ranked if c.colour != ACHIEVED_COLOUR]
    for i, ch in enumerate(open_, start=1):
        ch.rank = i
    shown = open_ if limit is None else open_[:limit]
    if not ranked:
        status = NOT_SCORED
        message = _("{city} has no scored indicator yet, so no challenges can be ranked.")
    elif not open_:
        status = ALL_ACHIEVED
        message = ngettext(
            "{city} has reached the target of its one scored indicator (SDG achieved): "
            "there is no challenge to rank.",
            "{city} has reached the targets of all {count} scored indicators (SDG "
            "achieved): there is no challenge to rank.",
            len(ranked),
        )
    else:
        status = HAS_CHALLENGES
        message = ngettext(
            "{count} indicator is short of its target; furthest from target first.",
            "{count} indicators are short of their targets; furthest from target first.",
            len(open_),
        )
    return ChallengeSummary(
        city=target_city.name,
        status=status,
        message=message.format(city=target_city.name, count=len(open_) or len(ranked)),
        challenges=shown,
        achieved=achieved,
        scored=len(ranked),
    )


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
    score (bounds that could not be derived) are not challenges, nor are those that
    reached their target (rated green); an empty list means the city has no scored
    indicator or has achieved them all — :func:`challenge_summary` tells which. Values
    read: the public versions by default; with ``draft_cities`` those cities' current
    versions and the public versions of all others (peers never contribute drafts), as in
    :func:`sdgcities.assessment.scores.city_scores`.
    """
    return challenge_summary(
        session,
        city,
        limit=limit,
        published_only=published_only,
        benchmark_set=benchmark_set,
        min_peers=min_peers,
        draft_cities=draft_cities,
    ).challenges


def _ranked(
    session: Session,
    city_id: int,
    *,
    published_only: bool | None,
    benchmark_set: str | BenchmarkSet | None,
    min_peers: int,
    draft_cities: Collection[int] | None = (),
) -> list[Challenge]:
    """Every scored indicator of the city as a Challenge, by priority (highest first)."""
    target_city = _store.get_city(session, city_id)
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
            name=_(info[code].name) if code in info and info[code].name else "",
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
    return out


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
        n = ch.peer_count
        if diff < 0:
            line = ngettext(
                "{amount} worse than the only peer with data ({median}, score "
                "{median_score}; {count} peer; peer group: {group})",
                "{amount} worse than the peer median {median} (median score {median_score} "
                "over {count} peers with data; peer group: {group})",
                n,
            )
        elif diff > 0:
            line = ngettext(
                "{amount} better than the only peer with data ({median}, score "
                "{median_score}; {count} peer; peer group: {group})",
                "{amount} better than the peer median {median} (median score {median_score} "
                "over {count} peers with data; peer group: {group})",
                n,
            )
        else:
            line = ngettext(
                "equal to the only peer with data ({median}, score {median_score}; "
                "{count} peer; peer group: {group})",
                "equal to the peer median {median} (median score {median_score} "
                "over {count} peers with data; peer group: {group})",
                n,
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
