"""Which handover cases need the API to act by itself (a silent worker, nobody claiming), and which
conversations their cases keep past the transcript's retention."""

from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from api.handover.models import HandoverCase
from api.handover.store import OPEN_STATUSES
from common.clock import utcnow
from common.config import Settings


def silent_claims(session: Session, settings: Settings, now: datetime) -> list[int]:
    """Claimed cases whose worker's console has been silent longer than the claim timeout."""
    silent = now - timedelta(seconds=settings.handover_claim_timeout_seconds)
    return [case.id for case in session.scalars(select(HandoverCase).where(
        HandoverCase.status == "claimed",
        or_(HandoverCase.worker_seen_at.is_(None), HandoverCase.worker_seen_at < silent),
    )).all()]


def long_waiting(session: Session, settings: Settings, now: datetime) -> list[HandoverCase]:
    """Waiting cases nobody claimed within HANDOVER_CALLBACK_AFTER_SECONDS, not yet offered a call back."""
    patience = now - timedelta(seconds=settings.handover_callback_after_seconds)
    return list(session.scalars(select(HandoverCase).where(
        HandoverCase.status == "waiting", HandoverCase.callback_offered_at.is_(None),
        HandoverCase.created_at < patience,
    )).all())


def conversations_held(settings: Settings, now: datetime | None = None) -> Select:
    """Conversations kept for their case (api.flows.retention): open cases, and resolved ones for
    HANDOVER_RETENTION_DAYS. Afterwards the conversation is purged and the case with it (CASCADE)."""
    cutoff = (now or utcnow()) - timedelta(days=settings.handover_retention_days)
    return select(HandoverCase.conversation_id).where(
        or_(HandoverCase.status.in_(OPEN_STATUSES), HandoverCase.resolved_at >= cutoff)
    )
