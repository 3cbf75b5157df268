"""Whatever the order of writes and publications, each key has one public version: the
newest published one — checked against a plain-Python model of the rule."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sdgcities.observations.service import record_value
from sdgcities.observations.visibility import make_public_many
from sdgcities.store.db import make_engine, migrate, transaction
from sdgcities.store.models import City, Indicator, Observation

# a step: write (year, value, published?) or publish the current drafts of some years
WRITE = st.tuples(st.just("write"), st.sampled_from([2020, 2021]), st.integers(1, 5), st.booleans())
PUBLISH = st.tuples(st.just("publish"), st.sets(st.sampled_from([2020, 2021]), min_size=1))
STEPS = st.lists(st.one_of(WRITE, PUBLISH), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_one_public_version_per_key(tmp_path_factory: object, steps: list[tuple]) -> None:  # type: ignore[type-arg]
    folder = Path(tmp_path_factory.mktemp("inv"))  # type: ignore[attr-defined]
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(engine)
    model: dict[int, list[tuple[float, str]]] = {2020: [], 2021: []}  # versions per year
    try:
        with transaction(engine) as s:
            city = City(slug="x", name="X")
            s.add_all([city, Indicator(code="I", name="I", framework="custom")])
            s.flush()
            for step in steps:
                if step[0] == "write":
                    _, year, value, published = step
                    status = "published" if published else "draft"
                    current = model[year][-1] if model[year] else None
                    if current != (float(value), status):
                        model[year].append((float(value), status))
                    record_value(
                        s,
                        city_id=city.id,
                        indicator_code="I",
                        year=year,
                        value=float(value),
                        status=status,
                    )
                else:
                    ids = list(
                        s.scalars(
                            select(Observation.id).where(
                                Observation.year.in_(sorted(step[1])),
                                Observation.is_current.is_(True),
                                Observation.status == "draft",
                            )
                        )
                    )
                    for year in step[1]:
                        if model[year] and model[year][-1][1] == "draft":
                            model[year][-1] = (model[year][-1][0], "published")
                    make_public_many(s, ids)
            for year, versions in model.items():
                public = s.scalars(
                    select(Observation.value).where(
                        Observation.year == year, Observation.is_public.is_(True)
                    )
                ).all()
                expected = [v for v, st_ in versions if st_ == "published"][-1:]
                assert list(public) == expected, (year, versions)
    finally:
        engine.dispose()
