"""Staff authentication: argon2 password hashes, signed JWT access tokens, and `require_role`.

A token is accepted from the `Authorization: Bearer ...` header (API clients) or from the HttpOnly
session cookie set at sign-in (the web screens). Every request re-reads the user, so disabling an
account, changing its role or logging out takes effect at once. Re-exported by api.core.security.
"""

import hashlib
import hmac
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.core.config import Settings, get_settings
from api.core.db import get_session
from api.core.guards import SESSION_COOKIE
from api.models_signals import ROLES, User

JWT_ALGORITHM = "HS256"
TOKEN_AUDIENCE = "gbo-staff"  # noqa: S105 - an audience name, not a secret

_hasher = PasswordHasher()
# argon2 takes 64 MiB and ~50 ms a check: at most this many at once, so a burst of sign-ins cannot exhaust
# memory or starve the other requests; the rest wait up to HASHING_WAIT_SECONDS, then get "busy".
HASHING_CONCURRENCY = 2
HASHING_WAIT_SECONDS = 10.0
_hashing_slots = threading.BoundedSemaphore(HASHING_CONCURRENCY)


class SignInBusy(Exception):
    """Too many sign-ins are being checked at this moment; the client should retry shortly."""
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not _hashing_slots.acquire(timeout=HASHING_WAIT_SECONDS):
        raise SignInBusy
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    finally:
        _hashing_slots.release()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = session.query(User).filter(User.email == normalise_email(email)).one_or_none()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_key(settings: Settings | None = None) -> bytes:
    """The JWT signing key: derived from SECRET_KEY (32 bytes, and distinct from its other uses)."""
    settings = settings or get_settings()
    return hmac.new(settings.secret_key.encode(), b"gbo staff access tokens", hashlib.sha256).digest()


def create_access_token(user: User, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "aud": TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.access_token_minutes)).timestamp()),
    }
    return jwt.encode(claims, token_key(settings), algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, settings: Settings | None = None) -> dict:
    """The token's claims; raises jwt.InvalidTokenError if forged, expired or malformed."""
    settings = settings or get_settings()
    return jwt.decode(
        token,
        token_key(settings),
        algorithms=[JWT_ALGORITHM],
        audience=TOKEN_AUDIENCE,
        options={"require": ["sub", "exp", "iat", "aud"]},
    )


NOT_SIGNED_IN = "not authenticated: sign in at /login or send a bearer token"


def _unauthorized(detail: str = NOT_SIGNED_IN) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def current_user(request: Request, session: Annotated[Session, Depends(get_session)]) -> User:
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
