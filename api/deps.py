"""The request dependencies every route uses, one name each (as in fastapi/full-stack-fastapi-template).

- SessionDep: one database session per request, closed afterwards.
- CurrentUser: the signed-in, active staff member (401 otherwise). A token is accepted from the
  `Authorization: Bearer ...` header (API clients) or from the HttpOnly session cookie set at sign-in (the
  web screens). Every request re-reads the user, so disabling an account, changing its role or logging out
  takes effect at once.
- require_role(...): the current user if their role is one of those (403 otherwise); the role aliases below.
"""

from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.core.guards import SESSION_COOKIE
from api.core.security import decode_access_token
from common.db import get_sessionmaker
from common.staff_accounts import User
from dialogue.vocabularies import ROLES


def get_session() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

NOT_SIGNED_IN = "not authenticated: sign in at /login or send a bearer token"


def _unauthorized(detail: str = NOT_SIGNED_IN) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def current_user(request: Request, session: SessionDep) -> User:
    """FastAPI dependency: the signed-in, active staff member (401 otherwise)."""
    token = _token_from(request)
    if token is None:
        raise _unauthorized()
    try:
        claims = decode_access_token(token)
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise _unauthorized("invalid or expired token: sign in again") from None
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise _unauthorized("this account does not exist or is disabled")
    valid_after = user.tokens_valid_after
    if valid_after is not None:
        if valid_after.tzinfo is None:  # SQLite returns naive datetimes
            valid_after = valid_after.replace(tzinfo=UTC)
        if claims["iat"] < int(valid_after.timestamp()):
            raise _unauthorized("this session has ended: sign in again")
    return user


def require_role(*roles: str) -> Callable[..., User]:
    """A dependency returning the current user if their role is one of `roles` (401 anonymous, 403 other)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_role needs roles among {ROLES}, got {roles}")

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the role {' or '.join(roles)}")
        return user

    return dependency


CurrentUser = Annotated[User, Depends(current_user)]
# Who may do what: onthaal workers take over conversations; ELZ staff review signals and edit the sociale
# kaart; administrators may do both.
OnthaalWorker = Annotated[User, Depends(require_role("onthaal", "admin"))]
StaffMember = Annotated[User, Depends(require_role("onthaal", "elz", "admin"))]
ElzStaff = Annotated[User, Depends(require_role("elz"))]
DirectoryEditor = Annotated[User, Depends(require_role("elz", "admin"))]
