"""Use cases of the assessments: answer, read the profile, open capacity needs from gaps.

Each function takes a session and flushes; the caller commits. Answers are written
only when every answer of the call is valid (nothing half-written).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.accounts import permissions
from sdgcities.cities.service import get_city
from sdgcities.errors import Finding, PermissionDeniedError, ValidationError
from sdgcities.institutions.models import AssessmentAnswer
from sdgcities.institutions.questionnaire import (
    AnswerIn,
    Gap,
    Profile,
    Questionnaire,
    builtin,
    check_answers,
    gaps,
    profile,
)
from sdgcities.store.models import City, User

ANSWER_COLUMNS = ("question", "value", "evidence", "evidence_url", "document")


def _city(session: Session, city: str | int | City) -> City:
    return city if isinstance(city, City) else get_city(session, city)


def check_may_answer(session: Session, actor: User | None, city: City) -> None:
    if not permissions.can_edit_city(actor, city.id, session):
        raise PermissionDeniedError(
            f"only {city.name}'s editors (and admins) answer its assessments"
        )


def answer(
    session: Session,
    city: str | int | City,
    questionnaire: str | Questionnaire,
    answers: list[AnswerIn],
    actor: User | None,
    *,
    file: str | None = None,
) -> list[AssessmentAnswer]:
    """Record answers (each a new row; the newest per question counts), all or nothing."""
    found = _city(session, city)
    check_may_answer(session, actor, found)
    q = questionnaire if isinstance(questionnaire, Questionnaire) else builtin(questionnaire)
    if not answers:
        raise ValidationError(
            "no answer given", [Finding("no answer", file=file, fix="answer at least one question")]
        )
    checked = check_answers(q, answers, file=file)
    rows = [
        AssessmentAnswer(
            city_id=found.id,
            questionnaire=q.id,
            version=q.version,
            question=qq.id,
            value=v,
            evidence=a.evidence.strip(),
            evidence_url=a.evidence_url.strip(),
            document=a.document.strip(),
            answered_by=actor.email if actor else "",
        )
        for qq, v, a in checked
    ]
    session.add_all(rows)
    session.flush()
    return rows


def read_answers_csv(path: Path) -> list[AnswerIn]:
    """Answers from a CSV (``question, value[, evidence, evidence_url, document]``)."""
    name = path.name
    if not path.exists() or path.is_dir():
        raise ValidationError(
            f"{path}: no such file",
            [Finding("the file does not exist", file=str(path), fix="check the path")],
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValidationError(
            f"{name} is not UTF-8 text", [Finding(str(err), file=name, fix="save as UTF-8 CSV")]
        ) from err
    return parse_answers_csv(text, file=name)


def parse_answers_csv(text: str, *, file: str) -> list[AnswerIn]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    problems = [
        Finding(
            f"column {c!r} is missing",
            file=file,
            row=1,
            column=c,
            fix=f"the header is {', '.join(ANSWER_COLUMNS)}",
        )
        for c in ("question", "value")
        if c not in header
    ]
    problems += [
        Finding(
            f"unknown column {c!r}",
            file=file,
            row=1,
            column=c,
            fix=f"use {', '.join(ANSWER_COLUMNS)}",
        )
        for c in header
        if c not in ANSWER_COLUMNS
    ]
    if problems:
        raise ValidationError(f"{file}: the answers cannot be read", problems)
    out = []
    for i, raw in enumerate(reader, start=2):
        r = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(r.values()):
            continue
        out.append(
            AnswerIn(
                r.get("question", ""),
                r.get("value", ""),
                r.get("evidence", ""),
                r.get("evidence_url", ""),
                r.get("document", ""),
                row=i,
            )
        )
    return out


def current_answers(session: Session, city: City, q: Questionnaire) -> dict[str, AssessmentAnswer]:
    """The newest answer to each question of ``q``'s version."""
    rows = session.scalars(
        select(AssessmentAnswer)
        .where(
            AssessmentAnswer.city_id == city.id,
            AssessmentAnswer.questionnaire == q.id,
            AssessmentAnswer.version == q.version,
        )
        .order_by(AssessmentAnswer.id)
    )
    return {r.question: r for r in rows}


@dataclass
class CityProfile:
    city: City
    questionnaire: Questionnaire
    profile: Profile
    gaps: list[Gap]
    answers: dict[str, AssessmentAnswer]

    def as_dict(self, *, staff: bool = False) -> dict[str, Any]:
        out = self.profile.as_dict()
        out["city"] = self.city.slug
        out["title"] = self.questionnaire.title
        out["gap_threshold"] = self.questionnaire.gap_threshold
        out["gaps"] = [vars(g) for g in self.gaps]
        out["answers"] = [
            {
                "question": a.question,
                "value": a.value,
                "evidence": a.evidence,
                "evidence_url": a.evidence_url,
                "document": a.document,
                "answered_at": a.answered_at.isoformat(),
                **({"answered_by": a.answered_by} if staff else {}),
            }
            for a in self.answers.values()
        ]
        return out


def city_profile(session: Session, city: str | int | City, questionnaire: str) -> CityProfile:
    found = _city(session, city)
    q = builtin(questionnaire)
    answers = current_answers(session, found, q)
    p = profile(q, {k: float(a.value) for k, a in answers.items()})
    return CityProfile(found, q, p, gaps(q, p), answers)


def open_needs_from_gaps(
    session: Session, city: str | int | City, questionnaire: str, actor: User | None
) -> list[Any]:
    """Open a capacity need for each question gap that has no open need yet (link kept)."""
    from sdgcities.capacity.needs import open_need_from_assessment

    found = _city(session, city)
    check_may_answer_or_review(session, actor, found)
    cp = city_profile(session, found, questionnaire)
    q = cp.questionnaire
    opened = []
    for g in cp.gaps:
        if g.kind != "question" or g.question is None:
            continue
        area = q.area(g.area)
        qq = q.questions[g.question]
        need = open_need_from_assessment(
            session,
            city_id=found.id,
            questionnaire=q.id,
            version=q.version,
            question=qq.id,
            score=g.score,
            themes=list(area.need.get("themes", [])),
            level=str(area.need.get("level", "organisation")),
            core_issue=str(area.need.get("core_issue", "institutional_arrangements")),
            functional_capacity=str(
                area.need.get("functional_capacity", "budget_manage_implement")
            ),
            description=f"{q.title} — {area.title}: {qq.text}",
            created_by=actor.email if actor else "",
        )
        if need is not None:
            opened.append(need)
    return opened


def check_may_answer_or_review(session: Session, actor: User | None, city: City) -> None:
    if not (
        permissions.can_edit_city(actor, city.id, session)
        or permissions.can_review(actor, city.id, session)
    ):
        raise PermissionDeniedError(
            f"only {city.name}'s editors, its hub and admins open needs from its assessments"
        )
