"""Signals API: record (onthaal, elz, admin), list, triage, reports and the escalation report (elz)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ElzStaff, SessionDep, StaffMember
from api.signals import export, filters, reports, triage
from api.signals.schemas import (
    CreatedSignal,
    DemoFilter,
    FilterOptions,
    Report,
    ServiceVerified,
    SignalDetail,
    SignalIn,
    SignalPage,
    TriageIn,
)
from common.errors import Unavailable
from dialogue import signal_recording as recording

router = APIRouter(prefix="/api/v1/signals", tags=["signals"])

ListParam = Annotated[list[str] | None, Query(max_length=filters.MAX_FILTER_VALUES)]
DateParam = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD or YYYY-MM")]
CSV = {"text/csv": {"schema": {"type": "string"}}}  # what the OpenAPI document says of a CSV download
DemoParam = Annotated[
    DemoFilter,
    Query(description="signals found against the DEMO directory: include (with their count), exclude, only"),
]


def _filter_params(
    date_from: Annotated[DateParam, Query(alias="from")] = None,
    date_to: Annotated[DateParam, Query(alias="to")] = None,
    type: ListParam = None,  # noqa: A002 - the public parameter name
    category: ListParam = None,
    commune: ListParam = None,
    demo: DemoParam = "include",
) -> dict:
    """The query parameters the list and the reports share, as keyword arguments of filters.build_filter
    (which checks them). Routes declare it after the user, so the session is checked first (401 before 422)."""
    return {"date_from": date_from, "date_to": date_to, "types": type, "categories": category,
            "communes": commune, "demo": demo}


FilterParams = Annotated[dict, Depends(_filter_params)]


def _csv_download(body: str, kind: str, result) -> Response:
    """A CSV file named after what it holds and its months: signals-2024-01_2024-12.csv."""
    name = f"{kind}-{result.month_from:%Y-%m}_{result.month_to:%Y-%m}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("", status_code=201, response_model=CreatedSignal, response_model_exclude_unset=True,
             responses={200: {"model": CreatedSignal, "description": "already recorded: nothing was added"}})
def create_signal(body: SignalIn, session: SessionDep, _user: StaffMember, response: Response) -> dict:
    signal = recording.record_signal(session, **body.model_dump(mode="json"))
    if signal is None:
        raise Unavailable("the signal could not be stored right now; try again later")
    if signal.was_duplicate:
        response.status_code = 200
    return {**export.signal_json(session, signal), "duplicate": signal.was_duplicate}


@router.get("", response_model=SignalPage, response_model_exclude_unset=True)
def list_signals(
    session: SessionDep,
    _user: ElzStaff,
    params: FilterParams,
    status: ListParam = None,
    limit: Annotated[int, Query(ge=1, le=triage.MAX_LIST_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    f = filters.build_filter(**params, statuses=status)
    items, total = triage.list_signals(session, f, limit, offset)
    return {
        "items": [export.signal_json(session, s) for s in items],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/report", response_model=Report, response_model_exclude_unset=True,
            responses={200: {"content": CSV, "description": "JSON, or CSV with format=csv"}})
def report(
    session: SessionDep,
    _user: ElzStaff,
    params: FilterParams,
    group_by: Annotated[str | None, Query(max_length=60)] = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002
) -> Response | dict:
    f = filters.build_filter(**params)
    dims = reports.parse_group_by(group_by)
    result = reports.build_report(session, dims, f)
    with reports.without_gc_pauses():  # tens of thousands of rows to render
        if format == "csv":
            return _csv_download(export.report_csv(result), "signals", result)
        return export.report_json(result)


@router.get("/escalations", response_class=HTMLResponse,
            responses={200: {"content": CSV, "description": "HTML, or CSV with format=csv"}})
def escalations(
    session: SessionDep,
    _user: ElzStaff,
    params: FilterParams,
    format: Literal["html", "csv"] = "html",  # noqa: A002
    lang: Literal["nl", "fr"] = "nl",
) -> Response:
    f = filters.build_filter(**params)
    result = reports.escalation_report(session, f)
    if format == "csv":
        return _csv_download(export.escalation_csv(result), "escalations", result)
    return HTMLResponse(export.escalation_html(result, lang, recording.today_in_brussels()))


@router.get("/options")
def options(session: SessionDep, _user: ElzStaff) -> FilterOptions:
    """What the dashboard's filters and triage offer (NL/FR labels)."""
    return FilterOptions(**reports.filter_options(session))


@router.get("/{signal_id}", response_model=SignalDetail, response_model_exclude_unset=True)
def get_signal(signal_id: int, session: SessionDep, _user: ElzStaff) -> dict:
    signal = triage.get_signal(session, signal_id)
    return export.signal_json(session, signal, triage.signal_events(session, signal_id))


@router.patch("/{signal_id}", response_model=SignalDetail, response_model_exclude_unset=True)
def triage_signal(signal_id: int, body: TriageIn, session: SessionDep, user: ElzStaff) -> dict:
    signal = triage.triage(session, signal_id, user, **body.model_dump(mode="json"))
    return export.signal_json(session, signal, triage.signal_events(session, signal_id))


@router.post("/{signal_id}/service-verified")
def service_verified(signal_id: int, session: SessionDep, user: ElzStaff) -> ServiceVerified:
    """Staff checked (and corrected) the sociale kaart entry of a data-quality signal: mark it verified."""
    try:
        at = triage.mark_service_verified(session, signal_id, user)
    except SQLAlchemyError:
        session.rollback()
        raise Unavailable("the sociale kaart is unavailable right now") from None
    return ServiceVerified(service_verified_at=at.isoformat())
