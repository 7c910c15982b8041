"""A citizen's conversation: who may reach it, its transcript, and passing messages to the assistant.

The API owns the conversation. Every message (citizen, bot, worker) is stored once in `message`; the
citizen's message is stored before anything else happens, so nothing they wrote is lost when Rasa is down.
Messages go to Rasa's REST channel; when Rasa cannot answer in time the API answers itself, in the
citizen's language, with the onthaal's phone number and hours.

Access: a conversation id is unguessable, and a citizen's client also holds a session token whose
sha256 is kept on the conversation; only id + token reach a conversation (`authorize`).
"""

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import i18n
from api.core.config import Settings
from api.models import AUTHORS, Conversation, Message, utcnow
from api.services.language import SUPPORTED, detect_language

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
# What of a bot reply the transcript keeps besides its text.
PAYLOAD_KEYS = ("buttons", "custom", "image", "attachment")


class ConversationEvents(Protocol):
    """Where live events of a conversation go (the socket.io server; see api.services.realtime)."""

    async def bot_uttered(self, conversation_id: str, reply: dict[str, Any], author: str = "bot") -> None: ...

    async def forgotten(self, conversation_id: str) -> None: ...


class NoLiveEvents:
    """For callers without live clients (the command line, unit tests)."""

    async def bot_uttered(self, conversation_id: str, reply: dict[str, Any], author: str = "bot") -> None:
        return None

    async def forgotten(self, conversation_id: str) -> None:
        return None


# --- access ---------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    token: str  # given to the client once; only its hash is stored


def start_conversation(session: Session, channel: str, language: str | None = None) -> Started:
    token = secrets.token_urlsafe(32)
    conversation = Conversation(
        channel=channel, language=language if language in SUPPORTED else None, token_hash=hash_token(token)
    )
    session.add(conversation)
    session.commit()
    return Started(conversation, token)


def authorize(session: Session, conversation_id: str | None, token: str | None) -> Conversation | None:
    """The conversation when the token is the one handed out for it; None otherwise (unknown id,
    wrong or missing token: the caller cannot tell which, on purpose)."""
    if not conversation_id or not token or len(conversation_id) > 64 or len(token) > 200:
        return None
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.token_hash is None:
        return None
    if not hmac.compare_digest(conversation.token_hash, hash_token(token)):
        return None
    return conversation


# --- transcript -----------------------------------------------------------------------------------


def record_message(
    session: Session, conversation: Conversation, author: str, text: str | None,
    payload: dict[str, Any] | None = None,
) -> Message:
    if author not in AUTHORS:
        raise ValueError(f"unknown author {author!r}")
    message = Message(conversation_id=conversation.id, author=author, text=text, payload=payload or None)
    session.add(message)
    conversation.last_activity_at = message.created_at = utcnow()
    session.commit()
    return message


def reply_payload(reply: dict[str, Any]) -> dict[str, Any]:
    return {key: reply[key] for key in PAYLOAD_KEYS if reply.get(key) is not None}


def transcript(session: Session, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's messages, oldest first, as clients receive them."""
    messages = session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    )
    return [
        {"author": m.author, "text": m.text, **(m.payload or {}), "at": m.created_at.isoformat()}
        for m in messages
    ]


# --- the assistant --------------------------------------------------------------------------------


def unavailable_reply(settings: Settings, conversation_id: str, lang: str) -> dict[str, Any]:
    hours = getattr(settings, f"onthaal_hours_{lang}", settings.onthaal_hours_nl)
    return {
        "recipient_id": conversation_id,
        "text": i18n.text("api_assistant_unavailable", lang, phone=settings.onthaal_phone, hours=hours),
        "custom": {"type": "assistant_unavailable", "phone": settings.onthaal_phone, "hours": hours},
    }


def answer_language(conversation: Conversation, text: str, requested: str | None) -> str:
    if requested in SUPPORTED:
        return requested
    return conversation.language or detect_language(text).lang or i18n.DEFAULT_LANGUAGE


async def ask_assistant(settings: Settings, conversation_id: str, text: str, lang: str | None) -> list[dict]:
    """Rasa's replies; raises httpx.HTTPError, TimeoutError or ValueError when Rasa cannot answer in time."""
    payload = {"sender": conversation_id, "message": text, "metadata": {"lang": lang} if lang else {}}
    # One deadline for the whole exchange (httpx's timeout applies to each phase separately).
    async with asyncio.timeout(settings.rasa_timeout_seconds), httpx.AsyncClient(
        timeout=settings.rasa_timeout_seconds
    ) as client:
        response = await client.post(f"{settings.rasa_url}/webhooks/rest/webhook", json=payload)
    response.raise_for_status()
    replies = response.json()
    if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
        raise ValueError("Rasa answered something else than a list of messages")
    if not replies:
        # What Rasa does when a custom action fails (action server down): the citizen would get nothing.
        raise ValueError("Rasa answered no message")
    return replies


# A bot reply whose custom.type is a key here makes the API act after delivering the reply.
CustomTypeHandler = Callable[[Session, Settings, ConversationEvents, str, dict[str, Any]], Awaitable[None]]


async def _forget_after_reply(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str, _reply: dict
) -> None:
    from api.services.retention import forget_conversation

    await forget_conversation(session, settings, events, conversation_id)


async def _open_handover_case(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str, reply: dict
) -> None:
    from api.services.handover import on_handover_requested

    await on_handover_requested(session, settings, events, conversation_id, reply)


CUSTOM_TYPE_HANDLERS: dict[str, CustomTypeHandler] = {
    "forget_conversation": _forget_after_reply,
    "handover_requested": _open_handover_case,
}


async def handle_citizen_message(
    session: Session, settings: Settings, events: ConversationEvents, conversation: Conversation,
    text: str, requested_lang: str | None,
) -> list[dict[str, Any]]:
    """Store the citizen's message, get the assistant's replies (or the API's own when Rasa cannot
    answer), store and deliver them, then do what their custom types ask."""
    requested = requested_lang if requested_lang in SUPPORTED else None
    if requested:
        conversation.language = requested
    record_message(session, conversation, "citizen", text)
    from api.services.handover import takes_citizen_message

    if takes_citizen_message(session, conversation):
        return []  # a person at the onthaal holds the conversation: stored for them, not sent to Rasa
    conversation_id = conversation.id
    try:
        replies = await ask_assistant(settings, conversation_id, text, requested)
    except (httpx.HTTPError, TimeoutError, ValueError) as exc:
        logger.warning("assistant unavailable for a message: %s", type(exc).__name__)
        lang = answer_language(conversation, text, requested)
        conversation.language = conversation.language or lang
        replies = [unavailable_reply(settings, conversation_id, lang)]
    replies = [{**reply, "recipient_id": conversation_id} for reply in replies]
    for reply in replies:
        record_message(session, conversation, "bot", reply.get("text"), reply_payload(reply))
    for reply in replies:
        await events.bot_uttered(conversation_id, reply)
    for reply in replies:
        handler = CUSTOM_TYPE_HANDLERS.get(custom_type(reply))
        if handler is not None:
            await handler(session, settings, events, conversation_id, reply)
    return replies


async def post_worker_message(
    session: Session, events: ConversationEvents, conversation: Conversation, text: str
) -> dict[str, Any]:
    """An onthaal worker writes to the citizen (used by the handover console): stored once, delivered live
    to every client of the conversation, marked as the worker's (socket.io: metadata.author)."""
    record_message(session, conversation, "worker", text)
    reply = {"recipient_id": conversation.id, "text": text}
    await events.bot_uttered(conversation.id, reply, author="worker")
    return reply


def custom_type(reply: dict[str, Any]) -> str | None:
    custom = reply.get("custom")
    return custom.get("type") if isinstance(custom, dict) and isinstance(custom.get("type"), str) else None
