"""The citizen's socket.io channel at /socket.io, speaking the protocol of Rasa's socketio channel.

Events, as Rasa 3.6 (rasa/core/channels/socketio.py) with session persistence:
- client `session_request` {session_id?, token?}  ->  server `session_confirm` <session_id>
  A known session_id with its token resumes that conversation: the server then also emits
  `session_history` {session_id, messages}. Anything else starts a new conversation, and the server
  first emits `session_credentials` {session_id, token}: a client that wants to come back keeps both.
  (Widgets that only know Rasa's protocol ignore these two extra events and simply get a new
  conversation on every page load.)
- client `user_uttered` {message, session_id?, customData: {lang?}}  ->  server `bot_uttered`
  {text?, quick_replies?, custom?, attachment?} per reply, to every client of that conversation
  (the socket.io room named after the conversation id, on every API process when REDIS_URL is set).
  The conversation is the one bound to the socket by session_request; a session_id in the message is
  never trusted.
- server `conversation_forgotten` {session_id} when the conversation was deleted.
- server `session_expired` {session_id} when the conversation asked for (or bound to this socket) was idle
  longer than CITIZEN_IDLE_MINUTES: a new conversation follows (`session_credentials`, `session_confirm`).
Database work runs in worker threads (asyncio.to_thread), never on the event loop: a database waiting for a
lock must not freeze every other socket.
Metadata comes under `customData` (Rasa's credentials key `metadata_key`; `metadata` is accepted too).
"""

import asyncio
import json
import logging
from typing import Any

import socketio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.channel.conversation import (
    MAX_MESSAGE_CHARS,
    ConversationExpired,
    authorize,
    handle_citizen_message,
    is_idle,
    start_conversation,
    transcript,
)
from api.channel.hooks import hooks
from api.channel.models import Conversation
from api.channel.ratelimit import RateLimiter
from api.core.text_input import has_forbidden_characters
from common.config import Settings
from dialogue import i18n
from dialogue.language import SUPPORTED

logger = logging.getLogger(__name__)

MAX_PACKET_BYTES = 64 * 1024
METADATA_KEYS = ("customData", "metadata")


def socket_messages(reply: dict[str, Any], author: str = "bot") -> list[dict[str, Any]]:
    """A REST-shaped reply as Rasa's socketio output channel emits it (OutputChannel.send_response):
    text in parts split on blank lines, buttons as quick_replies on the last part, then image,
    attachment and custom, each its own `bot_uttered`. Widgets match these shapes key by key, so
    nothing else is added, except `metadata`: `author` on a worker's messages, `lang` (the reply's
    language) on the assistant's."""
    messages: list[dict[str, Any]] = []
    text = reply.get("text")
    if isinstance(text, str) and text.strip():
        messages = [{"text": part} for part in text.strip().split("\n\n")]
    buttons = [b for b in reply.get("buttons") or [] if isinstance(b, dict)]
    if buttons:
        if not messages:
            messages = [{"text": ""}]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": b.get("title", ""), "payload": b.get("payload", "")}
            for b in buttons
        ]
    if reply.get("image"):
        messages.append({"attachment": {"type": "image", "payload": {"src": reply["image"]}}})
    if reply.get("attachment"):
        messages.append({"attachment": reply["attachment"]})
    if isinstance(reply.get("custom"), dict):
        messages.append({"custom": reply["custom"]})
    given = reply.get("metadata") if isinstance(reply.get("metadata"), dict) else {}
    metadata = {"lang": given["lang"]} if given.get("lang") else {}
    if author != "bot":
        metadata["author"] = author
    if metadata:
        for message in messages:
            message["metadata"] = dict(metadata)
    return messages


def history_message(stored: dict[str, Any]) -> dict[str, Any]:
    """A transcript message for `session_history`: author, time, and the message in socket shape."""
    message: dict[str, Any] = {"author": stored["author"], "at": stored["at"]}
    if stored.get("text"):
        message["text"] = stored["text"]
    if stored.get("buttons"):
        message["quick_replies"] = socket_messages({"buttons": stored["buttons"]})[-1]["quick_replies"]
    for key in ("custom", "attachment"):
        if stored.get(key):
            message[key] = stored[key]
    return message


def _metadata(data: dict[str, Any]) -> dict[str, Any]:
    for key in METADATA_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if isinstance(value, dict):
            return value
    return {}


def _lang(data: dict[str, Any]) -> str | None:
    lang = _metadata(data).get("lang")
    return lang if lang in SUPPORTED else None


class CitizenSocketServer:
    """socket.io server of the citizen channel; also the live-event sink of the conversation service."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session], limiter: RateLimiter):
        self.settings = settings
        self.session_factory = session_factory
        self.limiter = limiter
        manager = (
            # JSON messages (python-socketio >= 5.12 no longer pickles); a password goes in REDIS_URL
            # (redis://:password@host:6379/0). A connect timeout and health checks so a silent Redis is
            # noticed; no read timeout, since the subscriber waits for messages by design.
            socketio.AsyncRedisManager(
                settings.redis_url, channel=settings.redis_channel,
                redis_options={"socket_connect_timeout": 5, "health_check_interval": 30},
            )
            if settings.redis_url else None
        )
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=manager,
            cors_allowed_origins=self._origin_allowed,
            max_http_buffer_size=MAX_PACKET_BYTES,
            logger=False,
            engineio_logger=False,
        )
        self.sio.on("connect", self.connect)
        self.sio.on("session_request", self.session_request)
        self.sio.on("user_uttered", self.user_uttered)
        self.sio.on("disconnect", self.disconnect)

    # --- origins -------------------------------------------------------------------------------
    def _origin_allowed(self, origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True  # not a browser
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin in (own, self.settings.base_url, *self.settings.allowed_origins)

    # --- live events (ConversationEvents) -------------------------------------------------------
    async def bot_uttered(self, conversation_id: str, reply: dict[str, Any], author: str = "bot") -> None:
        for message in socket_messages(reply, author):
            await self.sio.emit("bot_uttered", message, room=conversation_id)

    async def forgotten(self, conversation_id: str) -> None:
        await self.sio.emit("conversation_forgotten", {"session_id": conversation_id}, room=conversation_id)
        await self.sio.close_room(conversation_id)

    async def assistant_typing(self, conversation_id: str, typing: bool) -> None:
        """Our widget shows "typing..." while the assistant works (other Rasa widgets ignore the event)."""
        await self.sio.emit("bot_typing", {"session_id": conversation_id, "typing": typing}, room=conversation_id)

    async def assistant_slow(self, conversation_id: str, lang: str) -> None:
        """The answer takes long under load: say the message is kept (not stored: about the channel)."""
        await self.sio.emit(
            "bot_uttered",
            {"text": i18n.text("api_assistant_slow", lang), "custom": {"type": "assistant_slow"}},
            room=conversation_id,
        )

    # --- client events ----------------------------------------------------------------------------
    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        token = auth.get("token") if isinstance(auth, dict) and isinstance(auth.get("token"), str) else None
        await self.sio.save_session(sid, {"ip": environ.get("REMOTE_ADDR"), "token": token})
        return True

    async def _bind(self, sid: str, requested_id: Any, token: Any, lang: str | None) -> str | None:
        """Resume the conversation (id + token) or start one; the conversation id bound to sid."""
        state = await self.sio.get_session(sid)
        token = token if isinstance(token, str) else state.get("token")
        requested_id = requested_id if isinstance(requested_id, str) else None
        with self.session_factory() as session:
            try:
                conversation = await asyncio.to_thread(authorize, session, requested_id, token, self.settings)
            except ConversationExpired:
                conversation = None
                await self.sio.emit("session_expired", {"session_id": requested_id}, to=sid)
            if conversation is None:
                if not await self.limiter.allow(None, state.get("ip")):
                    await self._say(sid, "api_rate_limited", lang)
                    return None
                started = await asyncio.to_thread(start_conversation, session, "socketio", lang)
                conversation_id = started.conversation.id
                await self.sio.emit(
                    "session_credentials", {"session_id": conversation_id, "token": started.token}, to=sid
                )
                history = None
            else:
                conversation_id = conversation.id
                history = await asyncio.to_thread(transcript, session, conversation_id)
        state["conversation_id"] = conversation_id
        await self.sio.save_session(sid, state)
        await self.sio.enter_room(sid, conversation_id)
        await asyncio.to_thread(self._presence, conversation_id, True)
        await self.sio.emit("session_confirm", conversation_id, to=sid)
        if history is not None:
            messages = [history_message(m) for m in history]
            await self.sio.emit(
                "session_history", {"session_id": conversation_id, "messages": messages}, to=sid
            )
        return conversation_id

    async def session_request(self, sid: str, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        await self._bind(sid, data.get("session_id"), data.get("token"), _lang(data))

    async def user_uttered(self, sid: str, data: Any = None) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return  # not a message in Rasa's shape: nothing to answer
        lang = _lang(data)
        text = data["message"]
        if len(text) > MAX_MESSAGE_CHARS:
            await self._say(sid, "api_message_too_long", lang, limit=str(MAX_MESSAGE_CHARS))
            return
        if has_forbidden_characters(text):
            await self._say(sid, "api_message_control_characters", lang)
            return
        state = await self.sio.get_session(sid)
        conversation_id = state.get("conversation_id") or await self._bind(sid, None, None, lang)
        if conversation_id is None:
            return
        if not await self.limiter.allow(conversation_id, state.get("ip")):
            await self._say(sid, "api_rate_limited", lang)
            return
        with self.session_factory() as session:
            conversation = await asyncio.to_thread(session.get, Conversation, conversation_id)
            if conversation is None:  # forgotten meanwhile
                await self.sio.emit("conversation_forgotten", {"session_id": conversation_id}, to=sid)
                return
            if await asyncio.to_thread(is_idle, session, conversation, self.settings):
                # The tab stayed open but nobody wrote for too long: the next writer starts afresh.
                await self.sio.emit("session_expired", {"session_id": conversation_id}, to=sid)
                await self.sio.leave_room(sid, conversation_id)
                state.pop("conversation_id", None)
                await self.sio.save_session(sid, state)
                new_id = await self._bind(sid, None, None, lang)
                conversation = new_id and await asyncio.to_thread(session.get, Conversation, new_id)
                if not conversation:
                    return
            await handle_citizen_message(session, self.settings, self, conversation, text, lang)

    async def disconnect(self, sid: str, *_args: Any) -> None:
        try:
            state = await self.sio.get_session(sid)
        except KeyError:
            return
        if state.get("conversation_id"):
            await asyncio.to_thread(self._presence, state["conversation_id"], False)

    def _presence(self, conversation_id: str, present: bool) -> None:
        """Shown on an open handover case: is the citizen still there?"""
        try:
            with self.session_factory() as session:
                hooks.citizen_presence(session, conversation_id, present)
        except SQLAlchemyError as exc:
            logger.warning("could not record the citizen's presence: %s", type(exc).__name__)

    async def _say(self, sid: str, key: str, lang: str | None, **values: str) -> None:
        """An API notice to this client only (not stored: it is about the channel, not the conversation)."""
        await self.sio.emit("bot_uttered", {"text": i18n.text(key, lang, **values)}, to=sid)


class SocketIOMount:
    """ASGI middleware: /socket.io/ goes to the socket.io server, everything else to the application."""

    def __init__(self, app, server: CitizenSocketServer) -> None:
        self.asgi = socketio.ASGIApp(server.sio, other_asgi_app=app, socketio_path="socket.io")

    async def __call__(self, scope, receive, send) -> None:
        await self.asgi(scope, receive, send)
