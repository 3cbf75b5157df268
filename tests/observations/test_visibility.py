"""The public sees the newest published version; draft rights show the current one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from sdgcities.observations.service import record_value
from sdgcities.observations.visibility import make_public, public_only, visible
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Observation
from tests.observations.obs_helpers import import_published as import_observations


def _seen(engine: Engine, clause) -> dict[str, float]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rows = s.execute(
            select(City.slug, Observation.value)
            .join(City, City.id == Observation.city_id)
            .where(clause, Observation.year == 2020)
        ).all()
    return {slug: value for slug, value in rows}


def test_draft_correction_keeps_published_value_public(store: Engine) -> None:
    with transaction(store) as s:
        sp = s.scalar(select(City.id).where(City.slug == "sao-paulo"))
        ml = s.scalar(select(City.id).where(City.slug == "malaga"))
        assert sp is not None
        assert ml is not None
        record_value(s, city_id=sp, indicator_code="11.7.1", year=2020, value=10.0)
        record_value(s, city_id=ml, indicator_code="11.7.1", year=2020, value=30.0)
        record_value(s, city_id=sp, indicator_code="11.7.1", year=2020, value=12.0, status="draft")
    assert _seen(store, public_only()) == {"sao-paulo": 10.0, "malaga": 30.0}
    # an editor of São Paulo sees its draft and only Málaga's published value
    assert _seen(store, visible({sp})) == {"sao-paulo": 12.0, "malaga": 30.0}
    assert _seen(store, visible(None)) == {"sao-paulo": 12.0, "malaga": 30.0}
    with transaction(store) as s:
        draft = s.scalar(
            select(Observation).where(Observation.city_id == sp, Observation.is_current)
        )
        assert draft is not None
        assert draft.status == "draft"
        make_public(s, draft)
    assert _seen(store, public_only()) == {"sao-paulo": 12.0, "malaga": 30.0}
    with transaction(store) as s:
        n_public = s.scalars(
            select(Observation.id).where(Observation.city_id == sp, Observation.is_public)
        ).all()
    assert len(n_public) == 1


def test_imports_keep_one_public_version_per_key(store: Engine, tmp_path: Path) -> None:
    f = tmp_path / "obs.csv"
    f.write_text("city,indicator,year,value\nmalaga,11.7.1,2020,30\n", encoding="utf-8")
    import_observations(store, f)
    f.write_text("city,indicator,year,value\nmalaga,11.7.1,2020,31\n", encoding="utf-8")
    import_observations(store, f, status="draft")
    assert _seen(store, public_only()) == {"malaga": 30.0}
    f.write_text("city,indicator,year,value\nmalaga,11.7.1,2020,32\n", encoding="utf-8")
    import_observations(store, f)
    assert _seen(store, public_only()) == {"malaga": 32.0}
    with transaction(store) as s:
        flags = s.execute(
            select(Observation.version, Observation.is_public, Observation.is_current).order_by(
                Observation.version
            )
        ).all()
    assert [tuple(r) for r in flags] == [(1, False, False), (2, False, False), (3, True, True)]
