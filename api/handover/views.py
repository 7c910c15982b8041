"""What the onthaal console reads: the queue and a case (summary, transcript, audit) as JSON-ready dicts.

Synchronous database reads: the routes call them from FastAPI's thread pool, never on the event loop.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.channel.conversation import transcript
from api.handover.models import HandoverAudit, HandoverCase
from api.handover.store import OPEN_STATUSES, InvalidInput, audit, get_case
from common.clock import utcnow
from common.staff_accounts import User
from dialogue.vocabularies import CASE_STATUSES


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=utcnow().tzinfo)
    return moment


def read_case(session: Session, case_id: int, user: User) -> HandoverCase:
    """A worker opens a case (summary and transcript): audited once per worker and case, not per poll."""
    case = get_case(session, case_id)
    seen = session.scalar(select(HandoverAudit.id).where(
        HandoverAudit.case_id == case_id, HandoverAudit.user_id == user.id, HandoverAudit.action == "read"
    ).limit(1))
    if seen is None:
        audit(session, case, user, "read")
    return case


def list_cases(session: Session, status: str | None = None, limit: int = 200) -> list[HandoverCase]:
    """Open cases (or those of one status): by urgency, then the longest waiting first."""
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CASE_STATUSES)}")
    query = select(HandoverCase)
    if status is None:
        query = query.where(HandoverCase.status.in_(OPEN_STATUSES))
    else:
        query = query.where(HandoverCase.status == status)
    if status == "resolved":
        query = query.order_by(HandoverCase.resolved_at.desc())
    else:
        query = query.order_by(HandoverCase.urgency_rank, HandoverCase.created_at, HandoverCase.id)
    return list(session.scalars(query.limit(limit)))


def _commune_names(code: str | None) -> dict[str, str] | None:
    from kb import geo

    commune = next((c for c in geo.communes() if c.code == code), None) if code else None
    return {"nl": commune.name_nl, "fr": commune.name_fr} if commune else None


def waiting_seconds(case: HandoverCase, now: datetime | None = None) -> int:
    return max(0, int(((now or utcnow()) - _aware(case.created_at)).total_seconds()))


def case_view(session: Session, case: HandoverCase, *, with_transcript: bool = False) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return _aware(moment).isoformat() if moment else None

    holder = session.get(User, case.claimed_by) if case.claimed_by else None
    view: dict[str, Any] = {
        "id": case.id,
        "conversation_id": case.conversation_id,
        "status": case.status,
        "language": case.language,
        "commune": case.commune_code,
        "commune_name": _commune_names(case.commune_code),
        "postcode": case.postcode,
        "needs": case.needs or [],
        "target_group": case.target_group,
        "age_band": case.age_band,
        "urgency": case.urgency,
        "crisis_kind": case.crisis_kind,
        "vulnerability": case.vulnerability or [],
        "complex_reasons": case.complex_reasons or [],
        "proposed_services": case.proposed_services or [],
        "preferred_contact": case.preferred_contact,
        "contact_phone": case.contact_phone,
        "contact_email": case.contact_email,
        "callback_offered": case.callback_offered_at is not None,
        "called_back_at": iso(case.called_back_at),
        "citizen_present": case.citizen_left_at is None,
        "citizen_left_at": iso(case.citizen_left_at),
        "created_at": iso(case.created_at),
        "waiting_seconds": waiting_seconds(case),
        "claimed_by": holder.email if holder else None,
        "claimed_by_id": case.claimed_by,
        "claimed_at": iso(case.claimed_at),
        "resolved_at": iso(case.resolved_at),
        "outcome": case.outcome,
        "outcome_service_id": case.outcome_service_id,
        "note": case.note,
        "knelpunten": case.knelpunten or [],
        "ended_with": case.ended_with,
    }
    if with_transcript:
        view["transcript"] = transcript(session, case.conversation_id)
        view["audit"] = [
            {"at": iso(a.at), "actor": a.actor, "action": a.action, "detail": a.detail}
            for a in session.scalars(
                select(HandoverAudit).where(HandoverAudit.case_id == case.id).order_by(HandoverAudit.id)
            )
        ]
    return view
