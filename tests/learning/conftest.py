"""Fixtures of the learning tests: a catalogue entry, courses from course files, users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from sdgcities.accounts.users import create_user
from sdgcities.capacity import needs as cb
from sdgcities.store.db import migrate, transaction

PASSWORD = "correct horse battery"


def course_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "test-course",
        "catalogue": "learn-test",
        "title": "Test course",
        "summary": "A course for the tests.",
        "format": "self_paced",
        "language": "en",
        "hours": 2,
        "lessons": [
            {"title": "One", "text": "First *lesson* <script>alert(1)</script>"},
            {"title": "Two", "url": "https://example.org/two"},
        ],
        "assessments": [
            {
                "title": "Quiz",
                "pass_mark": 75,
                "questions": [
                    {"text": f"Q{i}", "choices": ["a", "b", "c"], "answer": 2} for i in range(4)
                ],
            }
        ],
    }
    data.update(over)
    return data


def write_course(tmp: Path, **over: Any) -> Path:
    path = tmp / f"{over.get('slug', 'test-course')}.yaml"
    path.write_text(yaml.safe_dump(course_data(**over)), encoding="utf-8")
    return path


def seed_store(engine: Engine) -> None:
    """Migrate; add a training-course catalogue entry, a guide and four accounts."""
    migrate(engine)
    with transaction(engine) as s:
        cb.add_entry(
            s,
            slug="learn-test",
            kind="training_course",
            title="Test entry",
            themes=["urban_data"],
            published=True,
        )
        cb.add_entry(s, slug="a-guide", kind="guide", title="A guide", themes=["digital"])
        create_user(s, email="amina@learner.example", password=PASSWORD, name="Amina Otieno")
        create_user(s, email="bo@learner.example", password=PASSWORD, name="Bo Chen")
        create_user(
            s,
            email="hub@hub.example",
            password=PASSWORD,
            role="regional_hub",
            region="Africa",
            name="Hub Staff",
        )
        create_user(s, email="admin@admin.example", password=PASSWORD, role="admin")


@pytest.fixture
def store(engine: Engine) -> Engine:
    """A migrated store with a training-course catalogue entry and four accounts."""
    seed_store(engine)
    return engine
