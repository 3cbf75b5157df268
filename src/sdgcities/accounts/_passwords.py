"""Password hashing with Argon2id (argon2-cffi), behind two small functions."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()

#: a valid hash of a random password, verified against when the e-mail is unknown so
#: that a login for an unknown user costs the same time as one for a known user
_DUMMY_HASH = _HASHER.hash("sdgcities-dummy-password-never-used")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted; the parameters are in the string)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for a malformed hash."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with older parameters and should be renewed on login."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
