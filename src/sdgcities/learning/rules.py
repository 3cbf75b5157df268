"""The learning domain's rules, pure (no I/O): scores, pass marks, completion, codes.

* **Score** of an attempt: ``100 × correct ÷ questions`` (a question counts as correct
  when the chosen choice is its answer; an unanswered question is wrong).
* **Passed**: ``score ≥ pass_mark`` (both in percent; a pass mark of 70 is passed by 70).
* **Completion** (the course's rules, never typed): every lesson viewed, every
  assessment passed by its best attempt, and — for a blended course — an attendance mark
  given by a trainer or hub staff.
* **Certificate codes** ``SDGL-XXXX-XXXX-XXXC``: 11 characters drawn with :mod:`secrets`
  from Crockford's base-32 alphabet (55 random bits) and one check character by the
  Luhn mod N algorithm (N = 32), which catches every single mistyped character and
  every swap of two adjacent ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

FORMATS = ("self_paced", "blended")
SEXES = ("female", "male", "other", "not_stated")
ORGANISATION_TYPES = (
    "national_government",
    "local_government",
    "academia",
    "ngo_cso",
    "private_sector",
    "un_international",
    "other",
    "not_stated",
)
#: the country groups of the reports (capacity/groups.py)
COUNTRY_GROUPS = ("ldc", "other_countries", "not_stated")

#: Crockford's base-32 alphabet (no I, L, O, U)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "SDGL"
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def score(questions: Sequence[dict[str, object]], answers: Sequence[int | None]) -> float:
    """Percent of ``questions`` whose ``answer`` index equals the chosen index."""
    if not questions:
        return 100.0
    correct = sum(
        1
        for i, q in enumerate(questions)
        if i < len(answers) and answers[i] is not None and answers[i] == q["answer"]
    )
    return round(100.0 * correct / len(questions), 4)


def passed(value: float, pass_mark: float) -> bool:
    """Whether a score reaches the pass mark (``score ≥ pass_mark``, percent)."""
    return value >= pass_mark - 1e-9


@dataclass(frozen=True)
class Progress:
    """Where an enrolment stands against its course's completion rules."""

    lessons_total: int
    lessons_viewed: int
    assessments_total: int
    assessments_passed: int
    needs_attendance: bool
    attended: bool

    @property
    def complete(self) -> bool:
        return (
            self.lessons_viewed >= self.lessons_total
            and self.assessments_passed >= self.assessments_total
            and (self.attended or not self.needs_attendance)
        )

    @property
    def missing(self) -> list[str]:
        """What is still to do, in words (for pages and the CLI)."""
        out = []
        if self.lessons_viewed < self.lessons_total:
            out.append(f"{self.lessons_total - self.lessons_viewed} lesson(s) to view")
        if self.assessments_passed < self.assessments_total:
            out.append(f"{self.assessments_total - self.assessments_passed} assessment(s) to pass")
        if self.needs_attendance and not self.attended:
            out.append("attendance to be marked by a trainer")
        return out


def luhn_mod_n_check(payload: str, alphabet: str = ALPHABET) -> str:
    """The Luhn mod N check character of ``payload`` (Luhn's algorithm over ``alphabet``).

    From the rightmost character, every second code point is doubled and its base-N
    digits summed; the check character makes the total a multiple of N. With the digits
    0–9 this is the Luhn check digit of ISO/IEC 7812-1.
    """
    n = len(alphabet)
    factor = 2
    total = 0
    for ch in reversed(payload):
        addend = factor * alphabet.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return alphabet[(n - total % n) % n]


def luhn_mod_n_valid(text: str, alphabet: str = ALPHABET) -> bool:
    """Whether the last character of ``text`` is the Luhn mod N check of the rest."""
    return len(text) > 1 and luhn_mod_n_check(text[:-1], alphabet) == text[-1]


def new_code() -> str:
    """A fresh certificate code ``SDGL-XXXX-XXXX-XXXC`` (random from :mod:`secrets`)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(11))
    full = body + luhn_mod_n_check(body)
    return f"{PREFIX}-{full[0:4]}-{full[4:8]}-{full[8:12]}"


def normalise_code(text: str) -> str | None:
    """``text`` as a well-formed code (upper case, O→0, I/L→1, dashes in place), or None
    when it cannot be one (wrong length, a character outside the alphabet, a bad check).
    """
    raw = "".join(ch for ch in text.strip().upper() if ch not in " -")
    if raw.startswith(PREFIX):
        raw = raw[len(PREFIX) :]
    raw = "".join(_READ_AS.get(ch, ch) for ch in raw)
    if len(raw) != 12 or any(ch not in ALPHABET for ch in raw) or not luhn_mod_n_valid(raw):
        return None
    return f"{PREFIX}-{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (SQLite gives back naive datetimes: they were stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def country_group(iso3: str | None) -> str:
    """``ldc`` for a least developed country (UN list), ``other_countries``, or
    ``not_stated``."""
    from sdgcities.capacity.groups import is_ldc

    if not iso3:
        return "not_stated"
    return "ldc" if is_ldc(iso3) else "other_countries"
