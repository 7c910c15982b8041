"""Signals API: record (onthaal, elz, admin), list, triage, reports and the escalation report (elz)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.core.auth import require_role
from api.core.db import get_session
from api.models_signals import User
from api.services import signal_export as export
from api.services import signals as svc

router = APIRouter(prefix="/api/v1/signals", tags=["signals"])

Staff = Annotated[User, Depends(require_role("onthaal", "elz", "admin"))]
Elz = Annotated[User, Depends(require_role("elz"))]
DB = Annotated[Session, Depends(get_session)]
ListParam = Annotated[list[str] | None, Query(max_length=svc.MAX_FILTER_VALUES)]
DateParam = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD or YYYY-MM")]
DemoParam = Annotated[
    Literal["include", "exclude", "only"],
    Query(description="signals found against the DEMO directory: include (with their count), exclude, only"),
]


Barrier = Literal["waiting_list", "cost", "distance", "language", "accessibility", "refusal", "other"]


class SignalIn(BaseModel):
    signal_type: Literal["unmet_need", "knelpunt", "data_quality"]
    category_ids: list[int] = Field(default_factory=list, max_length=svc.MAX_CATEGORIES)
    commune: str | None = Field(None, max_length=100, description="NIS code or name of a Brussels commune")
    language: Literal["nl", "fr", "en"]
    age_band: Literal["0-17", "18-29", "30-44", "45-64", "65-79", "80+"] | None = None
    source: Literal["assistant", "citizen", "worker"] = "worker"
    text: str | None = Field(None, max_length=svc.MAX_INPUT_CHARS)
    conversation_key: str | None = Field(None, max_length=200)
    barrier: Barrier | None = None
    service_id: str | None = Field(None, max_length=36)


class TriageIn(BaseModel):
    status: Literal["new", "reviewed", "escalated", "resolved_locally", "dismissed"] | None = None
    note: str | None = Field(None, max_length=svc.MAX_NOTE_CHARS)


def _filter(date_from, date_to, types, categories, communes, statuses=None, demo=None) -> svc.SignalFilter:
    try:
        return svc.build_filter(date_from, date_to, types, categories, communes, statuses, demo)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.post("", status_code=201)
def create_signal(body: SignalIn, session: DB, _user: Staff, response: Response) -> dict:
    try:
        signal = svc.record_signal(session, **body.model_dump())
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    if signal is None:
        raise HTTPException(503, "the signal could not be stored right now; try again later")
    if signal.was_duplicate:
        response.status_code = 200
    return {**export.signal_json(session, signal), "duplicate": signal.was_duplicate}


@router.get("")
def list_signals(
    session: DB,
    _user: Elz,
    date_from: Annotated[DateParam, Query(alias="from")] = None,
    date_to: Annotated[DateParam, Query(alias="to")] = None,
    type: ListParam = None,  # noqa: A002 - the public parameter name
    category: ListParam = None,
    commune: ListParam = None,
    status: ListParam = None,
    limit: Annotated[int, Query(ge=1, le=svc.MAX_LIST_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    demo: DemoParam = "include",
) -> dict:
    f = _filter(date_from, date_to, type, category, commune, status, demo)
    items, total = svc.list_signals(session, f, limit, offset)
    return {
        "items": [export.signal_json(session, s) for s in items],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/report", response_model=None)
def report(
    session: DB,
    _user: Elz,
    group_by: Annotated[str | None, Query(max_length=60)] = None,
    date_from: Annotated[DateParam, Query(alias="from")] = None,
    date_to: Annotated[DateParam, Query(alias="to")] = None,
    type: ListParam = None,  # noqa: A002
    category: ListParam = None,
    commune: ListParam = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002
    demo: DemoParam = "include",
) -> Response | dict:
    f = _filter(date_from, date_to, type, category, commune, demo=demo)
    try:
        dims = svc.parse_group_by(group_by)
        result = svc.build_report(session, dims, f)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    with svc.without_gc_pauses():  # tens of thousands of rows to render
        if format == "csv":
            name = f"signals-{result.month_from:%Y-%m}_{result.month_to:%Y-%m}.csv"
            return Response(
                export.report_csv(result),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return export.report_json(result)


@router.get("/escalations", response_model=None)
def escalations(
    session: DB,
    _user: Elz,
    date_from: Annotated[DateParam, Query(alias="from")] = None,
    date_to: Annotated[DateParam, Query(alias="to")] = None,
    type: ListParam = None,  # noqa: A002
    category: ListParam = None,
    commune: ListParam = None,
    format: Literal["html", "csv"] = "html",  # noqa: A002
    lang: Literal["nl", "fr"] = "nl",
    demo: DemoParam = "include",
) -> Response:
    f = _filter(date_from, date_to, type, category, commune, demo=demo)
    try:
        result = svc.escalation_report(session, f)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    if format == "csv":
        name = f"escalations-{result.month_from:%Y-%m}_{result.month_to:%Y-%m}.csv"
        return Response(
            export.escalation_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return HTMLResponse(export.escalation_html(result, lang, svc.today_in_brussels()))


@router.get("/options")
def options(session: DB, _user: Elz) -> dict:
    """What the dashboard's filters and triage offer (NL/FR labels)."""
    return svc.filter_options(session)


@router.get("/{signal_id}")
def get_signal(signal_id: int, session: DB, _user: Elz) -> dict:
    try:
        signal = svc.get_signal(session, signal_id)
    except svc.SignalNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return export.signal_json(session, signal, svc.signal_events(session, signal_id))


@router.patch("/{signal_id}")
def triage_signal(signal_id: int, body: TriageIn, session: DB, user: Elz) -> dict:
    try:
        signal = svc.triage(session, signal_id, user, body.status, body.note)
    except svc.SignalNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except svc.TriageConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return export.signal_json(session, signal, svc.signal_events(session, signal_id))


@router.post("/{signal_id}/service-verified")
def service_verified(signal_id: int, session: DB, user: Elz) -> JSONResponse:
    """Staff checked (and corrected) the sociale kaart entry of a data-quality signal: mark it verified."""
    try:
        at = svc.mark_service_verified(session, signal_id, user)
    except svc.SignalNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except svc.TriageConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except SQLAlchemyError:
        session.rollback()
        raise HTTPException(503, "the sociale kaart is unavailable right now") from None
    return JSONResponse({"service_verified_at": at.isoformat()})
