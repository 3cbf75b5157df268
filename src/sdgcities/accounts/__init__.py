"""Accounts, roles, API tokens, web sessions and login throttling (framework-free).

The web layer (:mod:`sdgcities.web.auth`) and the CLI (``sdgcities users``) are thin
adapters over these functions.
"""

from __future__ import annotations

from sdgcities.accounts.errors import AuthenticationError, ThrottledError
from sdgcities.accounts.login import authenticate
from sdgcities.accounts.permissions import can_edit_city, draft_city_ids, editable_city_ids
from sdgcities.accounts.tokens import issue_token, revoke_token, verify_token
from sdgcities.accounts.users import (
    create_user,
    get_user,
    grant_city,
    list_users,
    revoke_city,
    set_role,
)

__all__ = [
    "AuthenticationError",
    "ThrottledError",
    "authenticate",
    "can_edit_city",
    "create_user",
    "draft_city_ids",
    "editable_city_ids",
    "get_user",
    "grant_city",
    "issue_token",
    "list_users",
    "revoke_city",
    "revoke_token",
    "set_role",
    "verify_token",
]
