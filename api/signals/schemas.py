"""The signals API's requests and answers (api.signals.export renders the answers these describe)."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.signals import triage
from dialogue import signal_recording as recording
from dialogue.vocabularies import AgeBand, Barrier, Language, SignalSource, SignalStatus, SignalType

DemoFilter = Literal["include", "exclude", "only"]


class SignalIn(BaseModel):
    signal_type: SignalType
    category_ids: list[int] = Field(default_factory=list, max_length=recording.MAX_CATEGORIES)
    commune: str | None = Field(None, max_length=100, description="NIS code or name of a Brussels commune")
    language: Language
    age_band: AgeBand | None = None
    source: SignalSource = SignalSource.WORKER
    text: str | None = Field(None, max_length=recording.MAX_INPUT_CHARS)
    conversation_key: str | None = Field(None, max_length=200)
    barrier: Barrier | None = None
    service_id: str | None = Field(None, max_length=36)


class TriageIn(BaseModel):
    status: SignalStatus | None = None
    note: str | None = Field(None, max_length=triage.MAX_NOTE_CHARS)


class CategoryTitle(BaseModel):
    id: int = Field(description="social.brussels category id")
    title_nl: str
    title_fr: str


class Commune(BaseModel):
    code: str = Field(description="NIS code")
    name_nl: str
    name_fr: str


class ServiceRef(BaseModel):
    """The sociale kaart service a data-quality signal is about; only id and exists when it is gone."""

    id: str
    exists: bool
    name_nl: str | None = None
    name_fr: str | None = None
    last_verified_at: str | None = None
    hsds_url: str | None = None


class SignalEvent(BaseModel):
    at: str
    actor: str
    from_: SignalStatus | None = Field(alias="from")
    to: SignalStatus | None
    note: str | None


class SignalOut(BaseModel):
    id: int
    type: SignalType
    categories: list[CategoryTitle]
    commune: Commune | None
    language: Language
    age_band: AgeBand | None
    source: SignalSource
    barrier: Barrier | None
    text: str | None = Field(description="scrubbed of personal data")
    created_on: str
    status: SignalStatus
    note: str | None
    status_changed_at: str | None
    service: ServiceRef | None
    demo: bool = Field(description="found against the DEMO directory: says nothing about the real sociale kaart")


class SignalDetail(SignalOut):
    events: list[SignalEvent] = Field(description="the signal's triage history, oldest first")


class CreatedSignal(SignalOut):
    duplicate: bool = Field(description="the same signal was recorded before (HTTP 200): nothing was added")


class SignalPage(BaseModel):
    items: list[SignalOut]
    total: int
    limit: int
    offset: int


class ReportTotal(BaseModel):
    count: int | None = Field(description="None when hidden by the small-cell rule")
    display: str
    demo_count: int | None = None
    demo_display: str | None = None


class Report(BaseModel):
    group_by: list[str]
    from_: str = Field(alias="from", description="YYYY-MM")
    to: str = Field(description="YYYY-MM")
    small_cell_rule: str
    demo_filter: DemoFilter
    demo_rule: str
    rows: list[dict[str, Any]] = Field(
        description="one per group: the group_by columns (category and commune with their NL/FR names), then "
        "count, display and, with demo=include, demo_count and demo_display"
    )
    total: ReportTotal


class FilterOptions(BaseModel):
    types: list[SignalType]
    statuses: list[SignalStatus]
    transitions: dict[SignalStatus, list[SignalStatus]] = Field(description="the statuses each status may go to")
    barriers: list[Barrier]
    communes: list[Commune]
    categories: list[CategoryTitle] = Field(description="the categories that occur in signals")


class ServiceVerified(BaseModel):
    service_verified_at: str
