"""Password hashing for the web layer (the implementation lives in ``sdgcities.accounts``)."""

from __future__ import annotations

from sdgcities.accounts._passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)

__all__ = ["MIN_PASSWORD_LENGTH", "hash_password", "needs_rehash", "verify_password"]
