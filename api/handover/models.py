"""Handover cases: a conversation the assistant handed to a person at the onthaal, and the audit trail of
every worker action on it.

A case holds what the onthaal needs to help without asking the story again (the assistant's summary) and,
only when the citizen gave them with consent, a phone number or e-mail address for a call back. It belongs
to its conversation: forgetting or purging the conversation deletes the case (ON DELETE CASCADE), and with
it the contact details. The audit rows keep no citizen data (case number, worker, action, time) and stay.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow
from common.db import Base
from dialogue.vocabularies import (  # noqa: F401 - the vocabularies of these tables
    CASE_STATUSES,
    CONTACT_CHANNELS,
    ENDINGS,
    OUTCOMES,
    URGENCIES,
)


class HandoverCase(Base):
    __tablename__ = "handover_case"
    __table_args__ = (Index("ix_handover_case_status_urgency", "status", "urgency_rank", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    # The assistant's summary.
    language: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))  # NIS code
    postcode: Mapped[str | None] = mapped_column(String(4))
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{id, name}] sociale kaart
    target_group: Mapped[str | None] = mapped_column(String(32))
    age_band: Mapped[str | None] = mapped_column(String(8))
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    urgency_rank: Mapped[int] = mapped_column(Integer, default=2)  # 0 crisis, 1 high, 2 normal: queue order
    crisis_kind: Mapped[str | None] = mapped_column(String(32))
    vulnerability: Mapped[list[str]] = mapped_column(JSON, default=list)
    complex_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    proposed_services: Mapped[list[str]] = mapped_column(JSON, default=list)  # HSDS service ids
    # How the citizen wants to be reached; phone / e-mail only with their consent, deleted with the case.
    preferred_contact: Mapped[str] = mapped_column(String(8), default="chat")
    contact_phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    callback_offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    called_back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Presence: the citizen's widget connected or gone; the worker's console last seen (claim timeout).
    citizen_left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The life of the case.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_service_id: Mapped[str | None] = mapped_column(String(36))  # "referred": the sociale kaart service
    note: Mapped[str | None] = mapped_column(Text)
    knelpunten: Mapped[list[str]] = mapped_column(JSON, default=list)  # barrier codes, recorded as signals
    ended_with: Mapped[str | None] = mapped_column(String(8))  # "bot" (handed back) or "close"
    # Rasa's tracker for this conversation is paused while the case is open.
    bot_paused: Mapped[bool] = mapped_column(default=False)


class HandoverAudit(Base):
    """Who did what to which case, and when. No FK on the case: the trail outlives a deleted case."""

    __tablename__ = "handover_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320))  # the worker's e-mail at the time, or "system"
    action: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(String(200))
