"""A citizen's conversation: who may reach it, its transcript, and passing messages to the assistant.

The API owns the conversation. Every message (citizen, bot, worker) is stored once in `message`; the
citizen's message is stored before anything else happens, so nothing they wrote is lost when Rasa is down.
Messages go to Rasa's REST channel; when Rasa cannot answer in time the API answers itself, in the
citizen's language, with the onthaal's phone number and hours.

Access: a conversation id is unguessable, and a citizen's client also holds a session token whose
sha256 is kept on the conversation; only id + token reach a conversation (`authorize`), and only while
the conversation is in use: CITIZEN_IDLE_MINUTES after its last message the token no longer opens it
(unless a person at the onthaal holds it), so a shared or lost device does not keep it open.
"""

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.channel.events import ConversationEvents
from api.channel.hooks import hooks
from api.channel.models import Conversation, Message
from api.channel.rasa_client import RasaUnavailable, rasa_client
from common.clock import utcnow
from common.config import Settings, get_settings
from dialogue import i18n
from dialogue.language import SUPPORTED, conversation_language
from dialogue.vocabularies import AUTHORS

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
# What of a bot reply the transcript keeps besides its text.
PAYLOAD_KEYS = ("buttons", "custom", "image", "attachment")


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


class ConversationExpired(Exception):
    """The token is the right one, but the conversation was idle too long: the client starts a new one."""


def expired_message(settings: Settings) -> str:
    return (f"this conversation ended after {settings.citizen_idle_minutes} minutes without a message: "
            "start a new one with POST /api/v1/conversations")


def authorize(
    session: Session, conversation_id: str | None, token: str | None, settings: Settings | None = None
) -> Conversation | None:
    """The conversation when the token is the one handed out for it; None otherwise (unknown id,
    wrong or missing token: the caller cannot tell which, on purpose). Raises ConversationExpired when
    the token is right but the conversation has been idle longer than CITIZEN_IDLE_MINUTES."""
    if not conversation_id or not token or len(conversation_id) > 64 or len(token) > 200:
        return None
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.token_hash is None:
        return None
    if not hmac.compare_digest(conversation.token_hash, hash_token(token)):
        return None
    if is_idle(session, conversation, settings or get_settings()):
        raise ConversationExpired(conversation_id)
    return conversation


def is_idle(session: Session, conversation: Conversation, settings: Settings) -> bool:
    last = conversation.last_activity_at
    if last.tzinfo is None:  # SQLite returns naive datetimes (stored as UTC)
        last = last.replace(tzinfo=UTC)
    if utcnow() - last <= timedelta(minutes=settings.citizen_idle_minutes):
        return False
    # A citizen waiting for the onthaal (or a call back) may be silent a long time: that case stays theirs.
    return not hooks.keeps_open(session, conversation.id)


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
    """The API's own estimate, by the assistant's rule (a button's payload says nothing about language);
    light: the API needs it only when Rasa cannot say, not worth lingua's models in every API process."""
    return conversation_language("" if text.startswith("/") else text, current=conversation.language,
                                 requested=requested, default=i18n.DEFAULT_LANGUAGE, light=True)


async def ask_assistant(
    settings: Settings, conversation_id: str, text: str, lang: str | None,
    on_slow: Callable[[], Awaitable[None]] | None = None, conversation_lang: str | None = None,
) -> list[dict]:
    """Rasa's replies; raises RasaUnavailable when Rasa cannot answer (see api.channel.rasa_client).
    `lang` is a language the channel asks for; `conversation_lang` the one the conversation is in so far
    (chosen when it started, or answered in since), which the assistant keeps unless the citizen clearly
    writes in another: without it a conversation started in French was answered "ok" in Dutch."""
    metadata = {"lang": lang} if lang else {}
    if conversation_lang:
        metadata["conversation_lang"] = conversation_lang
    return await rasa_client(settings).turn(conversation_id, text, metadata, on_slow=on_slow)


def reply_language(replies: list[dict[str, Any]]) -> str | None:
    """The language the assistant answered in: Rasa (bot/serve.py) puts its `language` slot, on which the
    reply's texts were chosen, on every message of the reply as metadata.lang. None when it does not say."""
    for reply in replies:
        metadata = reply.get("metadata")
        lang = metadata.get("lang") if isinstance(metadata, dict) else None
        if lang in SUPPORTED:
            return lang
    return None


async def handle_citizen_message(
    session: Session, settings: Settings, events: ConversationEvents, conversation: Conversation,
    text: str, requested_lang: str | None,
) -> list[dict[str, Any]]:
    """Store the citizen's message, get the assistant's replies (or the API's own when Rasa cannot
    answer), store and deliver them, then do what their custom types ask."""
    # Database work and language detection run in a worker thread (one at a time: the session is not
    # shared concurrently), so a database waiting for a lock never freezes the event loop.
    requested = requested_lang if requested_lang in SUPPORTED else None
    if requested:
        conversation.language = requested
    def store_citizen_message() -> bool:
        record_message(session, conversation, "citizen", text)
        return hooks.takes_citizen_message(session, conversation)

    if await asyncio.to_thread(store_citizen_message):
        return []  # a person at the onthaal holds the conversation: stored for them, not sent to Rasa
    conversation_id = conversation.id

    async def tell_slow() -> None:  # the answer takes long: say the message is kept (live clients only)
        lang = await asyncio.to_thread(answer_language, conversation, text, requested)
        await events.assistant_slow(conversation_id, lang)

    await events.assistant_typing(conversation_id, True)
    try:
        replies = await ask_assistant(settings, conversation_id, text, requested, on_slow=tell_slow,
                                      conversation_lang=conversation.language)
    except RasaUnavailable as exc:
        logger.warning("assistant unavailable for a message: %s", exc)
        lang = await asyncio.to_thread(answer_language, conversation, text, requested)
        conversation.language = conversation.language or lang
        replies = [unavailable_reply(settings, conversation_id, lang)]
    else:
        # Clients follow the language of the replies (metadata.lang, which Rasa widgets ignore).
        lang = reply_language(replies) or await asyncio.to_thread(answer_language, conversation, text, requested)
        conversation.language = lang
    replies = [{**reply, "recipient_id": conversation_id, "metadata": {"lang": lang}} for reply in replies]

    def store_replies() -> None:
        for reply in replies:
            record_message(session, conversation, "bot", reply.get("text"), reply_payload(reply))

    await asyncio.to_thread(store_replies)
    for reply in replies:
        await events.bot_uttered(conversation_id, reply)
    for reply in replies:
        handler = hooks.after_reply.get(custom_type(reply))
        if handler is not None:
            await handler(session, settings, events, conversation_id, reply)
    return replies


async def post_worker_message(
    session: Session, events: ConversationEvents, conversation: Conversation, text: str
) -> dict[str, Any]:
    """An onthaal worker writes to the citizen (used by the handover console): stored once, delivered live
    to every client of the conversation, marked as the worker's (socket.io: metadata.author)."""
    await asyncio.to_thread(record_message, session, conversation, "worker", text)
    reply = {"recipient_id": conversation.id, "text": text}
    await events.bot_uttered(conversation.id, reply, author="worker")
    return reply


def custom_type(reply: dict[str, Any]) -> str | None:
    custom = reply.get("custom")
    return custom.get("type") if isinstance(custom, dict) and isinstance(custom.get("type"), str) else None
