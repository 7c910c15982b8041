"""Staff authentication: argon2 password hashes and signed JWT access tokens.

The request dependencies built on them (current_user, require_role) are in api.deps.
"""

import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from common.config import Settings, get_settings
from common.staff_accounts import User

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
