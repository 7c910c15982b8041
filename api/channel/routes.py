"""The citizen's REST channel, in the shape of Rasa's REST channel (POST /webhooks/rest/webhook),
and the conversation resource programmatic clients and the widget use (/api/v1/conversations).

A client first starts a conversation (POST /api/v1/conversations -> {conversation_id, token}), then
sends messages with `sender` = conversation_id and the header `Authorization: Bearer <token>`.

Database work runs in worker threads (run_in_threadpool), never on the event loop: a database that waits
for a lock must not freeze every other request and socket of this process.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.channel.conversation import (
    ConversationExpired,
    authorize,
    expired_message,
    handle_citizen_message,
    start_conversation,
    transcript,
)
from api.channel.hooks import hooks
from api.channel.models import Conversation
from api.channel.schemas import BotMessage, CitizenMessage, NewConversation, StartedConversation, TranscriptMessage
from api.deps import SessionDep
from common.config import get_settings

router = APIRouter(tags=["citizen channel"])
bearer = HTTPBearer(auto_error=False, description="The token given with the conversation id")

NOT_YOURS = (
    "unknown conversation or wrong token: start a conversation with POST /api/v1/conversations "
    "and send its token as `Authorization: Bearer <token>`"
)


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


@router.post("/api/v1/conversations", status_code=201, response_model=StartedConversation)
async def create_conversation(
    request: Request, session: SessionDep, body: NewConversation | None = None
) -> dict:
    if not await request.app.state.rate_limiter.allow(None, _client_ip(request)):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many requests: wait a minute")
    lang = str(body.lang) if body and body.lang else None
    started = await run_in_threadpool(start_conversation, session, "rest", lang)
    return {"conversation_id": started.conversation.id, "token": started.token}


@router.get("/api/v1/conversations/{conversation_id}/messages", response_model=list[TranscriptMessage],
            response_model_exclude_none=True)
async def conversation_messages(conversation_id: str, session: SessionDep, credentials: Credentials) -> list:
    conversation = await _own_conversation(session, conversation_id, credentials)
    return await run_in_threadpool(transcript, session, conversation.id)


@router.delete("/api/v1/conversations/{conversation_id}", status_code=204)
async def forget(
    conversation_id: str, request: Request, session: SessionDep, credentials: Credentials
) -> Response:
    """Forget this conversation at once: its transcript here and its dialogue state in Rasa."""
    conversation = await _own_conversation(session, conversation_id, credentials)
    if hooks.forget is None:  # the app registers it (api.flows); a channel on its own cannot forget everywhere
        raise RuntimeError("no forget hook registered")
    await hooks.forget(session, get_settings(), request.app.state.citizen_socket, conversation.id)
    return Response(status_code=204)


@router.post("/webhooks/rest/webhook", response_model=list[BotMessage], response_model_exclude_none=True)
async def rest_webhook(
    body: CitizenMessage, request: Request, session: SessionDep, credentials: Credentials
) -> list:
    conversation = await _own_conversation(session, body.sender, credentials)
    if not await request.app.state.rate_limiter.allow(conversation.id, _client_ip(request)):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many messages: wait a minute")
    lang = body.metadata.get("lang")
    return await handle_citizen_message(
        session, get_settings(), request.app.state.citizen_socket, conversation, body.message,
        lang if isinstance(lang, str) else None,
    )
