"""Staff accounts: create, list, disable (used by `python -m api users ...`)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.security import hash_password, normalise_email
from common.errors import InvalidInput
from common.staff_accounts import User
from dialogue.vocabularies import ROLES

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(InvalidInput):
    """A bad e-mail, role or password, or an unknown/duplicate user; the message says which."""


@dataclass(frozen=True)
class UserInfo:
    email: str
    role: str
    active: bool
    created_at: datetime


def add_user(session: Session, email: str, role: str, password: str) -> User:
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise UserError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise UserError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"a user {email} already exists")
    user = User(email=email, role=role, password_hash=hash_password(password), active=True)
    session.add(user)
    session.commit()
    return user


def list_users(session: Session) -> list[UserInfo]:
    users = session.scalars(select(User).order_by(User.email)).all()
    return [UserInfo(u.email, u.role, u.active, u.created_at) for u in users]


def disable_user(session: Session, email: str) -> User:
    """Disable an account; its tokens and sessions stop working at once."""
    user = session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()
    if user is None:
        raise UserError(f"no user {normalise_email(email)}")
    user.active = False
    user.tokens_valid_after = datetime.now(UTC)
    session.commit()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Logout: every token issued to this user until now is refused from now on."""
    user.tokens_valid_after = datetime.now(UTC)
    session.commit()
