"""Warm handover: a case for a person at the onthaal, its queue, the worker's actions and the citizen's side.

Life of a case: waiting -> claimed -> resolved, and claimed -> waiting again (released by the worker, or by
the API when the worker's console has been silent for HANDOVER_CLAIM_TIMEOUT_SECONDS).

- Created when a bot reply carries `custom.type == "handover_requested"` (CUSTOM_TYPE_HANDLERS in
  api.services.conversation), from the assistant's summary. Rasa's tracker for the conversation is paused;
  while the case is open the citizen's messages are stored for the worker and never reach Rasa.
- The citizen is told who will answer and roughly when: their place in the queue within opening hours;
  outside them, or when nobody claims the case within HANDOVER_CALLBACK_AFTER_SECONDS, an offer to leave a
  phone number or e-mail address (with consent; only on the case, deleted with it).
- Claiming is one conditional UPDATE (... WHERE status = 'waiting'), so two workers never hold one case.
- Every worker action is written to handover_audit (who, what, when).

Errors are HandoverError subclasses carrying the HTTP status a route should answer with.
"""

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import phonenumbers
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api import i18n
from api.core.config import Settings
from api.models import Conversation, utcnow
from api.models_handover import (
    CASE_STATUSES,
    ENDINGS,
    OUTCOMES,
    URGENCIES,
    HandoverAudit,
    HandoverCase,
)
from api.models_signals import AGE_BANDS, BARRIERS, User
from api.services.conversation import ConversationEvents, post_worker_message, record_message, transcript
from api.services.opening_hours import is_open

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("waiting", "claimed")
URGENCY_RANK = {"crisis": 0, "high": 1, "normal": 2}
MAX_WORKER_MESSAGE_CHARS = 5000
MAX_NOTE_CHARS = 2000
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
SYSTEM = "system"


class HandoverError(Exception):
    status_code = 400


class CaseNotFound(HandoverError):
    status_code = 404


class CaseConflict(HandoverError):
    status_code = 409


class InvalidInput(HandoverError):
    status_code = 422


def end_read(session: Session) -> None:
    """End the current transaction before writing. On SQLite (WAL, transactions begun explicitly) a
    transaction that has read cannot start writing once another connection committed meanwhile ("database is
    locked" at once, whatever the busy timeout), and the action server and other requests write to the same
    file. A write that begins its own transaction waits for the lock instead. Harmless on PostgreSQL."""
    session.commit()


# --- the citizen's side ----------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=utcnow().tzinfo)
    return moment


def open_case_for(session: Session, conversation_id: str) -> HandoverCase | None:
    return session.scalars(
        select(HandoverCase)
        .where(HandoverCase.conversation_id == conversation_id, HandoverCase.status.in_(OPEN_STATUSES))
        .order_by(HandoverCase.id.desc())
    ).first()


def _strings(value: Any, limit: int = 20, size: int = 64) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v)[:size] for v in value if isinstance(v, str | int)][:limit]


def _needs(value: Any) -> list[dict[str, Any]]:
    needs = []
    for need in value if isinstance(value, list) else []:
        if isinstance(need, dict) and need.get("id") is not None:
            needs.append({"id": need["id"], "name": str(need.get("name") or "")[:200]})
    return needs[:20]


def _short(value: Any, size: int) -> str | None:
    return str(value)[:size] if isinstance(value, str | int) and str(value) else None


def case_from_summary(conversation: Conversation, summary: dict[str, Any]) -> HandoverCase:
    """A new waiting case from the assistant's summary (whatever is missing or malformed is left out)."""
    language = summary.get("language")
    language = language if language in i18n.LANGUAGES else (conversation.language or i18n.DEFAULT_LANGUAGE)
    urgency = summary.get("urgency") if summary.get("urgency") in URGENCIES else "normal"
    commune = _short(summary.get("commune"), 5)
    return HandoverCase(
        conversation_id=conversation.id,
        status="waiting",
        language=language,
        commune_code=commune if commune and commune.isdigit() else None,
        postcode=_short(summary.get("postcode"), 4),
        needs=_needs(summary.get("needs")),
        target_group=_short(summary.get("target_group"), 32),
        age_band=summary.get("age_band") if summary.get("age_band") in AGE_BANDS else None,
        urgency=urgency,
        urgency_rank=URGENCY_RANK[urgency],
        crisis_kind=_short(summary.get("crisis_kind"), 32),
        vulnerability=_strings(summary.get("vulnerability")),
        complex_reasons=_strings(summary.get("complex_reasons")),
        proposed_services=_strings(summary.get("proposed_services"), size=36),
        preferred_contact="chat",
        created_at=utcnow(),
    )


async def set_bot_paused(settings: Settings, conversation_id: str, paused: bool) -> bool:
    """Pause or resume Rasa's tracker for this conversation (Rasa's HTTP API). False when Rasa could not
    be reached: the case goes on regardless (while a case is open the API does not forward messages)."""
    url = f"{settings.rasa_url}/conversations/{conversation_id}/tracker/events"
    try:
        async with httpx.AsyncClient(timeout=settings.rasa_timeout_seconds) as client:
            response = await client.post(
                url, params={"token": settings.rasa_token}, json={"event": "pause" if paused else "resume"}
            )
        response.raise_for_status()
        return True
    except httpx.HTTPError as exc:
        logger.warning("could not %s the assistant for a handover: %s", "pause" if paused else "resume",
                       type(exc).__name__)
        return False


def queue_position(session: Session, case: HandoverCase) -> int:
    """1 for the next case a worker takes: cases ahead by urgency, then by waiting time."""
    ahead = session.scalar(
        select(func.count()).select_from(HandoverCase).where(
            HandoverCase.status == "waiting",
            HandoverCase.id != case.id,
            or_(
                HandoverCase.urgency_rank < case.urgency_rank,
                and_(HandoverCase.urgency_rank == case.urgency_rank, HandoverCase.created_at < case.created_at),
                and_(HandoverCase.urgency_rank == case.urgency_rank, HandoverCase.created_at == case.created_at,
                     HandoverCase.id < case.id),
            ),
        )
    )
    return (ahead or 0) + 1


async def tell_citizen(
    session: Session, events: ConversationEvents, conversation_id: str, text: str | None,
    custom: dict[str, Any] | None = None, author: str = "bot",
) -> None:
    """Store a message in the transcript and deliver it to the citizen's widget."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return
    reply: dict[str, Any] = {"recipient_id": conversation_id}
    if text:
        reply["text"] = text
    if custom:
        reply["custom"] = custom
    end_read(session)
    record_message(session, conversation, author, text, {"custom": custom} if custom else None)
    await events.bot_uttered(conversation_id, reply, author=author)


def _hours_text(settings: Settings, lang: str) -> str:
    return getattr(settings, f"onthaal_hours_{lang}", settings.onthaal_hours_nl)


async def offer_callback(
    session: Session, settings: Settings, events: ConversationEvents, case: HandoverCase, key: str
) -> None:
    end_read(session)
    case.callback_offered_at = utcnow()
    session.commit()
    text = i18n.text(key, case.language, hours=_hours_text(settings, case.language))
    await tell_citizen(session, events, case.conversation_id, text,
                       {"type": "handover_callback_offer", "case_id": case.id, "callback": True})


async def tell_queue_position(
    session: Session, settings: Settings, events: ConversationEvents, case: HandoverCase,
    key: str = "api_handover_queue",
) -> None:
    position = queue_position(session, case)
    minutes = position * settings.handover_minutes_per_case
    text = i18n.text(key, case.language, position=str(position), minutes=str(minutes))
    await tell_citizen(session, events, case.conversation_id, text,
                       {"type": "handover_queued", "case_id": case.id, "position": position,
                        "minutes": minutes})


async def open_case(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str,
    summary: dict[str, Any], now: datetime | None = None,
) -> HandoverCase | None:
    """Open a case for the conversation (or keep the one already open), pause the bot, tell the citizen."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    case = open_case_for(session, conversation_id)
    if case is None:
        case = case_from_summary(conversation, summary if isinstance(summary, dict) else {})
        end_read(session)
        session.add(case)
        session.commit()
        audit(session, case, None, "created", f"urgency={case.urgency}")
    if not case.bot_paused:
        end_read(session)  # nothing held open while Rasa is called
        paused = await set_bot_paused(settings, conversation_id, True)
        case.bot_paused = paused
        session.commit()
    if case.status == "waiting":
        if is_open(settings.onthaal_opening_hours, now or utcnow()):
            await tell_queue_position(session, settings, events, case)
        else:
            await offer_callback(session, settings, events, case, "api_handover_closed")
    return case


async def on_handover_requested(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str, reply: dict
) -> None:
    """CUSTOM_TYPE_HANDLERS["handover_requested"]."""
    custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
    await open_case(session, settings, events, conversation_id, custom.get("summary") or {})


def takes_citizen_message(session: Session, conversation: Conversation) -> bool:
    """True when a person holds this conversation: the message (already stored) is for them, not Rasa."""
    case = open_case_for(session, conversation.id)
    end_read(session)  # nothing held open while Rasa (and its actions, which write) answers
    if case is None:
        return False
    if case.citizen_left_at is not None:
        case.citizen_left_at = None
        session.commit()
    return True


def citizen_presence(session: Session, conversation_id: str, present: bool) -> None:
    """The citizen's widget connected (present) or disconnected: shown on the open case."""
    case = open_case_for(session, conversation_id)
    end_read(session)
    if case is not None:
        case.citizen_left_at = None if present else utcnow()
        session.commit()


def _valid_phone(phone: str) -> str:
    try:
        number = phonenumbers.parse(phone, "BE")
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone: not a phone number (e.g. 0470 12 34 56 or +33 6 12 34 56 78)") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone: not a valid Belgian or international phone number") from None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def leave_contact(
    session: Session, settings: Settings, events: ConversationEvents, conversation: Conversation,
    phone: str | None, email: str | None, consent: bool,
) -> HandoverCase:
    """The citizen leaves a phone number and/or e-mail address for a call back, with explicit consent."""
    case = open_case_for(session, conversation.id)
    if case is None:
        raise CaseConflict("this conversation has no open handover case")
    if not consent:
        raise InvalidInput("consent: the citizen must agree that the contact details are kept")
    phone = (phone or "").strip() or None
    email = (email or "").strip() or None
    if phone is None and email is None:
        raise InvalidInput("give a phone number or an e-mail address")
    if phone is not None:
        phone = _valid_phone(phone)
    if email is not None and (len(email) > 320 or not EMAIL.match(email)):
        raise InvalidInput("email: not an e-mail address")
    end_read(session)
    case.contact_phone, case.contact_email = phone, email
    case.preferred_contact = "phone" if phone else "email"
    case.contact_consent_at = utcnow()
    session.commit()
    await tell_citizen(session, events, conversation.id, i18n.text("api_handover_contact_saved", case.language),
                       {"type": "handover_contact_saved", "case_id": case.id})
    return case


# --- the worker's side -----------------------------------------------------------------------------


def audit(session: Session, case: HandoverCase, user: User | None, action: str, detail: str | None = None) -> None:
    end_read(session)
    session.add(HandoverAudit(
        case_id=case.id, user_id=user.id if user else None, actor=user.email if user else SYSTEM,
        action=action, detail=(detail or None) and detail[:200], at=utcnow(),
    ))
    session.commit()


def get_case(session: Session, case_id: int) -> HandoverCase:
    case = session.get(HandoverCase, case_id)
    if case is None:
        raise CaseNotFound(f"no handover case {case_id}")
    return case


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


def touch_worker(session: Session, user: User) -> None:
    """The worker's console is alive: their claimed cases do not time out. Best effort: a busy database
    only delays the heartbeat to the next poll."""
    end_read(session)
    try:
        session.execute(
            update(HandoverCase)
            .where(HandoverCase.claimed_by == user.id, HandoverCase.status == "claimed")
            .values(worker_seen_at=utcnow())
        )
        session.commit()
    except OperationalError as exc:
        session.rollback()
        logger.warning("worker heartbeat not recorded: %s", type(exc).__name__)


def _own_claim(case: HandoverCase, user: User, action: str) -> None:
    if case.status == "resolved":
        raise CaseConflict(f"case {case.id} is already resolved: cannot {action}")
    if case.status != "claimed":
        raise CaseConflict(f"case {case.id} is not claimed: claim it before you {action}")
    if case.claimed_by != user.id:
        raise CaseConflict(f"case {case.id} is held by another worker")


async def claim(
    session: Session, settings: Settings, events: ConversationEvents, case_id: int, user: User
) -> HandoverCase:
    now = utcnow()
    end_read(session)
    result = session.execute(
        update(HandoverCase)
        .where(HandoverCase.id == case_id, HandoverCase.status == "waiting")
        .values(status="claimed", claimed_by=user.id, claimed_at=now, worker_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:
        case = get_case(session, case_id)  # 404 when there is no such case
        raise CaseConflict(f"case {case_id} is {case.status}, not waiting: someone else has it")
    case = get_case(session, case_id)
    session.refresh(case)
    audit(session, case, user, "claim")
    await tell_citizen(session, events, case.conversation_id, i18n.text("api_handover_claimed", case.language),
                       {"type": "handover_claimed", "case_id": case.id})
    return case


async def send_message(
    session: Session, events: ConversationEvents, case_id: int, user: User, text: str
) -> HandoverCase:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text: an empty message")
    if len(text) > MAX_WORKER_MESSAGE_CHARS:
        raise InvalidInput(f"text: at most {MAX_WORKER_MESSAGE_CHARS} characters")
    case = get_case(session, case_id)
    _own_claim(case, user, "send a message")
    end_read(session)
    case.worker_seen_at = utcnow()
    session.commit()
    conversation = session.get(Conversation, case.conversation_id)
    if conversation is None:
        raise CaseNotFound(f"the conversation of case {case_id} was forgotten")
    await post_worker_message(session, events, conversation, text)
    audit(session, case, user, "message")
    return case


async def release(
    session: Session, settings: Settings, events: ConversationEvents, case_id: int, user: User | None,
    reason: str = "release",
) -> HandoverCase:
    """Back to the queue: by the worker holding it (or an admin), or by the API after the claim timeout."""
    case = get_case(session, case_id)
    if user is not None and user.role != "admin":
        _own_claim(case, user, "release it")
    end_read(session)
    result = session.execute(
        update(HandoverCase)
        .where(HandoverCase.id == case_id, HandoverCase.status == "claimed")
        .values(status="waiting", claimed_by=None, claimed_at=None, worker_seen_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:
        raise CaseConflict(f"case {case_id} is {case.status}, not claimed")
    session.refresh(case)
    audit(session, case, user, reason)
    await tell_queue_position(session, settings, events, case, "api_handover_released")
    return case


def mark_called_back(session: Session, case_id: int, user: User) -> HandoverCase:
    case = get_case(session, case_id)
    _own_claim(case, user, "mark it called back")
    end_read(session)
    case.called_back_at = case.worker_seen_at = utcnow()
    session.commit()
    audit(session, case, user, "called_back")
    return case


async def resolve(
    session: Session, settings: Settings, events: ConversationEvents, case_id: int, user: User, *,
    outcome: str, note: str | None = None, knelpunten: list[str] | None = None,
    service_id: str | None = None, then: str = "bot",
) -> HandoverCase:
    """Close the case with an outcome; knelpunten become signals; the conversation goes back to the
    assistant (then="bot") or is closed (then="close")."""
    from api.services.signals import record_signal

    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
    if then not in ENDINGS:
        raise InvalidInput(f"then must be one of {', '.join(ENDINGS)}")
    knelpunten = list(dict.fromkeys(knelpunten or []))
    unknown = [k for k in knelpunten if k not in BARRIERS]
    if unknown:
        raise InvalidInput(f"knelpunten: unknown {unknown}; use {', '.join(BARRIERS)}")
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"note: at most {MAX_NOTE_CHARS} characters")
    if outcome == "referred":
        if not service_id:
            raise InvalidInput("service_id: the sociale kaart service the citizen was referred to")
        if not _service_exists(session, service_id):
            raise InvalidInput(f"service_id: unknown sociale kaart service {service_id!r}")
    elif service_id:
        raise InvalidInput("service_id only goes with the outcome 'referred'")
    case = get_case(session, case_id)
    _own_claim(case, user, "resolve it")
    end_read(session)
    result = session.execute(
        update(HandoverCase)
        .where(HandoverCase.id == case_id, HandoverCase.status == "claimed", HandoverCase.claimed_by == user.id)
        .values(status="resolved", resolved_by=user.id, resolved_at=utcnow(), outcome=outcome,
                outcome_service_id=service_id, note=(note or "").strip() or None, knelpunten=knelpunten,
                ended_with=then)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:
        raise CaseConflict(f"case {case_id} changed meanwhile: reload it")
    session.refresh(case)
    audit(session, case, user, "resolve", f"outcome={outcome} then={then} knelpunten={','.join(knelpunten)}")
    category_ids = [n["id"] for n in case.needs if isinstance(n.get("id"), int)]
    for barrier in knelpunten:
        signal = {"signal_type": "knelpunt", "commune": case.commune_code, "language": case.language,
                  "age_band": case.age_band, "source": "worker", "barrier": barrier,
                  "conversation_key": case.conversation_id}
        end_read(session)
        try:
            record_signal(session, category_ids=category_ids, **signal)
        except ValueError as exc:  # e.g. a category the signals service does not know: keep the barrier
            logger.warning("knelpunt of case %s recorded without its categories: %s", case.id, exc)
            try:
                record_signal(session, category_ids=[], **signal)
            except ValueError as again:
                logger.warning("knelpunt of case %s not recorded: %s", case.id, again)
    if case.bot_paused:
        end_read(session)  # nothing held open while Rasa is called
        if await set_bot_paused(settings, case.conversation_id, False):
            case.bot_paused = False
            session.commit()
    key = "api_handover_back_to_bot" if then == "bot" else "api_handover_ended"
    await tell_citizen(session, events, case.conversation_id, i18n.text(key, case.language),
                       {"type": "handover_ended", "case_id": case.id, "then": then})
    return case


def _service_exists(session: Session, service_id: str) -> bool:
    from kb.models import Service

    return len(service_id) <= 36 and session.get(Service, service_id) is not None


# --- timeouts and retention --------------------------------------------------------------------------


async def check_timeouts(
    session: Session, settings: Settings, events: ConversationEvents, now: datetime | None = None
) -> dict[str, int]:
    """Claims whose worker went silent go back to the queue; long-waiting cases get a call-back offer."""
    now = now or utcnow()
    silent = now - timedelta(seconds=settings.handover_claim_timeout_seconds)
    released = 0
    for case in session.scalars(select(HandoverCase).where(
        HandoverCase.status == "claimed",
        or_(HandoverCase.worker_seen_at.is_(None), HandoverCase.worker_seen_at < silent),
    )).all():
        try:
            await release(session, settings, events, case.id, None, reason="claim_timeout")
            released += 1
        except CaseConflict:
            pass  # claimed again or resolved meanwhile
    patience = now - timedelta(seconds=settings.handover_callback_after_seconds)
    offered = 0
    for case in session.scalars(select(HandoverCase).where(
        HandoverCase.status == "waiting", HandoverCase.callback_offered_at.is_(None),
        HandoverCase.created_at < patience,
    )).all():
        await offer_callback(session, settings, events, case, "api_handover_callback_offer")
        offered += 1
    return {"released": released, "callback_offered": offered}


async def check_periodically(settings: Settings, session_factory, events: ConversationEvents) -> None:
    """Run by the API process (its lifespan) every HANDOVER_CHECK_INTERVAL_SECONDS."""
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    while True:
        await asyncio.sleep(settings.handover_check_interval_seconds)
        try:
            with session_factory() as session:
                await check_timeouts(session, settings, events)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("handover timeout check failed (%s)", type(exc).__name__)


def conversations_held(settings: Settings, now: datetime | None = None) -> Select:
    """Conversations kept for their case (api.services.retention): open cases, and resolved ones for
    HANDOVER_RETENTION_DAYS. Afterwards the conversation is purged and the case with it (CASCADE)."""
    cutoff = (now or utcnow()) - timedelta(days=settings.handover_retention_days)
    return select(HandoverCase.conversation_id).where(
        or_(HandoverCase.status.in_(OPEN_STATUSES), HandoverCase.resolved_at >= cutoff)
    )


# --- views -------------------------------------------------------------------------------------------


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
