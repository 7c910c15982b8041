"""Listing signals and triaging them (status transitions, audited in signal_event)."""

import logging
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.signals.filters import SignalFilter, commune_condition
from common.errors import Conflict, InvalidInput, NotFound
from common.staff_accounts import User
from dialogue.scrubbing import scrub
from dialogue.signal_models import Signal, SignalCategory, SignalEvent
from dialogue.signal_recording import one_of
from dialogue.vocabularies import SIGNAL_STATUSES
from kb.editing.review import OpenSignal
from kb.editing.versions import Editor

logger = logging.getLogger("api.signals")

MAX_NOTE_CHARS = 2000
MAX_LIST_LIMIT = 500
TRANSITIONS = {
    "new": {"reviewed", "dismissed"},
    "reviewed": {"escalated", "resolved_locally", "dismissed"},
    "escalated": {"reviewed", "resolved_locally"},
    "resolved_locally": {"reviewed"},
    "dismissed": {"reviewed"},
}


class SignalNotFound(NotFound):
    pass


class TriageConflict(Conflict):
    """The transition is not allowed from the signal's current status (or someone else changed it)."""


# ----------------------------------------------------------------------------------------- listing
def list_signals(
    session: Session, f: SignalFilter, limit: int = 50, offset: int = 0
) -> tuple[list[Signal], int]:
    query = select(Signal)
    if f.date_from:
        query = query.where(Signal.created_on >= f.date_from)
    if f.date_to:
        query = query.where(Signal.created_on <= f.date_to)
    if f.types:
        query = query.where(Signal.signal_type.in_(f.types))
    if f.statuses:
        query = query.where(Signal.status.in_(f.statuses))
    if f.demo != "include":
        query = query.where(Signal.demo.is_(f.demo == "only"))
    if f.communes:
        query = query.where(commune_condition(Signal.commune_code, f.communes))
    if f.categories:
        query = query.where(
            Signal.id.in_(select(SignalCategory.signal_id).where(SignalCategory.category_id.in_(f.categories)))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Signal.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def get_signal(session: Session, signal_id: int) -> Signal:
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise SignalNotFound(f"no signal {signal_id}")
    return signal


def signal_events(session: Session, signal_id: int) -> list[SignalEvent]:
    query = select(SignalEvent).where(SignalEvent.signal_id == signal_id).order_by(SignalEvent.id)
    return list(session.scalars(query))


# ----------------------------------------------------------------------------------------- triage
def triage(session: Session, signal_id: int, user: User, status: str | None, note: str | None) -> Signal:
    """Change a signal's status (and/or add a note), audited with who and when. A status change is a
    compare-and-set, so two staff members triaging the same signal at once cannot both win."""
    one_of("status", status, SIGNAL_STATUSES, required=False)
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"note: at most {MAX_NOTE_CHARS} characters")
    scrubbed_note = scrub(note) if note else None
    if note and scrubbed_note is None:
        raise InvalidInput("note: could not be checked for personal data in time; shorten it and try again")
    clean_note = " ".join(scrubbed_note.split()) if scrubbed_note else None
    if status is None and not clean_note:
        raise InvalidInput("give a new status, a note, or both")
    signal = get_signal(session, signal_id)
    current = signal.status
    target = status or current
    if target != current and target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise TriageConflict(f"a {current} signal can become: {allowed} (not {target})")
    now = datetime.now(UTC)
    values = {"status": target, "status_changed_at": now, "status_changed_by": user.id}
    if clean_note:
        values["note"] = clean_note
    result = session.execute(
        update(Signal).where(Signal.id == signal_id, Signal.status == current).values(**values)
    )
    if result.rowcount != 1:
        session.rollback()
        raise TriageConflict("this signal was changed by someone else in the meantime: reload it")
    session.add(
        SignalEvent(
            signal_id=signal_id, at=now, user_id=user.id, actor=user.email, from_status=current,
            to_status=target, note=clean_note,
        )
    )
    session.commit()
    session.refresh(signal)
    return signal


def mark_service_verified(session: Session, signal_id: int, user: User) -> datetime:
    """Staff checked (and corrected) the sociale kaart entry a data-quality signal points at.

    The kb has no "mark verified" function yet, so this sets the kb Service's own freshness fields
    (last_verified_at/by), which kb.hsds exports as HSDS metadata. Move to the kb's function once it has one.
    """
    from kb.models import Service

    signal = get_signal(session, signal_id)
    if signal.signal_type != "data_quality" or not signal.service_id:
        raise TriageConflict("only a data-quality signal points at a sociale kaart entry")
    service = session.get(Service, signal.service_id)
    if service is None:
        raise SignalNotFound(f"the sociale kaart entry {signal.service_id} no longer exists")
    now = datetime.now(UTC)
    service.last_verified_at = now
    service.last_verified_by = "ELZ Brussel"  # exported publicly in HSDS: no staff e-mail there
    session.add(
        SignalEvent(
            signal_id=signal_id, at=now, user_id=user.id, actor=user.email, from_status=signal.status,
            to_status=signal.status, note="sociale kaart entry marked verified",
        )
    )
    session.commit()
    return now


# ----------------------------------------------------------------------------------------- sociale kaart
OPEN_STATUSES = ("new", "reviewed")  # a data-quality signal still waiting for the sociale kaart to change


def open_data_quality_signals(session: Session) -> list[OpenSignal]:
    """The open data-quality signals about services, oldest first (the review queue's "signal" items)."""
    rows = session.execute(
        select(Signal.id, Signal.service_id, Signal.text, Signal.created_on)
        .where(Signal.signal_type == "data_quality", Signal.status.in_(OPEN_STATUSES),
               Signal.service_id.is_not(None))
        .order_by(Signal.created_on, Signal.id)
    ).all()
    return [OpenSignal(*row) for row in rows]


def resolve_data_quality_signals(session: Session, service_id: str, editor: Editor, note: str) -> int:
    """Open data-quality signals about this service become "resolved_locally", audited; run in the
    transaction of the service's change (registered as a kb.editing.versions.service_change_hook)."""
    open_signals = session.scalars(
        select(Signal).where(
            Signal.service_id == service_id, Signal.signal_type == "data_quality",
            Signal.status.in_(OPEN_STATUSES),
        )
    ).all()
    now = datetime.now(UTC)
    for s in open_signals:
        session.add(SignalEvent(signal_id=s.id, at=now, user_id=editor.user_id, actor=editor.email,
                                from_status=s.status, to_status="resolved_locally", note=note))
    if open_signals:
        session.execute(
            update(Signal).where(Signal.id.in_([s.id for s in open_signals])).values(
                status="resolved_locally", status_changed_at=now, status_changed_by=editor.user_id
            )
        )
    return len(open_signals)
