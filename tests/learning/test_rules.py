"""The pure rules: scores, pass marks, completion, certificate codes (hand-computed)."""

from __future__ import annotations

import pytest

from sdgcities.learning import rules

Q = [{"text": f"q{i}", "choices": ["a", "b", "c"], "answer": 1} for i in range(4)]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([1, 1, 1, 1], 100.0),
        ([1, 1, 1, 0], 75.0),
        ([1, None, 0, 2], 25.0),
        ([], 0.0),
        ([1, 1], 50.0),
    ],
)
def test_score_is_the_share_of_right_answers(answers: list[int | None], expected: float) -> None:
    assert rules.score(Q, answers) == expected


def test_pass_mark_is_reached_at_equality() -> None:
    assert rules.passed(75.0, 75)
    assert not rules.passed(74.9999, 75)
    # 2 of 3 right is 66.6667 %: below a pass mark of 70, above one of 66
    s = rules.score(Q[:3], [1, 1, 0])
    assert s == pytest.approx(66.6667, abs=1e-4)
    assert not rules.passed(s, 70)
    assert rules.passed(s, 66)


def test_completion_needs_every_rule() -> None:
    base = {
        "lessons_total": 3,
        "lessons_viewed": 3,
        "assessments_total": 1,
        "assessments_passed": 1,
        "needs_attendance": False,
        "attended": False,
    }
    assert rules.Progress(**base).complete
    assert not rules.Progress(**{**base, "lessons_viewed": 2}).complete
    assert not rules.Progress(**{**base, "assessments_passed": 0}).complete
    blended = rules.Progress(**{**base, "needs_attendance": True})
    assert not blended.complete
    assert blended.missing == ["attendance to be marked by a trainer"]
    assert rules.Progress(**{**base, "needs_attendance": True, "attended": True}).complete


def test_luhn_mod_n_with_digits_is_the_card_luhn() -> None:
    # external reference: 79927398713 is the worked example of the Luhn algorithm
    # (ISO/IEC 7812-1; the check digit of 7992739871 is 3)
    assert rules.luhn_mod_n_check("7992739871", "0123456789") == "3"
    assert rules.luhn_mod_n_valid("79927398713", "0123456789")
    assert not rules.luhn_mod_n_valid("79927398710", "0123456789")


def test_codes_are_well_formed_and_catch_a_typo() -> None:
    codes = {rules.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in list(codes)[:50]:
        assert rules.normalise_code(code) == code
        assert rules.normalise_code(code.lower().replace("-", " ")) == code
        raw = code.replace("-", "")[4:]
        # every single-character change of the body is caught by the check character
        for pos in range(12):
            for ch in rules.ALPHABET:
                if ch != raw[pos]:
                    bad = raw[:pos] + ch + raw[pos + 1 :]
                    assert rules.normalise_code(bad) is None
    assert rules.normalise_code("SDGL-NOPE") is None
    assert rules.normalise_code("") is None


def test_country_groups() -> None:
    assert rules.country_group("NPL") == "ldc"
    assert rules.country_group("KEN") == "other_countries"
    assert rules.country_group(None) == "not_stated"
