"""Versions of sociale kaart records edited by ELZ staff (issue 14): who changed what, when and why.

One row per change of one organisation, service or location: the changed fields with their value
before and after (JSON), the editor (user id, and the e-mail at the time so the history survives a
deleted account) and the kind of change: "edit", "revert", "verify" (checked, nothing to change) or
"import" (a re-import let the source overwrite a local correction). Version numbers count per record
from 1; version 0 is the record as it was before its first recorded change.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow
from common.db import Base
from common.staff_accounts import User  # noqa: F401 - the table of the foreign keys to app_user

ENTITY_TYPES = ("service", "organization", "location")
ACTIONS = ("edit", "revert", "verify", "import")


class DirectoryVersion(Base):
    __tablename__ = "directory_version"
    __table_args__ = (
        UniqueConstraint("entity_type", "entity_id", "version", name="uq_directory_version_entity_version"),
        Index("ix_directory_version_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    editor_email: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # {field: {"before": value, "after": value}}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
