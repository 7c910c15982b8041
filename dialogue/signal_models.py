"""Tables of the ELZ's signals (signal, signal_category, signal_count, signal_event).

Privacy (GDPR art. 9): a signal keeps no conversation id, no exact time (only the day) and a text that
was scrubbed of personal data. The dedup key is a keyed hash (HMAC with SECRET_KEY) of the conversation
and the need, so nobody can go from a signal back to a conversation without the secret; the forget key
(HMAC of the conversation alone) lets "forget this conversation" clear the text and both keys.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.clock import utcnow
from common.db import Base
from common.staff_accounts import User  # noqa: F401 - the table of the foreign keys to app_user
from dialogue.vocabularies import (  # noqa: F401 - the vocabularies of these tables
    AGE_BANDS,
    BARRIERS,
    SIGNAL_LANGUAGES,
    SIGNAL_SOURCES,
    SIGNAL_STATUSES,
    SIGNAL_TYPES,
)


class Signal(Base):
    """One unmet need, knelpunt or data-quality problem, anonymised."""

    __tablename__ = "signal"
    __table_args__ = (
        # The report without categories: an index-only scan grouped in index order.
        Index("ix_signal_report", "month", "signal_type", "commune_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signal_type: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(5))  # NIS code, e.g. "21015"
    language: Mapped[str] = mapped_column(String(2))
    age_band: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))
    barrier: Mapped[str | None] = mapped_column(String(16))
    service_id: Mapped[str | None] = mapped_column(String(36), index=True)  # HSDS service id (data quality)
    text: Mapped[str | None] = mapped_column(Text)  # scrubbed
    dedup_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Keyed hash (HMAC with SECRET_KEY) of the conversation id alone, used only to find this signal when the
    # citizen asks to forget the conversation; then it, the text and the dedup key are cleared (counts stay).
    forget_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_on: Mapped[date] = mapped_column(Date, index=True)  # the day only, on purpose
    month: Mapped[date] = mapped_column(Date)  # first day of created_on's month
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    note: Mapped[str | None] = mapped_column(Text)  # latest triage note (history in signal_event)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_changed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # Found against the DEMO directory (fictitious services): says nothing about the real sociale kaart.
    # Decided by record_signal from the data (dialogue.signal_recording.is_demo_signal), never by the caller.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    categories: Mapped[list["SignalCategory"]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    @property
    def category_ids(self) -> list[int]:
        return sorted(c.category_id for c in self.categories)


class SignalCategory(Base):
    """A signal's social.brussels categories. The immutable report dimensions are copied here so the
    report by category is one index-only scan of one table, also with a million signals."""

    __tablename__ = "signal_category"
    __table_args__ = (
        Index("ix_signal_category_report", "month", "signal_type", "category_id", "commune_code"),
    )

    signal_id: Mapped[int] = mapped_column(ForeignKey("signal.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_type: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    month: Mapped[date] = mapped_column(Date)
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # the signal's

    signal: Mapped[Signal] = relationship(back_populates="categories")


class SignalCount(Base):
    """Running counts per month x type x category x commune, kept in step by record_signal in the same
    transaction: a report reads a few thousand of these rows instead of a million signals.

    category_id 0 counts each signal once (whatever its categories); commune_code "" is "unknown".
    demo_n: how many of the n are demo signals (Signal.demo).
    """

    __tablename__ = "signal_count"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    signal_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    demo_n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SignalEvent(Base):
    """Audit trail of triage: who changed what, when."""

    __tablename__ = "signal_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signal.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320))  # the e-mail at the time, kept if the user goes
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
