"""Courses as data: read and check a course file (YAML or JSON), all findings at once.

A course file holds one course::

    slug: sdg-monitoring-basics          # a-z, 0-9 and dashes
    catalogue: learn-sdg-monitoring      # the catalogue entry (kind training_course)
    title: SDG monitoring basics
    summary: One paragraph.
    format: self_paced                   # or blended (adds an attendance mark)
    language: en
    hours: 2
    lessons:
      - title: What is measured
        text: |                          # Markdown; raw HTML is escaped, never kept
          ...
      - title: Reading
        url: https://example.org/guide   # or a link to material elsewhere
    assessments:
      - title: Check
        pass_mark: 70                    # percent
        questions:
          - text: A question?
            choices: [first, second, third]
            answer: 2                    # the right choice, counted from 1

:func:`parse_course` returns a :class:`CourseSpec` or raises one
:class:`~sdgcities.errors.ValidationError` listing every problem with its field path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdgcities.errors import Finding, ValidationError
from sdgcities.learning._files import read_text
from sdgcities.learning.rules import FORMATS

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class LessonSpec:
    title: str
    body_html: str = ""
    url: str = ""


@dataclass(frozen=True)
class AssessmentSpec:
    title: str
    pass_mark: float
    #: [{"text", "choices", "answer" (0-based)}]
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    catalogue: str
    title: str
    summary: str
    format: str
    language: str
    hours: float
    lessons: list[LessonSpec]
    assessments: list[AssessmentSpec]


def markdown_html(text: str) -> str:
    """Markdown as safe HTML: raw HTML is escaped, unsafe link schemes are dropped."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).render(text))


def read_course_file(path: Path) -> dict[str, Any]:
    """The mapping in a ``.yaml``/``.yml``/``.json`` course file."""
    import yaml

    name = path.name
    text = read_text(path)
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise ValidationError(
            f"{name} cannot be read",
            [
                Finding(
                    f"not valid {path.suffix.lstrip('.') or 'YAML'}: {err}",
                    file=name,
                    fix="correct the syntax at the place named",
                )
            ],
        ) from err
    if not isinstance(data, dict):
        raise ValidationError(
            f"{name} holds no course",
            [
                Finding(
                    "the file must hold one mapping (slug, title, lessons …)",
                    file=name,
                    fix="see `sdgcities learning course import --help` for the layout",
                )
            ],
        )
    return data


def parse_course(data: dict[str, Any], *, file: str | None = None) -> CourseSpec:
    """A checked :class:`CourseSpec` from a course mapping; every problem is listed."""
    found: list[Finding] = []

    def bad(path: str, message: str, value: object = None, fix: str | None = None) -> None:
        found.append(
            Finding(
                message,
                file=file,
                column=path,
                value=None if value is None else str(value)[:80],
                fix=fix,
            )
        )

    def text(
        key: str, *, required: bool = True, where: dict[str, Any] = data, prefix: str = ""
    ) -> str:
        value = where.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                bad(prefix + key, "missing", fix=f"give {prefix + key}")
            return ""
        if not isinstance(value, str | int | float):
            bad(prefix + key, "must be text", value)
            return ""
        return str(value).strip()

    slug = text("slug")
    if slug and not _SLUG.match(slug):
        bad("slug", "not a valid slug", slug, "use a-z, 0-9 and single dashes")
    catalogue = text("catalogue")
    title = text("title")
    summary = text("summary", required=False)
    fmt = text("format", required=False) or "self_paced"
    if fmt not in FORMATS:
        bad("format", "unknown format", fmt, f"use one of {', '.join(FORMATS)}")
    language = text("language", required=False) or "en"
    if not _LANG.match(language):
        bad("language", "not a language code", language, "use a code such as en, fr, es")
    hours_raw = data.get("hours", 1)
    hours = 0.0
    if (
        isinstance(hours_raw, bool)
        or not isinstance(hours_raw, int | float)
        or not (0 < float(hours_raw) <= 1000)
    ):
        bad("hours", "must be a number of hours above 0", hours_raw, "e.g. hours: 2")
    else:
        hours = float(hours_raw)
    lessons: list[LessonSpec] = []
    raw_lessons = data.get("lessons") or []
    if not isinstance(raw_lessons, list) or not raw_lessons:
        bad("lessons", "a course needs at least one lesson", fix="add a list under lessons:")
        raw_lessons = []
    for i, lesson in enumerate(raw_lessons, start=1):
        p = f"lessons[{i}]."
        if not isinstance(lesson, dict):
            bad(f"lessons[{i}]", "must be a mapping with title and text or url", lesson)
            continue
        ltitle = text("title", where=lesson, prefix=p)
        body = text("text", required=False, where=lesson, prefix=p)
        url = text("url", required=False, where=lesson, prefix=p)
        if not body and not url:
            bad(p + "text", "a lesson needs text or a url", fix="add text: or url:")
        if url and not re.match(r"^https?://[^\s<>\"]+$", url):
            bad(p + "url", "not an http(s) link", url, "use a full https:// address")
        lessons.append(LessonSpec(ltitle, markdown_html(body) if body else "", url))
    assessments: list[AssessmentSpec] = []
    raw_ass = data.get("assessments") or []
    if not isinstance(raw_ass, list):
        bad("assessments", "must be a list", raw_ass)
        raw_ass = []
    for i, ass in enumerate(raw_ass, start=1):
        p = f"assessments[{i}]."
        if not isinstance(ass, dict):
            bad(f"assessments[{i}]", "must be a mapping", ass)
            continue
        atitle = text("title", where=ass, prefix=p)
        mark = ass.get("pass_mark")
        if isinstance(mark, bool) or not isinstance(mark, int | float) or not 0 < mark <= 100:
            bad(
                p + "pass_mark",
                "must be a percentage above 0 and at most 100",
                mark,
                "e.g. pass_mark: 70",
            )
            mark = 0
        questions: list[dict[str, Any]] = []
        raw_q = ass.get("questions") or []
        if not isinstance(raw_q, list) or not raw_q:
            bad(p + "questions", "an assessment needs at least one question")
            raw_q = []
        for j, q in enumerate(raw_q, start=1):
            qp = f"{p}questions[{j}]."
            if not isinstance(q, dict):
                bad(qp.rstrip("."), "must be a mapping with text, choices and answer", q)
                continue
            qtext = text("text", where=q, prefix=qp)
            choices = q.get("choices")
            if (
                not isinstance(choices, list)
                or len(choices) < 2
                or not all(isinstance(c, str | int | float) and str(c).strip() for c in choices)
            ):
                bad(qp + "choices", "needs a list of at least two choices", choices)
                choices = []
            answer = q.get("answer")
            if (
                isinstance(answer, bool)
                or not isinstance(answer, int)
                or not (1 <= answer <= len(choices))
            ):
                if choices:
                    bad(
                        qp + "answer",
                        f"must be the number of the right choice, 1–{len(choices)}",
                        answer,
                    )
                answer = 1
            questions.append(
                {"text": qtext, "choices": [str(c).strip() for c in choices], "answer": answer - 1}
            )
        assessments.append(AssessmentSpec(atitle, float(mark), questions))
    if found:
        raise ValidationError(f"{file or 'the course'}: {len(found)} problem(s)", found)
    return CourseSpec(slug, catalogue, title, summary, fmt, language, hours, lessons, assessments)
