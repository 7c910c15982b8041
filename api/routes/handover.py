"""Handover cases for the onthaal (role onthaal or admin), the citizen's call-back request, and the
onthaal console's page (/onthaal/). The logic is in api.services.handover."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.core.config import REPO_ROOT, get_settings
from api.core.db import get_session
from api.core.security import require_role
from api.models_signals import User
from api.services import handover
from api.services.conversation import ConversationExpired, authorize, expired_message

router = APIRouter(tags=["handover"])
ONTHAAL_DIR = REPO_ROOT / "api" / "static" / "onthaal"

DbSession = Annotated[Session, Depends(get_session)]
Worker = Annotated[User, Depends(require_role("onthaal", "admin"))]


class WorkerMessage(BaseModel):
    text: str = Field(min_length=1, max_length=handover.MAX_WORKER_MESSAGE_CHARS)


class Resolution(BaseModel):
    outcome: Literal["referred", "information", "no_contact", "other"]
    note: str | None = Field(None, max_length=handover.MAX_NOTE_CHARS)
    knelpunten: list[str] = Field(default_factory=list, max_length=10)
    service_id: str | None = Field(None, max_length=36, description="outcome 'referred': the sociale kaart service")
    then: Literal["bot", "close"] = Field("bot", description="hand the conversation back to the bot, or close it")


class CallbackRequest(BaseModel):
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320)
    consent: bool = False


def _fail(exc: handover.HandoverError) -> HTTPException:
    return HTTPException(exc.status_code, str(exc))


def _events(request: Request):
    return request.app.state.citizen_socket


@router.get("/api/v1/handovers")
def list_handovers(
    session: DbSession, user: Worker,
    status_: Annotated[Literal["waiting", "claimed", "resolved"] | None, Query(alias="status")] = None,
) -> dict:
    """Open cases (or one status): by urgency, then the longest waiting first. Calling it also tells the
    API that this worker's console is alive (their claims do not time out)."""
    handover.touch_worker(session, user)
    cases = handover.list_cases(session, status_)
    return {"cases": [handover.case_view(session, case) for case in cases]}


@router.get("/api/v1/handovers/{case_id}")
def get_handover(case_id: int, session: DbSession, user: Worker) -> dict:
    try:
        case = handover.read_case(session, case_id, user)
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return handover.case_view(session, case, with_transcript=True)


@router.post("/api/v1/handovers/{case_id}/claim")
async def claim_handover(case_id: int, request: Request, session: DbSession, user: Worker) -> dict:
    try:
        case = await handover.claim(session, get_settings(), _events(request), case_id, user)
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return await run_in_threadpool(handover.case_view, session, case, with_transcript=True)


@router.post("/api/v1/handovers/{case_id}/messages", status_code=201)
async def message_handover(
    case_id: int, body: WorkerMessage, request: Request, session: DbSession, user: Worker
) -> dict:
    try:
        await handover.send_message(session, _events(request), case_id, user, body.text)
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return {"delivered": True}


@router.post("/api/v1/handovers/{case_id}/release")
async def release_handover(case_id: int, request: Request, session: DbSession, user: Worker) -> dict:
    try:
        case = await handover.release(session, get_settings(), _events(request), case_id, user)
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return await run_in_threadpool(handover.case_view, session, case)


@router.post("/api/v1/handovers/{case_id}/called-back")
def called_back(case_id: int, session: DbSession, user: Worker) -> dict:
    try:
        case = handover.mark_called_back(session, case_id, user)
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return handover.case_view(session, case)


@router.post("/api/v1/handovers/{case_id}/resolve")
async def resolve_handover(
    case_id: int, body: Resolution, request: Request, session: DbSession, user: Worker
) -> dict:
    try:
        case = await handover.resolve(
            session, get_settings(), _events(request), case_id, user, outcome=body.outcome, note=body.note,
            knelpunten=body.knelpunten, service_id=body.service_id, then=body.then,
        )
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return await run_in_threadpool(handover.case_view, session, case)


bearer = HTTPBearer(auto_error=False, description="The citizen's conversation token")


@router.post("/api/v1/conversations/{conversation_id}/callback")
async def leave_callback(
    conversation_id: str, body: CallbackRequest, request: Request, session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> dict:
    """The citizen leaves a phone number or e-mail address for a call back (consent required). Kept only on
    the handover case, deleted with it."""
    try:
        conversation = await run_in_threadpool(
            authorize, session, conversation_id, credentials.credentials if credentials else None
        )
    except ConversationExpired:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, expired_message(get_settings()),
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    if conversation is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown conversation or wrong token",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        case = await handover.leave_contact(
            session, get_settings(), _events(request), conversation, body.phone, body.email, body.consent
        )
    except handover.HandoverError as exc:
        raise _fail(exc) from None
    return {"case_id": case.id, "preferred_contact": case.preferred_contact}


# --- the console's page ------------------------------------------------------------------------------


@router.get("/onthaal", include_in_schema=False)
def console_redirect() -> RedirectResponse:
    return RedirectResponse("/onthaal/", status_code=308)


@router.get("/onthaal/", include_in_schema=False)
def console() -> FileResponse:
    """Public page without data; every case comes from /api/v1/handovers (role onthaal)."""
    return FileResponse(ONTHAAL_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"})
