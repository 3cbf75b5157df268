"""The demo's course: a short course of our own on a real catalogue entry of the seed.

See ``data/README.md``: the lessons are written for the demo (not UN-Habitat material)
and hang on the catalogue entry ``learn-sdg-monitoring`` named in HSP/EB.2021/17.
Idempotent; needs the capacity demo's catalogue (loaded first if missing).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.learning.models import Course

DEMO_SLUG = "demo-sdg11-monitoring-basics"


def demo_course_file() -> Path:
    return Path(str(resources.files("sdgcities.learning") / "data" / "demo_course.yaml"))


def seed_demo(session: Session) -> bool:
    """Load the demo course once; True when it was added."""
    from sdgcities.capacity.demo import seed_demo as seed_capacity
    from sdgcities.learning.service import import_course

    if session.scalar(select(Course.id).where(Course.slug == DEMO_SLUG)) is not None:
        return False
    seed_capacity(session)
    import_course(session, demo_course_file())
    return True


def demo_line(session: Session) -> str:
    """Seed the demo course (once) and say so, for ``sdgcities demo``."""
    if not seed_demo(session):
        return "learning: demo course already loaded"
    return (
        "learning: a short demo course of our own (3 lessons, 1 assessment) on the "
        "catalogue's SDG monitoring course — see /learn"
    )
