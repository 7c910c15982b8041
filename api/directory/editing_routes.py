"""Keeping the sociale kaart current (issue 14): read, edit, verify, history, revert; the review queue; the
corrections to send back to social.brussels; and the staff screen /kaart/.

Edit and review endpoints need the role elz or admin (anonymous 401, onthaal 403). An edit needs the
ETag of the version the editor saw in If-Match: 428 without it, 412 when someone changed the record in
the meantime, 422 naming each wrong field and why. Onthaal workers report wrong data as a data-quality
signal (POST /api/v1/signals), which puts the service in the review queue.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Response
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session

from api.deps import DirectoryEditor, SessionDep
from api.directory.schemas import (
    ChangeOut,
    CorrectionsOut,
    DocumentOut,
    HistoryOut,
    RevertIn,
    ReviewOut,
    ReviewReason,
    VerifyIn,
    VersionOut,
)
from api.signals import triage
from common.config import REPO_ROOT, get_settings
from common.errors import InvalidInput
from common.staff_accounts import User
from kb import corrections
from kb.editing import fields, review, versions

router = APIRouter(prefix="/api/v1/directory", tags=["sociale kaart editing"])
page_router = APIRouter(include_in_schema=False)

KAART_DIR = REPO_ROOT / "api" / "static" / "kaart"
KINDS = {"services": "service", "organizations": "organization", "locations": "location"}

Kind = Annotated[Literal["services", "organizations", "locations"], Path()]
EntityId = Annotated[str, Path(max_length=36, pattern=r"^[A-Za-z0-9-]{1,36}$")]
Lang = Annotated[Literal["nl", "fr"], Query(description="language of the HSDS text fields")]
IfMatch = Annotated[str | None, Header(max_length=200)]


def _editor(user: User) -> versions.Editor:
    return versions.Editor(user.id, user.email)


def _document(session: Session, kind: str, entity_id: str, lang: str, response: Response,
              version: int | None = None) -> DocumentOut:
    obj = versions.load(session, kind, entity_id)
    tag = versions.etag(session, kind, entity_id)
    doc = versions.document(session, kind, entity_id, lang)
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "no-store"
    return DocumentOut(entity_type=kind, id=entity_id, etag=tag, version=version,
                       editable=fields.snapshot(session, kind, obj), hsds=doc)


@router.get("/review", response_model=ReviewOut)
def review_queue(
    session: SessionDep,
    _user: DirectoryEditor,
    lang: Lang = "nl",
    reason: Annotated[ReviewReason | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ReviewOut:
    days = get_settings().stale_after_days
    result = review.review_queue(session, days, lang, reason, q, limit, offset,
                                 open_signals=triage.open_data_quality_signals(session))
    return ReviewOut(stale_after_days=days, **result)


@router.get("/corrections", response_model=CorrectionsOut, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "HSDS JSON, or CSV with format=csv"}})
def corrections_export(
    session: SessionDep,
    _user: DirectoryEditor,
    since: Annotated[str, Query(max_length=40, description="YYYY-MM-DD or an ISO date-time")],
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public parameter name
) -> CorrectionsOut | Response:
    at = corrections.parse_since(since)
    doc = corrections.corrections_since(session, at)
    if format == "csv":
        return Response(corrections.corrections_csv(doc), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="sociale-kaart-corrections-{at:%Y-%m-%d}.csv"'})
    return CorrectionsOut(**doc)


@router.get("/{kind}/{entity_id}", response_model=DocumentOut)
def read(kind: Kind, entity_id: EntityId, session: SessionDep, _user: DirectoryEditor, response: Response,
         lang: Lang = "nl") -> DocumentOut:
    return _document(session, KINDS[kind], entity_id, lang, response)


@router.patch("/{kind}/{entity_id}", response_model=DocumentOut,
              responses={412: {"description": "stale If-Match"}, 428: {"description": "If-Match missing"}})
def patch(
    kind: Kind,
    entity_id: EntityId,
    session: SessionDep,
    user: DirectoryEditor,
    response: Response,
    body: Annotated[dict[str, Any], Body(description="HSDS fields to change (bilingual: name_nl, name_fr or "
                                                     "translations), plus an optional `reason`")],
    if_match: IfMatch = None,
    lang: Lang = "nl",
) -> DocumentOut:
    if not if_match:
        raise HTTPException(428, "If-Match is required: send the ETag of the version you edited")
    body = dict(body)
    reason = body.pop("reason", None)
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise InvalidInput("reason: text of at most 500 characters",
                           detail=[{"field": "reason", "message": "text of at most 500 characters"}])
    version = versions.edit(session, KINDS[kind], entity_id, body, _editor(user), if_match, reason, lang)
    return _document(session, KINDS[kind], entity_id, lang, response, version.version if version else None)


@router.get("/{kind}/{entity_id}/history", response_model=HistoryOut)
def history(kind: Kind, entity_id: EntityId, session: SessionDep, _user: DirectoryEditor) -> HistoryOut:
    rows = versions.history(session, KINDS[kind], entity_id)
    return HistoryOut(entity_type=KINDS[kind], id=entity_id, versions=[
        VersionOut(
            version=v.version, action=v.action, editor=v.editor_email, at=corrections._iso(v.at), reason=v.reason,
            changes=[ChangeOut(field=f, before=c.get("before"), after=c.get("after"))
                     for f, c in sorted((v.changes or {}).items())],
        )
        for v in rows
    ])


@router.post("/{kind}/{entity_id}/revert", response_model=DocumentOut)
def revert(kind: Kind, entity_id: EntityId, body: RevertIn, session: SessionDep, user: DirectoryEditor,
           response: Response, if_match: IfMatch = None, lang: Lang = "nl") -> DocumentOut:
    version = versions.revert(session, KINDS[kind], entity_id, body.version, _editor(user), body.reason, if_match)
    return _document(session, KINDS[kind], entity_id, lang, response, version.version if version else None)


@router.post("/{kind}/{entity_id}/verify", response_model=DocumentOut)
def verify(kind: Kind, entity_id: EntityId, body: VerifyIn, session: SessionDep, user: DirectoryEditor,
           response: Response, if_match: IfMatch = None, lang: Lang = "nl") -> DocumentOut:
    """"Verified, nothing to change": renews the record's freshness and resolves its review items."""
    version = versions.verify(session, KINDS[kind], entity_id, _editor(user), body.reason, if_match)
    return _document(session, KINDS[kind], entity_id, lang, response, version.version)


# ----------------------------------------------------------------------------------------- the screen
@page_router.get("/kaart")
def kaart_redirect() -> RedirectResponse:
    return RedirectResponse("/kaart/", status_code=308)


@page_router.get("/kaart/")
def kaart_page() -> FileResponse:
    """The page holds no data (every record comes from the API above); unsigned visitors go to /login."""
    return FileResponse(KAART_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"})

