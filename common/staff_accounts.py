"""The staff accounts table (app_user): onthaal workers, ELZ staff, administrators. Citizens never have one.

Shared by every process because every record of who did what refers to it (who claimed a case, who
triaged a signal, who edited the sociale kaart): its foreign keys must resolve wherever those are written.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow
from common.db import Base


class User(Base):
    """A staff account (onthaal worker, ELZ staff, administrator). Citizens never have one."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Tokens issued before this moment are refused (logout, disable, password change).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
