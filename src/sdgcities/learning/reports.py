"""Reports of UN-Habitat Learn: enrolments, completions and completion rate, broken down
by sex, country, organisation type and country group, per course and period.

Definitions (for a period ``[start, end]``, dates inclusive, UTC):

* **enrolments**: enrolments whose enrolment date falls in the period;
* **completions**: completions whose completion date falls in the period;
* **completion rate** (cohort): of the period's enrolments, the share completed by the
  end of the period — ``completed_of_enrolled ÷ enrolments``.

Learners without a profile count as ``not_stated``. **Small cells are suppressed**:
a count of 1 to ``min_cell − 1`` (default 5) is shown as ``None`` with
``suppressed = True``, and a rate whose numerator or denominator is suppressed is not
given, so that no report singles out a learner; zero is shown. Only counts leave this
module, never names or e-mails.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.learning import rules
from sdgcities.learning.models import Course, Enrolment, LearnerProfile

DIMENSIONS = ("sex", "country", "organisation_type", "country_group")
MIN_CELL = 5
CSV_COLUMNS = (
    "course",
    "dimension",
    "group",
    "enrolments",
    "completions",
    "completed_of_enrolled",
    "completion_rate",
    "suppressed",
)


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def contains(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        day = rules.utc(moment).date()
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def ended_by(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        if self.end is None:
            return True
        limit = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=UTC)
        return rules.utc(moment) < limit


def _group(profile: LearnerProfile | None, dimension: str) -> str:
    if profile is None:
        return "not_stated"
    if dimension == "sex":
        return profile.sex
    if dimension == "organisation_type":
        return profile.organisation_type
    if dimension == "country":
        return profile.country_iso3 or "not_stated"
    return rules.country_group(profile.country_iso3)


def breakdown(
    session: Session,
    *,
    course: str | None = None,
    period: Period = Period(),
    min_cell: int = MIN_CELL,
) -> dict[str, Any]:
    """``{"totals": {...}, "rows": [...]}``: one row per course (or ``all``), dimension and
    group, with enrolments, completions, completed_of_enrolled, completion_rate, suppressed.
    """
    q = (
        select(Enrolment, Course.slug, LearnerProfile)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(LearnerProfile, LearnerProfile.user_id == Enrolment.user_id)
    )
    if course:
        q = q.where(Course.slug == course)
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    totals = [0, 0, 0]
    for enrolment, _slug, profile in session.execute(q).all():
        enrolled = period.contains(enrolment.enrolled_at)
        completed = period.contains(enrolment.completed_at)
        cohort_done = enrolled and period.ended_by(enrolment.completed_at)
        if not (enrolled or completed):
            continue
        add = (int(enrolled), int(completed), int(cohort_done))
        for i in range(3):
            totals[i] += add[i]
        for dim in DIMENSIONS:
            key = (course or "all", dim, _group(profile, dim))
            for i in range(3):
                counts[key][i] += add[i]
    rows = [
        _row(c, dim, grp, *vals, min_cell=min_cell)
        for (c, dim, grp), vals in sorted(counts.items())
    ]
    return {
        "course": course or "all",
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
        "min_cell": min_cell,
        "totals": _row(course or "all", "all", "all", *totals, min_cell=min_cell),
        "rows": rows,
    }


def _row(
    course: str,
    dimension: str,
    group: str,
    enrolments: int,
    completions: int,
    cohort: int,
    *,
    min_cell: int,
) -> dict[str, Any]:
    def hide(n: int) -> int | None:
        return None if 0 < n < min_cell else n

    e, c, k = hide(enrolments), hide(completions), hide(cohort)
    rate = round(k / e, 4) if e and k is not None else None
    return {
        "course": course,
        "dimension": dimension,
        "group": group,
        "enrolments": e,
        "completions": c,
        "completed_of_enrolled": k,
        "completion_rate": rate,
        "suppressed": None in (e, c, k),
    }


def report_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in [report["totals"], *report["rows"]]:
        w.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    return buf.getvalue()
