"""A city's onboarding pipeline: steps in a fixed order, each reached on a date.

The steps and their order are data (``data/onboarding.yaml``, each with the paragraph of
UN-Habitat's Executive Board report on the flagship programmes, 2020, programme 5). A
step's date comes from one *source* — a function ``(session, city_ids) -> {city_id:
date}`` registered with :func:`register_step_source`. Typed steps (expression of
interest, agreement) read this package's own records; the others read the records of
the domain that owns the fact (regional hub → ``hub_cities.since``; urban lab → the
lab's cities; baseline data → the first published observation; capacity → the first
confirmed capacity match; investment → the first investment project), so a city's
stage is derived, never typed twice.

Stage rule: a city's stage is the last step reached with every earlier required step
reached — the longest reached prefix of the required steps (a step with no source
registered is "not recorded" and stops the prefix).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.errors import Finding, ValidationError

StepSource = Callable[[Session, Collection[int] | None], dict[int, date]]

TYPED = ("expression_of_interest", "agreement")


@dataclass(frozen=True)
class Step:
    """One onboarding step as declared in ``data/onboarding.yaml``."""

    key: str
    label: str
    kind: str  # typed|derived
    required: bool
    paragraph: str


@cache
def steps() -> tuple[Step, ...]:
    """The onboarding steps in their fixed order."""
    path = resources.files("sdgcities.network") / "data" / "onboarding.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Step(
            key=str(s["key"]),
            label=str(s["label"]),
            kind=str(s["kind"]),
            required=bool(s.get("required", True)),
            paragraph=str(s.get("paragraph", "")),
        )
        for s in raw["steps"]
    )


def step_keys() -> tuple[str, ...]:
    return tuple(s.key for s in steps())


def get_step(key: str) -> Step:
    """The step named ``key`` (ValidationError listing the steps otherwise)."""
    for s in steps():
        if s.key == key:
            return s
    raise ValidationError(
        f"unknown onboarding step {key!r}",
        [
            Finding(
                "unknown step", column="step", value=key, fix="use one of " + ", ".join(step_keys())
            )
        ],
    )


_SOURCES: dict[str, StepSource] = {}


def register_step_source(step: str, fn: StepSource) -> None:
    """Declare where the date of ``step`` comes from (one source per step; the last wins)."""
    get_step(step)
    _SOURCES[step] = fn


def has_source(step: str) -> bool:
    _links()
    return step in _SOURCES


def _links() -> None:
    """The steps later domains derive (the plan's approval, certificates)."""
    from sdgcities import links

    links.ensure()


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    return date.fromisoformat(text[:10])


def _min_by_city(
    session: Session, city_col: Any, date_col: Any, ids: Collection[int] | None, *where: Any
) -> dict[int, date]:
    q = select(city_col, func.min(date_col)).where(*where).group_by(city_col)
    if ids is not None:
        q = q.where(city_col.in_(sorted(ids)))
    out: dict[int, date] = {}
    for city_id, when in session.execute(q):
        day = _day(when)
        if day is not None:
            out[int(city_id)] = day
    return out


# ----------------------------------------------------------------------------- built-in sources


def _typed(step: str) -> StepSource:
    def source(session: Session, ids: Collection[int] | None) -> dict[int, date]:
        from sdgcities.network.models import OnboardingRecord as R

        return _min_by_city(session, R.city_id, R.on, ids, R.step == step)

    return source


def _urban_lab(session: Session, ids: Collection[int] | None) -> dict[int, date]:
    from sdgcities.network.models import UrbanLabCity as L

    return _min_by_city(session, L.city_id, L.since, ids)


def _regional_hub(session: Session, ids: Collection[int] | None) -> dict[int, date]:
    from sdgcities.store.models import Hub, HubCity

    return _min_by_city(
        session,
        HubCity.city_id,
        HubCity.since,
        ids,
        HubCity.hub_id.in_(select(Hub.id).where(Hub.kind == "regional")),
    )


def _baseline(session: Session, ids: Collection[int] | None) -> dict[int, date]:
    from sdgcities.store.models import Observation as Obs

    return _min_by_city(session, Obs.city_id, Obs.created_at, ids, Obs.status == "published")


def _capacity(session: Session, ids: Collection[int] | None) -> dict[int, date]:
    from sdgcities.capacity.models import CapacityNeed, MatchDecision

    q = (
        select(CapacityNeed.city_id, func.min(MatchDecision.decided_at))
        .join(CapacityNeed, CapacityNeed.id == MatchDecision.need_id)
        .where(MatchDecision.decision == "confirmed", CapacityNeed.city_id.is_not(None))
        .group_by(CapacityNeed.city_id)
    )
    if ids is not None:
        q = q.where(CapacityNeed.city_id.in_(sorted(ids)))
    return {
        int(c): d for c, w in session.execute(q) if c is not None and (d := _day(w)) is not None
    }


def _investment(session: Session, ids: Collection[int] | None) -> dict[int, date]:
    from sdgcities.investment.models import InvestmentProject as P

    return _min_by_city(session, P.city_id, P.created_at, ids)


#: the built-in source of each typed step (a later registration may replace it)
_TYPED_SOURCES: dict[str, StepSource] = {_step: _typed(_step) for _step in TYPED}
for _step, _source in _TYPED_SOURCES.items():
    register_step_source(_step, _source)
register_step_source("urban_lab", _urban_lab)
register_step_source("regional_hub", _regional_hub)
register_step_source("baseline_data", _baseline)
register_step_source("capacity", _capacity)
register_step_source("investment", _investment)


# ----------------------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class StepState:
    step: Step
    on: date | None
    recorded: bool  # False: no source registered for this step yet ("not recorded")


@dataclass(frozen=True)
class Pipeline:
    city_id: int
    states: tuple[StepState, ...]

    @property
    def stage(self) -> str | None:
        """The last step reached with every earlier required step reached (None: none)."""
        return stage_of(self.states)

    @property
    def stage_index(self) -> int:
        """0 for no step, n for the n-th step."""
        key = self.stage
        return 0 if key is None else step_keys().index(key) + 1

    def date_of(self, key: str) -> date | None:
        for s in self.states:
            if s.step.key == key:
                return s.on
        return None

    @property
    def stage_on(self) -> date | None:
        key = self.stage
        return None if key is None else self.date_of(key)


def stage_of(states: Iterable[StepState]) -> str | None:
    """The stage rule on a sequence of step states in the fixed order."""
    stage: str | None = None
    for s in states:
        if s.on is None:
            if s.step.required:
                break
            continue
        stage = s.step.key
    return stage


def step_dates(session: Session, city_ids: Collection[int] | None) -> dict[str, dict[int, date]]:
    """Every step's dates for the cities (``None``: all cities), one query per step."""
    _links()
    return {key: fn(session, city_ids) for key, fn in _SOURCES.items()}


def pipelines(session: Session, city_ids: Collection[int]) -> dict[int, Pipeline]:
    """The pipelines of ``city_ids``."""
    dates = step_dates(session, city_ids)
    return {cid: _pipeline(cid, dates) for cid in city_ids}


def _pipeline(city_id: int, dates: dict[str, dict[int, date]]) -> Pipeline:
    return Pipeline(
        city_id,
        tuple(StepState(s, dates.get(s.key, {}).get(city_id), s.key in dates) for s in steps()),
    )


def first_step_typed() -> str | None:
    """The first step's key when it is required and recorded by hand (typed), else None.

    A city then has a stage only if an :class:`OnboardingRecord` of that step exists for
    it (:func:`stage_of`): the one-row test a city page's panel asks first. ``None`` when
    another domain derives the first step or it is optional (no such shortcut holds).
    """
    _links()
    first = steps()[0]
    typed = first.key in TYPED and _TYPED_SOURCES.get(first.key) is _SOURCES.get(first.key)
    return first.key if first.required and typed else None


def has_stage(session: Session, city_id: int) -> bool:
    """Whether the city has reached any stage, reading steps in order only until it knows.

    The first step's source answers for almost every city: the stage rule
    (:func:`stage_of`) gives no stage when the first required step is missing, and a
    city page asks this on every view. Same answer as ``pipelines(...).stage is not None``.
    """
    _links()
    for s in steps():
        source = _SOURCES.get(s.key)
        if source is not None and source(session, [city_id]).get(city_id) is not None:
            return True
        if s.required:
            return False
    return False


def all_pipelines(session: Session) -> dict[int, Pipeline]:
    """The pipeline of every city in the store (one query per step)."""
    from sdgcities.store.models import City

    dates = step_dates(session, None)
    return {cid: _pipeline(cid, dates) for cid in session.scalars(select(City.id))}


def check_order(pipeline: Pipeline, key: str, on: date) -> None:
    """Refuse ``key`` dated ``on`` unless every earlier required step is reached by ``on``
    and no later step already reached is dated before it (ValidationError naming both)."""
    order = step_keys()
    at = order.index(key)
    for s in pipeline.states[:at]:
        if not s.step.required:
            continue
        if s.on is None:
            raise ValidationError(
                f"cannot record {key!r}: {s.step.key!r} must come first",
                [
                    Finding(
                        f"step out of order: {s.step.label} is not recorded yet",
                        column="step",
                        value=key,
                        fix=f"record {s.step.key!r} first",
                    )
                ],
            )
        if s.on > on:
            raise ValidationError(
                f"cannot record {key!r} on {on}: {s.step.key!r} is dated {s.on}, later",
                [
                    Finding(
                        f"step out of order: {key} dated before {s.step.key} ({s.on})",
                        column="date",
                        value=on.isoformat(),
                        fix=f"date it on or after {s.on}",
                    )
                ],
            )
    for s in pipeline.states[at + 1 :]:
        checked = s.step.kind == "typed" or s.step.key in ("urban_lab", "regional_hub")
        if checked and s.on is not None and s.on < on:
            raise ValidationError(
                f"cannot record {key!r} on {on}: the later step {s.step.key!r} is dated {s.on}",
                [
                    Finding(
                        f"step out of order: {key} dated after {s.step.key} ({s.on})",
                        column="date",
                        value=on.isoformat(),
                        fix=f"date it on or before {s.on}",
                    )
                ],
            )
