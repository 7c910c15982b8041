"""Tables of the citizen channel: conversations, their transcript, and pending "forget" requests."""

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.clock import utcnow
from common.db import Base
from dialogue.vocabularies import AUTHORS  # noqa: F401 - the vocabulary of message.author


def new_conversation_id() -> str:
    """Unguessable (192 random bits), and a valid Rasa sender id: [A-Za-z0-9_-]{32}."""
    return secrets.token_urlsafe(24)


class Conversation(Base):
    """A citizen's conversation as the API knows it: who may reach it (a token's hash) and when it was
    last active. The text lives in `message`, nowhere else in the API's store."""

    __tablename__ = "conversation"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_conversation_id)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(2))
    # sha256 of the session token the citizen's client holds; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Message(Base):
    """One message of a transcript, stored once: by the citizen, the bot or an onthaal worker.
    `payload` keeps what a bot or worker message carries besides text (buttons, custom)."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PendingForget(Base):
    """A conversation to forget whose deletion from Rasa's tracker store is not yet done: recorded before
    anything is deleted, removed once the events are gone; the retention task retries what is left, so a
    crash or an unreachable tracker database never loses a citizen's request to be forgotten."""

    __tablename__ = "pending_forget"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

