"""Certificate codes: Luhn mod N check symbols (hand cases and published references)."""

from __future__ import annotations

from sdgcities.certification import codes


def test_classic_luhn_reference() -> None:
    # the standard Luhn example (ISO/IEC 7812-1, as on Wikipedia): 7992739871 → check digit 3
    assert codes.check_symbol("7992739871", "0123456789") == "3"


def test_luhn_mod_n_reference() -> None:
    # the Luhn mod N article's example: alphabet "abcdef", input "abcdef" → check "e"
    assert codes.check_symbol("abcdef", "abcdef") == "e"


def test_hand_case() -> None:
    # only the last symbol is non-zero: 1 doubled = 2; (32 − 2) mod 32 = 30 → "Y"
    assert codes.check_symbol("0" * 18 + "1") == "Y"
    assert codes.is_valid("0000-0000-0000-0000-001Y")


def test_new_codes_are_valid_unique_and_forgiving() -> None:
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200
    for code in made:
        assert codes.is_valid(code)
        assert len(code) == 24
        assert code.count("-") == 4
        assert codes.is_valid(code.lower().replace("-", " "))


def test_every_single_symbol_error_is_caught() -> None:
    code = codes.normalise(codes.new_code())
    for i, ch in enumerate(code):
        for other in codes.ALPHABET:
            if other != ch:
                assert not codes.is_valid(code[:i] + other + code[i + 1 :])


def test_wrong_shapes_are_not_codes() -> None:
    assert not codes.is_valid("")
    assert not codes.is_valid("not-a-code")
    assert not codes.is_valid("0000-0000-0000-0000-0000-0")
    assert not codes.is_valid("UUUU-0000-0000-0000-0000")
