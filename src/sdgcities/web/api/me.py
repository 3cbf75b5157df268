"""``/me``: the account behind the request, and its API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sdgcities.accounts.tokens import issue_token, list_tokens, revoke_token
from sdgcities.accounts.users import cities_of
from sdgcities.store.models import ApiToken, User
from sdgcities.web.api._common import DbSession
from sdgcities.web.api._schemas import NewToken, TokenIn, TokenOut, UserOut
from sdgcities.web.auth import CsrfChecked, require_user
from sdgcities.web.deps import IdPath

router = APIRouter(prefix="/me", tags=["accounts"])

LoggedIn = Annotated[User, Depends(require_user)]


def _token_out(row: ApiToken) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name or "",
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked,
    )


@router.get("", response_model=UserOut, summary="Who am I")
def me(request: Request, user: LoggedIn, session: DbSession) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name or "",
        role=user.role,
        region=user.region,
        cities=cities_of(session, [user])[user.id],
        auth=getattr(request.state, "auth", None),
    )


@router.get("/tokens", response_model=list[TokenOut], summary="My API tokens")
def my_tokens(user: LoggedIn, session: DbSession) -> list[TokenOut]:
    return [_token_out(t) for t in list_tokens(session, user.id)]


@router.post(
    "/tokens",
    response_model=NewToken,
    status_code=201,
    summary="Create an API token (shown once)",
    dependencies=[CsrfChecked],
)
def new_token(body: TokenIn, user: LoggedIn, session: DbSession) -> NewToken:
    token, row = issue_token(session, user.id, name=body.name)
    return NewToken(**_token_out(row).model_dump(), token=token)


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenOut,
    summary="Revoke an API token",
    dependencies=[CsrfChecked],
)
def delete_token(token_id: IdPath, user: LoggedIn, session: DbSession) -> TokenOut:
    return _token_out(revoke_token(session, token_id, user_id=user.id))
