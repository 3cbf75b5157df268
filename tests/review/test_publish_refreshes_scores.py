"""Publishing a submission refreshes the stored public scores in the same transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from sdgcities.accounts.users import create_user, get_user
from sdgcities.assessment.stored import refresh_scores, stored_scores
from sdgcities.catalogue.registry import sync_builtin_catalogue
from sdgcities.cities.service import create_city
from sdgcities.observations.importer import import_observations
from sdgcities.review import service as review
from sdgcities.store.db import transaction


def test_publish_refreshes_stored_scores(sqlite_engine: Engine, tmp_path: Path) -> None:
    with transaction(sqlite_engine) as s:
        sync_builtin_catalogue(s)
        city = create_city(s, name="Kisumu", country="KEN", population=600_000)
        slug = city.slug
        create_user(s, email="admin@x.example", password="correct horse battery", role="admin")
        refresh_scores(s)
    f = tmp_path / "obs.csv"
    f.write_text(f"city,indicator,year,value\n{slug},11.2.1,2020,55\n", encoding="utf-8")
    import_observations(sqlite_engine, f)  # a draft: the public has no score yet
    with transaction(sqlite_engine) as s:
        before = stored_scores(s, [city.id])
        assert before is None or before.indicators.empty
        admin = get_user(s, "admin@x.example")
        sub = review.submit(s, slug, actor=admin)
        review.publish(s, sub.id, actor=admin)
    with transaction(sqlite_engine) as s:
        after = stored_scores(s, [city.id])
    assert after is not None
    row = after.indicators[after.indicators["indicator"] == "11.2.1"]
    assert float(row["value"].iloc[0]) == 55.0
