"""Certificate codes: unguessable, easy to read aloud, with a check character.

A code is 19 random symbols of Crockford's base 32 (``0-9A-Z`` without ``I L O U``;
95 bits from :mod:`secrets`) and one check symbol computed with the Luhn mod N
algorithm (N = 32), shown in groups of four: ``7KQ2-M9XA-…``. Reading is forgiving
as Crockford's alphabet intends: case, spaces and hyphens are ignored, ``O`` reads as
``0`` and ``I``/``L`` as ``1``. The check symbol catches every single mistyped symbol
and most swaps of two neighbours before the store is asked.

Sources: D. Crockford, "Base32" (crockford.com/base32.html); Luhn mod N algorithm
(H. P. Luhn, US patent 2,950,048; generalisation to base N).

>>> check_symbol("0000000000000000001")
'Y'
>>> is_valid(format_code("0000000000000000001" + "Y"))
True
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
BODY = 19
_READ = {"O": "0", "I": "1", "L": "1"}


def _luhn_sum(symbols: str, alphabet: str, *, start_factor: int) -> int:
    """Σ of the Luhn addends: from the right, every other symbol's index doubled and its
    base-N digits added (``a // N + a % N``)."""
    n, total, factor = len(alphabet), 0, start_factor
    for ch in reversed(symbols):
        addend = factor * alphabet.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return total


def check_symbol(body: str, alphabet: str = ALPHABET) -> str:
    """The Luhn mod N check symbol of ``body``: ``(N − Σ mod N) mod N`` (N = len(alphabet)).

    With the digits as alphabet this is the classic Luhn check digit:

    >>> check_symbol("7992739871", "0123456789")
    '3'
    """
    n = len(alphabet)
    return alphabet[(n - _luhn_sum(body, alphabet, start_factor=2) % n) % n]


def normalise(text: str) -> str:
    """The code's symbols: upper case, without spaces or hyphens, O→0, I/L→1."""
    raw = "".join(ch for ch in text.upper() if ch not in " -")
    return "".join(_READ.get(ch, ch) for ch in raw)


def is_valid(text: str) -> bool:
    """Whether ``text`` has the form of a code and its check symbol is right."""
    code = normalise(text)
    if len(code) != BODY + 1 or any(ch not in ALPHABET for ch in code):
        return False
    return _luhn_sum(code, ALPHABET, start_factor=1) % N == 0


def format_code(code: str) -> str:
    """``code`` in groups of four symbols joined by hyphens."""
    c = normalise(code)
    return "-".join(c[i : i + 4] for i in range(0, len(c), 4))


def new_code() -> str:
    """A fresh random code with its check symbol, formatted."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return format_code(body + check_symbol(body))
