"""The database half of the warm handover (see api.handover.service for the case's life).

Everything here is synchronous SQLAlchemy work. The async functions of api.handover.service run it in a
worker thread, so a database that waits for a lock (SQLite's busy timeout) never freezes the event loop;
the sync routes run in FastAPI's thread pool anyway. A function whose work ends in a message for the
citizen stores that message and returns it as an Utterance: the caller delivers it on the loop. Errors are
HandoverError subclasses carrying the HTTP status a route should answer with.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.channel.conversation import record_message
from api.channel.models import Conversation
from api.handover.models import HandoverAudit, HandoverCase
from common import errors
from common.clock import utcnow
from common.config import Settings
from common.errors import DomainError
from common.opening_hours import is_open
from common.staff_accounts import User
from dialogue import i18n
from dialogue.vocabularies import AGE_BANDS, BARRIERS, ENDINGS, OUTCOMES, URGENCIES

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("waiting", "claimed")
URGENCY_RANK = {"crisis": 0, "high": 1, "normal": 2}
MAX_WORKER_MESSAGE_CHARS = 5000
MAX_NOTE_CHARS = 2000
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
SYSTEM = "system"


class HandoverError(DomainError):
    pass


class CaseNotFound(HandoverError, errors.NotFound):
    pass


class CaseConflict(HandoverError, errors.Conflict):
    pass


class InvalidInput(HandoverError, errors.InvalidInput):
    pass


@dataclass(frozen=True)
class Utterance:
    """A message already stored in the transcript, still to be delivered to the citizen's widget."""

    conversation_id: str
    reply: dict[str, Any]
    author: str = "bot"


def end_read(session: Session) -> None:
    """End the current transaction before writing. On SQLite (WAL, transactions begun explicitly) a
    transaction that has read cannot start writing once another connection committed meanwhile ("database is
    locked" at once, whatever the busy timeout), and the action server and other requests write to the same
    file. A write that begins its own transaction waits for the lock instead. Harmless on PostgreSQL."""
    session.commit()


# --- the citizen's side ----------------------------------------------------------------------------


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


def store_reply(
    session: Session, conversation_id: str, text: str | None, custom: dict[str, Any] | None = None,
    author: str = "bot",
) -> Utterance | None:
    """Store a message for the citizen in the transcript (None when the conversation is gone)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    reply: dict[str, Any] = {"recipient_id": conversation_id}
    if text:
        reply["text"] = text
    if custom:
        reply["custom"] = custom
    end_read(session)
    record_message(session, conversation, author, text, {"custom": custom} if custom else None)
    return Utterance(conversation_id, reply, author)


def _hours_text(settings: Settings, lang: str) -> str:
    return getattr(settings, f"onthaal_hours_{lang}", settings.onthaal_hours_nl)


def offer_callback(session: Session, settings: Settings, case: HandoverCase, key: str) -> Utterance | None:
    end_read(session)
    case.callback_offered_at = utcnow()
    session.commit()
    text = i18n.text(key, case.language, hours=_hours_text(settings, case.language))
    return store_reply(session, case.conversation_id, text,
                       {"type": "handover_callback_offer", "case_id": case.id, "callback": True})


def queue_news(
    session: Session, settings: Settings, case: HandoverCase, key: str = "api_handover_queue"
) -> Utterance | None:
    """The citizen's place in the queue and roughly how long until a person answers."""
    position = queue_position(session, case)
    minutes = position * settings.handover_minutes_per_case
    text = i18n.text(key, case.language, position=str(position), minutes=str(minutes))
    return store_reply(session, case.conversation_id, text,
                       {"type": "handover_queued", "case_id": case.id, "position": position, "minutes": minutes})


def open_case(
    session: Session, conversation_id: str, summary: dict[str, Any]
) -> tuple[HandoverCase, bool] | None:
    """The conversation's open case (made from the summary when there is none), and whether the assistant
    still has to be paused for it. None when the conversation is gone."""
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
    if case.bot_paused:
        return case, False
    end_read(session)  # nothing held open while Rasa is called
    return case, True


def record_bot_paused(session: Session, case: HandoverCase, paused: bool) -> None:
    case.bot_paused = paused
    session.commit()


def news_for_new_case(session: Session, settings: Settings, case: HandoverCase, now: datetime) -> Utterance | None:
    """A waiting case: within opening hours the place in the queue, outside them a call-back offer."""
    if case.status != "waiting":
        return None
    if is_open(settings.onthaal_opening_hours, now):
        return queue_news(session, settings, case)
    return offer_callback(session, settings, case, "api_handover_closed")


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


def leave_contact(
    session: Session, conversation: Conversation, phone: str | None, email: str | None, consent: bool
) -> tuple[HandoverCase, Utterance | None]:
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
    return case, store_reply(session, conversation.id, i18n.text("api_handover_contact_saved", case.language),
                             {"type": "handover_contact_saved", "case_id": case.id})


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


def claim(session: Session, case_id: int, user: User) -> tuple[HandoverCase, Utterance | None]:
    """One conditional UPDATE (... WHERE status = 'waiting'): two workers never hold one case."""
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
    return case, store_reply(session, case.conversation_id, i18n.text("api_handover_claimed", case.language),
                             {"type": "handover_claimed", "case_id": case.id})


def begin_worker_message(
    session: Session, case_id: int, user: User, text: str
) -> tuple[HandoverCase, Conversation, str]:
    """Check the worker's message and their claim: the case, its conversation and the message to send."""
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
    return case, conversation, text


def release(
    session: Session, settings: Settings, case_id: int, user: User | None, reason: str = "release"
) -> tuple[HandoverCase, Utterance | None]:
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
    return case, queue_news(session, settings, case, "api_handover_released")


def mark_called_back(session: Session, case_id: int, user: User) -> HandoverCase:
    case = get_case(session, case_id)
    _own_claim(case, user, "mark it called back")
    end_read(session)
    case.called_back_at = case.worker_seen_at = utcnow()
    session.commit()
    audit(session, case, user, "called_back")
    return case


def resolve(
    session: Session, case_id: int, user: User, *, outcome: str, note: str | None, knelpunten: list[str] | None,
    service_id: str | None, then: str,
) -> tuple[HandoverCase, str | None]:
    """Close the case with an outcome; knelpunten become signals. Returns the case, and its conversation id
    when the assistant is still paused for it (to resume)."""
    from dialogue.signal_recording import record_signal

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
    if not case.bot_paused:
        return case, None
    conversation_id = case.conversation_id
    end_read(session)  # nothing held open while Rasa is called
    return case, conversation_id


def hand_back(session: Session, case: HandoverCase, resumed: bool, then: str) -> Utterance | None:
    """After resolving: the conversation goes back to the assistant (then="bot") or is closed."""
    if resumed:
        case.bot_paused = False
        session.commit()
    key = "api_handover_back_to_bot" if then == "bot" else "api_handover_ended"
    return store_reply(session, case.conversation_id, i18n.text(key, case.language),
                       {"type": "handover_ended", "case_id": case.id, "then": then})


def _service_exists(session: Session, service_id: str) -> bool:
    from kb.models import Service

    return len(service_id) <= 36 and session.get(Service, service_id) is not None
