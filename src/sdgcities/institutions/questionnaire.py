"""The questionnaire engine: questionnaires as data, answers checked, profile and gaps.

Pure rules, no store. A questionnaire file (YAML, see ``data/README.md``) is read and
checked whole (:func:`read_questionnaire`); answers are checked against it
(:func:`check_answers`); :func:`profile` scores each area and :func:`gaps` lists what
falls below the questionnaire's threshold.

Profile method (the platform's, stated here so it can be audited)::

    s_q        = (v_q − min_q) / (max_q − min_q)                 # 0–1, per answered question
    area score = 100 × Σ_q w_q s_q / Σ_q w_q                     # answered questions only
    overall    = 100 × Σ_all answered w_q s_q / Σ_all answered w_q

Unanswered questions are listed and never counted as 0: an area with no answer has no
score (``None``). ``coverage`` is the share of the area's weight that was answered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sdgcities.errors import Finding, NotFoundError, ValidationError

BUILTIN = ("institutional", "digital")
NEED_FIELDS = ("themes", "level", "core_issue", "functional_capacity")


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    levels: dict[int, str]

    def allowed(self) -> str:
        return f"{self.min}–{self.max}"


@dataclass(frozen=True)
class Question:
    id: str
    area: str
    text: str
    evidence: str
    weight: float
    scale: Scale


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    questions: tuple[Question, ...]
    need: dict[str, Any]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    title: str
    file: str
    scale: Scale
    gap_threshold: float
    areas: tuple[Area, ...]
    header: str = ""

    @property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for a in self.areas for q in a.questions}

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise NotFoundError(f"{self.file} has no area {area_id!r}")


def _scale(raw: Any, where: str, file: str, out: list[Finding]) -> Scale | None:
    if not isinstance(raw, dict):
        out.append(
            Finding(
                f"{where}: scale is not a mapping",
                file=file,
                column="scale",
                fix="min:, max:, levels:",
            )
        )
        return None
    lo, hi = raw.get("min"), raw.get("max")
    if not isinstance(lo, int) or not isinstance(hi, int) or lo >= hi:
        out.append(
            Finding(
                f"{where}: scale min {lo!r} / max {hi!r} are not whole numbers with min < max",
                file=file,
                column="scale",
                fix="e.g. min: 0, max: 4",
            )
        )
        return None
    levels = raw.get("levels") or {}
    if not isinstance(levels, dict) or sorted(int(k) for k in levels) != list(range(lo, hi + 1)):
        out.append(
            Finding(
                f"{where}: scale levels must describe every value {lo}–{hi}",
                file=file,
                column="scale.levels",
                fix="one descriptor per level",
            )
        )
        return None
    return Scale(lo, hi, {int(k): str(v) for k, v in levels.items()})


def parse_questionnaire(data: Any, *, file: str, header: str = "") -> Questionnaire:
    """A questionnaire from its parsed YAML; every problem in one ValidationError."""
    from sdgcities.capacity import vocabulary as vocab

    out: list[Finding] = []
    if not isinstance(data, dict):
        raise ValidationError(
            f"{file} is not a questionnaire",
            [
                Finding(
                    "the top level is not a mapping", file=file, fix="id:, version:, scale:, areas:"
                )
            ],
        )
    for key in ("id", "version", "title", "scale", "areas"):
        if key not in data:
            out.append(
                Finding(
                    f"{key} is missing",
                    file=file,
                    column=key,
                    fix=f"give the questionnaire's {key}",
                )
            )
    if out:
        raise ValidationError(f"{file} is not a valid questionnaire", out)
    scale = _scale(data["scale"], "questionnaire", file, out)
    threshold = data.get("gap_threshold", 50)
    if not isinstance(threshold, int | float) or not 0 <= threshold <= 100:
        out.append(
            Finding(
                f"gap_threshold {threshold!r} is not 0–100",
                file=file,
                column="gap_threshold",
                fix="e.g. 50",
            )
        )
    areas: list[Area] = []
    seen: set[str] = set()
    for ai, raw in enumerate(data["areas"] or [], start=1):
        aid = str(raw.get("id", "")) if isinstance(raw, dict) else ""
        if not aid:
            out.append(
                Finding(
                    f"area {ai} has no id", file=file, column="areas", fix="give each area an id"
                )
            )
            continue
        need = {k: raw.get(k) for k in NEED_FIELDS if raw.get(k) is not None}
        for t in need.get("themes", []):
            if t not in vocab.themes():
                out.append(
                    Finding(
                        f"area {aid}: unknown theme {t!r}",
                        file=file,
                        column="themes",
                        value=str(t),
                        fix=f"use {', '.join(vocab.themes())}",
                    )
                )
        questions: list[Question] = []
        for qi, q in enumerate(raw.get("questions") or [], start=1):
            qid = str(q.get("id", "")) if isinstance(q, dict) else ""
            if not qid:
                out.append(
                    Finding(
                        f"area {aid}: question {qi} has no id",
                        file=file,
                        column="questions",
                        fix="give each question an id",
                    )
                )
                continue
            if qid in seen:
                out.append(
                    Finding(
                        f"question id {qid!r} is used twice",
                        file=file,
                        column="id",
                        value=qid,
                        fix="question ids are unique in a questionnaire",
                    )
                )
            seen.add(qid)
            qscale = _scale(q["scale"], f"question {qid}", file, out) if "scale" in q else scale
            weight = q.get("weight", 1)
            if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
                out.append(
                    Finding(
                        f"question {qid}: weight {weight!r} is not > 0",
                        file=file,
                        column="weight",
                        fix="e.g. 1",
                    )
                )
                weight = 1
            if not str(q.get("text", "")).strip():
                out.append(
                    Finding(
                        f"question {qid} has no text",
                        file=file,
                        column="text",
                        fix="write the question",
                    )
                )
            if qscale is not None:
                questions.append(
                    Question(
                        qid,
                        aid,
                        str(q.get("text", "")),
                        str(q.get("evidence", "")),
                        float(weight),
                        qscale,
                    )
                )
        if not questions:
            out.append(
                Finding(
                    f"area {aid} has no question",
                    file=file,
                    column="questions",
                    fix="add at least one question",
                )
            )
        areas.append(Area(aid, str(raw.get("title", aid)), tuple(questions), need))
    if out or scale is None:
        raise ValidationError(f"{file} is not a valid questionnaire", out)
    return Questionnaire(
        str(data["id"]),
        str(data["version"]),
        str(data["title"]),
        file,
        scale,
        float(threshold),
        tuple(areas),
        header,
    )


def read_questionnaire(path: Path) -> Questionnaire:
    """Read and check a questionnaire file."""
    text = path.read_text(encoding="utf-8")
    header = "\n".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValidationError(
            f"{path.name} is not valid YAML",
            [Finding(str(err).splitlines()[0], file=path.name, fix="check the indentation")],
        ) from err
    return parse_questionnaire(data, file=path.name, header=header)


@lru_cache(maxsize=8)
def builtin(qid: str) -> Questionnaire:
    """A shipped questionnaire by id (``institutional`` or ``digital``)."""
    if qid not in BUILTIN:
        raise NotFoundError(f"no questionnaire {qid!r}: use one of {', '.join(BUILTIN)}")
    with resources.as_file(resources.files("sdgcities.institutions") / "data" / f"{qid}.yaml") as p:
        return read_questionnaire(p)


def builtins() -> list[Questionnaire]:
    return [builtin(q) for q in BUILTIN]


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class AnswerIn:
    question: str
    value: Any
    evidence: str = ""
    evidence_url: str = ""
    document: str = ""
    row: int | None = None


def check_answers(
    q: Questionnaire, answers: Sequence[AnswerIn], *, file: str | None = None
) -> list[tuple[Question, int, AnswerIn]]:
    """Every answer checked (known question, whole value within its scale); all at once.

    A finding names the questionnaire file, the question id and the allowed range.
    """
    questions = q.questions
    out: list[Finding] = []
    ok: list[tuple[Question, int, AnswerIn]] = []
    seen: set[str] = set()
    where = f"{file} ({q.file})" if file else q.file
    for a in answers:
        qq = questions.get(a.question)
        if qq is None:
            out.append(
                Finding(
                    f"{q.file}: unknown question id {a.question!r}",
                    file=file or q.file,
                    row=a.row,
                    column="question",
                    value=a.question,
                    fix=f"use a question id of {q.file}: {', '.join(questions)}",
                )
            )
            continue
        if a.question in seen:
            out.append(
                Finding(
                    f"question {a.question} is answered twice",
                    file=file or q.file,
                    row=a.row,
                    column="question",
                    value=a.question,
                    fix="one answer per question",
                )
            )
            continue
        seen.add(a.question)
        try:
            num = (
                float(str(a.value).strip())
                if not isinstance(a.value, int | float)
                else float(a.value)
            )
        except ValueError:
            num = math.nan
        if math.isnan(num) or num != int(num) or not qq.scale.min <= num <= qq.scale.max:
            levels = "; ".join(f"{k} {v}" for k, v in qq.scale.levels.items())
            out.append(
                Finding(
                    f"{q.file}, question {qq.id}: answer {a.value!r} is outside its scale "
                    f"{qq.scale.allowed()}",
                    file=file or q.file,
                    row=a.row,
                    column="value",
                    value=str(a.value),
                    fix=f"answer a whole number {qq.scale.allowed()} ({levels})",
                )
            )
            continue
        ok.append((qq, int(num), a))
    if out:
        raise ValidationError(f"{where}: the answers cannot be saved; nothing was saved", out)
    return ok


# --------------------------------------------------------------------------- profile


@dataclass
class AreaScore:
    area: str
    title: str
    score: float | None
    answered: int
    questions: int
    coverage: float
    unanswered: list[str] = field(default_factory=list)


@dataclass
class Profile:
    questionnaire: str
    version: str
    overall: float | None
    areas: list[AreaScore]
    question_scores: dict[str, float]
    unanswered: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "questionnaire": self.questionnaire,
            "version": self.version,
            "overall": self.overall,
            "areas": [vars(a) for a in self.areas],
            "question_scores": dict(self.question_scores),
            "unanswered": list(self.unanswered),
        }


def normalised(question: Question, value: float) -> float:
    """``(v − min) / (max − min)``: 0 at the bottom of the scale, 1 at the top."""
    return (value - question.scale.min) / (question.scale.max - question.scale.min)


def profile(q: Questionnaire, values: Mapping[str, float]) -> Profile:
    """Scores per area and overall, 0–100 (formula in the module docstring).

    >>> qn = builtin("institutional")
    >>> p = profile(qn, {"gov-participation": 4, "gov-disaggregated": 0})
    >>> round(p.areas[0].score, 1)   # 100 × (2×1 + 1×0) / 3
    66.7
    >>> p.areas[1].score is None     # revenue: nothing answered, never counted as 0
    True
    """
    areas: list[AreaScore] = []
    qscores: dict[str, float] = {}
    all_w = all_ws = 0.0
    unanswered: list[str] = []
    for a in q.areas:
        w = ws = total_w = 0.0
        missing: list[str] = []
        for qq in a.questions:
            total_w += qq.weight
            if qq.id not in values:
                missing.append(qq.id)
                continue
            s = normalised(qq, float(values[qq.id]))
            qscores[qq.id] = 100.0 * s
            w += qq.weight
            ws += qq.weight * s
        all_w += w
        all_ws += ws
        unanswered += missing
        areas.append(
            AreaScore(
                area=a.id,
                title=a.title,
                score=100.0 * ws / w if w else None,
                answered=len(a.questions) - len(missing),
                questions=len(a.questions),
                coverage=w / total_w if total_w else 0.0,
                unanswered=missing,
            )
        )
    return Profile(
        q.id, q.version, 100.0 * all_ws / all_w if all_w else None, areas, qscores, unanswered
    )


@dataclass(frozen=True)
class Gap:
    kind: str  # "area" | "question"
    area: str
    question: str | None
    score: float
    threshold: float


def gaps(q: Questionnaire, p: Profile) -> list[Gap]:
    """Areas and answered questions scoring below ``gap_threshold`` (unanswered: no gap)."""
    out: list[Gap] = []
    for a, s in zip(q.areas, p.areas, strict=True):
        if s.score is not None and s.score < q.gap_threshold:
            out.append(Gap("area", a.id, None, s.score, q.gap_threshold))
        for qq in a.questions:
            v = p.question_scores.get(qq.id)
            if v is not None and v < q.gap_threshold:
                out.append(Gap("question", a.id, qq.id, v, q.gap_threshold))
    return out
