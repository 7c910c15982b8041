"""Handover cases for the onthaal (role onthaal or admin), the citizen's call-back request, and the
onthaal console's page (/onthaal/). The logic is in api.handover.service."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.channel.conversation import ConversationExpired, authorize, expired_message
from api.deps import OnthaalWorker, SessionDep
from api.handover import service as handover
from api.handover.schemas import (
    CallbackRequest,
    CallbackSaved,
    CaseDetail,
    CaseList,
    CaseView,
    Delivered,
    Resolution,
    WorkerMessage,
)
from common.config import REPO_ROOT, get_settings
from dialogue.vocabularies import CaseStatus

router = APIRouter(tags=["handover"])
ONTHAAL_DIR = REPO_ROOT / "api" / "static" / "onthaal"


def _events(request: Request):
    return request.app.state.citizen_socket


@router.get("/api/v1/handovers")
def list_handovers(
    session: SessionDep, user: OnthaalWorker,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
) -> CaseList:
    """Open cases (or one status): by urgency, then the longest waiting first. Calling it also tells the
    API that this worker's console is alive (their claims do not time out)."""
    handover.touch_worker(session, user)
    cases = handover.list_cases(session, str(status_) if status_ else None)
    return CaseList(cases=[handover.case_view(session, case) for case in cases])


@router.get("/api/v1/handovers/{case_id}", response_model=CaseDetail, response_model_exclude_unset=True)
def get_handover(case_id: int, session: SessionDep, user: OnthaalWorker) -> dict:
    case = handover.read_case(session, case_id, user)
    return handover.case_view(session, case, with_transcript=True)


@router.post("/api/v1/handovers/{case_id}/claim", response_model=CaseDetail,
             response_model_exclude_unset=True)
async def claim_handover(case_id: int, request: Request, session: SessionDep, user: OnthaalWorker) -> dict:
    case = await handover.claim(session, get_settings(), _events(request), case_id, user)
    return await run_in_threadpool(handover.case_view, session, case, with_transcript=True)


@router.post("/api/v1/handovers/{case_id}/messages", status_code=201)
async def message_handover(
    case_id: int, body: WorkerMessage, request: Request, session: SessionDep, user: OnthaalWorker
) -> Delivered:
    await handover.send_message(session, _events(request), case_id, user, body.text)
    return Delivered(delivered=True)


@router.post("/api/v1/handovers/{case_id}/release", response_model=CaseView)
async def release_handover(case_id: int, request: Request, session: SessionDep, user: OnthaalWorker) -> dict:
    case = await handover.release(session, get_settings(), _events(request), case_id, user)
    return await run_in_threadpool(handover.case_view, session, case)


@router.post("/api/v1/handovers/{case_id}/called-back", response_model=CaseView)
def called_back(case_id: int, session: SessionDep, user: OnthaalWorker) -> dict:
    case = handover.mark_called_back(session, case_id, user)
    return handover.case_view(session, case)


@router.post("/api/v1/handovers/{case_id}/resolve", response_model=CaseView)
async def resolve_handover(
    case_id: int, body: Resolution, request: Request, session: SessionDep, user: OnthaalWorker
) -> dict:
    case = await handover.resolve(
        session, get_settings(), _events(request), case_id, user, **body.model_dump(mode="json"),
    )
    return await run_in_threadpool(handover.case_view, session, case)


bearer = HTTPBearer(auto_error=False, description="The citizen's conversation token")


@router.post("/api/v1/conversations/{conversation_id}/callback")
async def leave_callback(
    conversation_id: str, body: CallbackRequest, request: Request, session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> CallbackSaved:
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
    case = await handover.leave_contact(
        session, get_settings(), _events(request), conversation, body.phone, body.email, body.consent
    )
    return CallbackSaved(case_id=case.id, preferred_contact=case.preferred_contact)


# --- the console's page ------------------------------------------------------------------------------


@router.get("/onthaal", include_in_schema=False)
def console_redirect() -> RedirectResponse:
    return RedirectResponse("/onthaal/", status_code=308)


@router.get("/onthaal/", include_in_schema=False)
def console() -> FileResponse:
    """Public page without data; every case comes from /api/v1/handovers (role onthaal)."""
    return FileResponse(ONTHAAL_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"})
