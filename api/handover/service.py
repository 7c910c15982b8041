"""Warm handover: a case for a person at the onthaal, its queue, the worker's actions and the citizen's side.

Life of a case: waiting -> claimed -> resolved, and claimed -> waiting again (released by the worker, or by
the API when the worker's console has been silent for HANDOVER_CLAIM_TIMEOUT_SECONDS).

- Created when a bot reply carries `custom.type == "handover_requested"` (registered in
  api.channel.conversation), from the assistant's summary. Rasa's tracker for the conversation is paused;
  while the case is open the citizen's messages are stored for the worker and never reach Rasa.
- The citizen is told who will answer and roughly when: their place in the queue within opening hours;
  outside them, or when nobody claims the case within HANDOVER_CALLBACK_AFTER_SECONDS, an offer to leave a
  phone number or e-mail address (with consent; only on the case, deleted with it).
- Claiming is one conditional UPDATE (... WHERE status = 'waiting'), so two workers never hold one case.
- Every worker action is written to handover_audit (who, what, when).

This module is the part that runs on the API's event loop: it calls Rasa and delivers messages to the
citizen's widget. All database work is in api.handover.store and runs in a worker thread
(`in_thread`): a database waiting for a lock then holds up only this request, never every socket. What the
console reads (the queue, a case) is in api.handover.views.
Errors are HandoverError subclasses carrying the HTTP status a route should answer with.
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy.orm import Session

from api.channel.conversation import post_worker_message
from api.channel.events import ConversationEvents
from api.channel.models import Conversation
from api.channel.rasa_client import rasa_client
from api.handover import store, timeouts
from api.handover.models import HandoverCase
from api.handover.store import (
    MAX_NOTE_CHARS,
    MAX_WORKER_MESSAGE_CHARS,
    OPEN_STATUSES,
    CaseConflict,
    CaseNotFound,
    HandoverError,
    InvalidInput,
    Utterance,
    citizen_presence,
    get_case,
    mark_called_back,
    open_case_for,
    queue_position,
    takes_citizen_message,
    touch_worker,
)
from api.handover.timeouts import conversations_held
from api.handover.views import case_view, list_cases, read_case
from common.clock import utcnow
from common.config import Settings
from common.staff_accounts import User

# The synchronous functions are re-exported: callers (routes, conversation, realtime, retention) import
# them from here. Call them from a thread (sync routes run in FastAPI's thread pool), never on the loop.
__all__ = [
    "MAX_NOTE_CHARS", "MAX_WORKER_MESSAGE_CHARS", "OPEN_STATUSES", "CaseConflict", "CaseNotFound",
    "HandoverError", "InvalidInput", "case_view", "check_periodically", "check_timeouts", "citizen_presence",
    "claim", "conversations_held", "get_case", "leave_contact", "list_cases", "mark_called_back",
    "offer_callback", "on_handover_requested", "open_case", "open_case_for", "queue_position", "read_case",
    "release", "resolve", "send_message", "set_bot_paused", "takes_citizen_message", "tell_citizen",
    "tell_queue_position", "touch_worker",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_SESSION_LOCK = "handover.thread_lock"


async def in_thread(session: Session, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(session, *args, **kwargs)` in a worker thread. A Session is not thread-safe: coroutines that
    share one take turns (waiting in their thread, not on the loop)."""
    lock = session.info.setdefault(_SESSION_LOCK, threading.Lock())

    def locked() -> T:
        with lock:
            return work(session, *args, **kwargs)

    return await asyncio.to_thread(locked)


async def deliver(events: ConversationEvents, utterance: Utterance | None) -> None:
    """Send a stored message to the citizen's widget (nothing when the conversation was gone)."""
    if utterance is not None:
        await events.bot_uttered(utterance.conversation_id, utterance.reply, author=utterance.author)


async def set_bot_paused(settings: Settings, conversation_id: str, paused: bool) -> bool:
    """Pause or resume Rasa's tracker for this conversation (Rasa's HTTP API). False when Rasa could not
    be reached: the case goes on regardless (while a case is open the API does not forward messages)."""
    try:
        await rasa_client(settings).tracker_event(conversation_id, {"event": "pause" if paused else "resume"})
        return True
    except httpx.HTTPError as exc:
        logger.warning("could not %s the assistant for a handover: %s", "pause" if paused else "resume",
                       type(exc).__name__)
        return False


# --- the citizen's side ----------------------------------------------------------------------------


async def tell_citizen(
    session: Session, events: ConversationEvents, conversation_id: str, text: str | None,
    custom: dict[str, Any] | None = None, author: str = "bot",
) -> None:
    """Store a message in the transcript and deliver it to the citizen's widget."""
    await deliver(events, await in_thread(session, store.store_reply, conversation_id, text, custom, author))


async def offer_callback(
    session: Session, settings: Settings, events: ConversationEvents, case: HandoverCase, key: str
) -> None:
    await deliver(events, await in_thread(session, store.offer_callback, settings, case, key))


async def tell_queue_position(
    session: Session, settings: Settings, events: ConversationEvents, case: HandoverCase,
    key: str = "api_handover_queue",
) -> None:
    await deliver(events, await in_thread(session, store.queue_news, settings, case, key))


async def open_case(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str,
    summary: dict[str, Any], now: datetime | None = None,
) -> HandoverCase | None:
    """Open a case for the conversation (or keep the one already open), pause the bot, tell the citizen."""
    opened = await in_thread(session, store.open_case, conversation_id, summary)
    if opened is None:
        return None
    case, pause = opened
    if pause:
        paused = await set_bot_paused(settings, conversation_id, True)
        await in_thread(session, store.record_bot_paused, case, paused)
    await deliver(events, await in_thread(session, store.news_for_new_case, settings, case, now or utcnow()))
    return case


async def on_handover_requested(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str, reply: dict
) -> None:
    """Run after a reply whose custom.type is "handover_requested" (registered by api.flows)."""
    custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
    await open_case(session, settings, events, conversation_id, custom.get("summary") or {})


async def leave_contact(
    session: Session, settings: Settings, events: ConversationEvents, conversation: Conversation,
    phone: str | None, email: str | None, consent: bool,
) -> HandoverCase:
    """The citizen leaves a phone number and/or e-mail address for a call back, with explicit consent."""
    case, utterance = await in_thread(session, store.leave_contact, conversation, phone, email, consent)
    await deliver(events, utterance)
    return case


# --- the worker's side -----------------------------------------------------------------------------


async def claim(
    session: Session, settings: Settings, events: ConversationEvents, case_id: int, user: User
) -> HandoverCase:
    case, utterance = await in_thread(session, store.claim, case_id, user)
    await deliver(events, utterance)
    return case


async def send_message(
    session: Session, events: ConversationEvents, case_id: int, user: User, text: str
) -> HandoverCase:
    case, conversation, text = await in_thread(session, store.begin_worker_message, case_id, user, text)
    await post_worker_message(session, events, conversation, text)  # stores it (in a thread), delivers it
    await in_thread(session, store.audit, case, user, "message")
    return case


async def release(
    session: Session, settings: Settings, events: ConversationEvents, case_id: int, user: User | None,
    reason: str = "release",
) -> HandoverCase:
    """Back to the queue: by the worker holding it (or an admin), or by the API after the claim timeout."""
    case, utterance = await in_thread(session, store.release, settings, case_id, user, reason)
    await deliver(events, utterance)
    return case


async def resolve(
    session: Session, settings: Settings, events: ConversationEvents, case_id: int, user: User, *,
    outcome: str, note: str | None = None, knelpunten: list[str] | None = None,
    service_id: str | None = None, then: str = "bot",
) -> HandoverCase:
    """Close the case with an outcome; knelpunten become signals; the conversation goes back to the
    assistant (then="bot") or is closed (then="close")."""
    case, paused_conversation = await in_thread(
        session, store.resolve, case_id, user, outcome=outcome, note=note, knelpunten=knelpunten,
        service_id=service_id, then=then,
    )
    resumed = paused_conversation is not None and await set_bot_paused(settings, paused_conversation, False)
    await deliver(events, await in_thread(session, store.hand_back, case, resumed, then))
    return case


# --- timeouts ----------------------------------------------------------------------------------------


async def check_timeouts(
    session: Session, settings: Settings, events: ConversationEvents, now: datetime | None = None
) -> dict[str, int]:
    """Claims whose worker went silent go back to the queue; long-waiting cases get a call-back offer."""
    now = now or utcnow()
    released = 0
    for case_id in await in_thread(session, timeouts.silent_claims, settings, now):
        try:
            await release(session, settings, events, case_id, None, reason="claim_timeout")
            released += 1
        except CaseConflict:
            pass  # claimed again or resolved meanwhile
    offered = 0
    for case in await in_thread(session, timeouts.long_waiting, settings, now):
        await offer_callback(session, settings, events, case, "api_handover_callback_offer")
        offered += 1
    return {"released": released, "callback_offered": offered}


async def check_periodically(settings: Settings, session_factory, events: ConversationEvents) -> None:
    """Run by the API process (its lifespan) every HANDOVER_CHECK_INTERVAL_SECONDS."""
    from sqlalchemy.exc import SQLAlchemyError

    while True:
        await asyncio.sleep(settings.handover_check_interval_seconds)
        try:
            with session_factory() as session:
                await check_timeouts(session, settings, events)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("handover timeout check failed (%s)", type(exc).__name__)
