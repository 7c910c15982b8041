"""The onthaal console's requests and answers, and the citizen's call-back request."""

from typing import Any

from pydantic import BaseModel, Field

from api.handover.service import MAX_NOTE_CHARS, MAX_WORKER_MESSAGE_CHARS
from dialogue.vocabularies import (
    AgeBand,
    Author,
    Barrier,
    CaseStatus,
    ContactChannel,
    Ending,
    Language,
    Outcome,
    Urgency,
)

MAX_KNELPUNTEN = 10


class WorkerMessage(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_WORKER_MESSAGE_CHARS)


class Resolution(BaseModel):
    outcome: Outcome
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)
    knelpunten: list[Barrier] = Field(default_factory=list, max_length=MAX_KNELPUNTEN)
    service_id: str | None = Field(None, max_length=36, description="outcome 'referred': the sociale kaart service")
    then: Ending = Field(Ending.BOT, description="hand the conversation back to the bot, or close it")


class CallbackRequest(BaseModel):
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320)
    consent: bool = False


class CallbackSaved(BaseModel):
    case_id: int
    preferred_contact: ContactChannel


class Delivered(BaseModel):
    delivered: bool


class CaseView(BaseModel):
    """A handover case as the console shows it in the queue (api.handover.views.case_view)."""

    id: int
    conversation_id: str
    status: CaseStatus
    language: Language
    commune: str | None = Field(description="NIS code")
    commune_name: dict[str, str] | None = Field(description='{"nl": ..., "fr": ...}')
    postcode: str | None
    needs: list[dict[str, Any]] = Field(description="[{id, name}]: sociale kaart categories")
    target_group: str | None
    age_band: AgeBand | None
    urgency: Urgency
    crisis_kind: str | None
    vulnerability: list[str]
    complex_reasons: list[str]
    proposed_services: list[str] = Field(description="HSDS service ids")
    preferred_contact: ContactChannel
    contact_phone: str | None
    contact_email: str | None
    callback_offered: bool
    called_back_at: str | None
    citizen_present: bool
    citizen_left_at: str | None
    created_at: str | None
    waiting_seconds: int
    claimed_by: str | None = Field(description="the e-mail address of the worker who holds the case")
    claimed_by_id: int | None
    claimed_at: str | None
    resolved_at: str | None
    outcome: Outcome | None
    outcome_service_id: str | None
    note: str | None
    knelpunten: list[Barrier]
    ended_with: Ending | None


class TranscriptEntry(BaseModel):
    """One message; the keys a message does not carry are left out."""

    author: Author
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    custom: dict[str, Any] | None = None
    image: str | None = None
    attachment: Any = None
    at: str


class AuditEntry(BaseModel):
    at: str | None
    actor: str = Field(description="the worker's e-mail address at the time, or 'system'")
    action: str
    detail: str | None


class CaseDetail(CaseView):
    """A case with its transcript and audit trail (opening or claiming it)."""

    transcript: list[TranscriptEntry]
    audit: list[AuditEntry]


class CaseList(BaseModel):
    cases: list[CaseView]
