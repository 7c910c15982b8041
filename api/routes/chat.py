"""The citizen's REST channel, in the shape of Rasa's REST channel (POST /webhooks/rest/webhook),
and the conversation resource programmatic clients and the widget use (/api/v1/conversations).

A client first starts a conversation (POST /api/v1/conversations -> {conversation_id, token}), then
sends messages with `sender` = conversation_id and the header `Authorization: Bearer <token>`.

Database work runs in worker threads (run_in_threadpool), never on the event loop: a database that waits
for a lock must not freeze every other request and socket of this process.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.core.config import get_settings
from api.core.db import get_session
from api.core.text_input import has_forbidden_characters, metadata_problem
from api.models import Conversation
from api.services.conversation import (
    MAX_MESSAGE_CHARS,
    ConversationExpired,
    authorize,
    expired_message,
    handle_citizen_message,
    start_conversation,
    transcript,
)
from api.services.retention import forget_conversation

router = APIRouter(tags=["citizen channel"])
bearer = HTTPBearer(auto_error=False, description="The token given with the conversation id")

NOT_YOURS = (
    "unknown conversation or wrong token: start a conversation with POST /api/v1/conversations "
    "and send its token as `Authorization: Bearer <token>`"
)


class CitizenMessage(BaseModel):
    sender: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="The conversation id")
    message: str = Field(max_length=MAX_MESSAGE_CHARS)
    metadata: dict[str, Any] = Field(default_factory=dict, description="`lang`: nl, fr or en")

    @field_validator("message")
    @classmethod
    def _printable(cls, value: str) -> str:
        if has_forbidden_characters(value):
            raise ValueError("the message holds control characters: send plain text")
        return value

    @field_validator("metadata")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = metadata_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class BotMessage(BaseModel):
    recipient_id: str
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    custom: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = Field(None, description="`lang`: the language of this reply")


class NewConversation(BaseModel):
    lang: str | None = Field(None, pattern=r"^(nl|fr|en)$")


class StartedConversation(BaseModel):
    conversation_id: str
    token: str


class TranscriptMessage(BaseModel):
    author: str
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    custom: dict[str, Any] | None = None
    at: str


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _own_conversation(
    session: Session, conversation_id: str, credentials: HTTPAuthorizationCredentials | None
) -> Conversation:
    try:
        conversation = await run_in_threadpool(
            authorize, session, conversation_id, credentials.credentials if credentials else None
        )
    except ConversationExpired:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, expired_message(get_settings()),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    if conversation is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, NOT_YOURS, headers={"WWW-Authenticate": "Bearer"})
    return conversation


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
DbSession = Annotated[Session, Depends(get_session)]


@router.post("/api/v1/conversations", status_code=201, response_model=StartedConversation)
async def create_conversation(
    request: Request, session: DbSession, body: NewConversation | None = None
) -> dict:
    if not await request.app.state.rate_limiter.allow(None, _client_ip(request)):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many requests: wait a minute")
    started = await run_in_threadpool(start_conversation, session, "rest", body.lang if body else None)
    return {"conversation_id": started.conversation.id, "token": started.token}


@router.get("/api/v1/conversations/{conversation_id}/messages", response_model=list[TranscriptMessage],
            response_model_exclude_none=True)
async def conversation_messages(conversation_id: str, session: DbSession, credentials: Credentials) -> list:
    conversation = await _own_conversation(session, conversation_id, credentials)
    return await run_in_threadpool(transcript, session, conversation.id)


@router.delete("/api/v1/conversations/{conversation_id}", status_code=204)
async def forget(
    conversation_id: str, request: Request, session: DbSession, credentials: Credentials
) -> Response:
    """Forget this conversation at once: its transcript here and its dialogue state in Rasa."""
    conversation = await _own_conversation(session, conversation_id, credentials)
    await forget_conversation(session, get_settings(), request.app.state.citizen_socket, conversation.id)
    return Response(status_code=204)


@router.post("/webhooks/rest/webhook", response_model=list[BotMessage], response_model_exclude_none=True)
async def rest_webhook(
    body: CitizenMessage, request: Request, session: DbSession, credentials: Credentials
) -> list:
    conversation = await _own_conversation(session, body.sender, credentials)
    if not await request.app.state.rate_limiter.allow(conversation.id, _client_ip(request)):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many messages: wait a minute")
    lang = body.metadata.get("lang")
    return await handle_citizen_message(
        session, get_settings(), request.app.state.citizen_socket, conversation, body.message,
        lang if isinstance(lang, str) else None,
    )
