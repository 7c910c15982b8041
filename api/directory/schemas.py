"""The sociale kaart's requests and answers: needs and services for citizens, the HSDS 3.0 API, editing."""

from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel

from kb.editing.review import REASONS

ReviewReason = Literal[REASONS]

# ------------------------------------------------------------------------------ needs and services


class CategoryMatch(BaseModel):
    id: int = Field(description="social.brussels category id")
    name: str
    score: float


class NeedMatches(BaseModel):
    categories: list[CategoryMatch]


class CategoryRef(BaseModel):
    id: int
    name: str | None


class OrganisationRef(BaseModel):
    id: str
    name: str | None


class Address(BaseModel):
    street: str | None
    postcode: str | None
    city: str | None
    country: str | None


class Coordinates(BaseModel):
    lat: float
    lon: float


class Phone(BaseModel):
    number: str | None
    type: str | None
    description: str | None


class OpeningHours(BaseModel):
    text: str | None
    weekly: list[dict[str, Any]] = Field(description='[{"days": ["MO", ...], "opens_at": "09:00", "closes_at": ...}]')


class ServiceCard(BaseModel):
    id: str
    name: str | None
    organisation: OrganisationRef
    description: str | None
    categories: list[CategoryRef]
    address: Address | None
    coordinates: Coordinates | None
    phones: list[Phone]
    email: str | None
    languages: list[str]
    opening_hours: OpeningHours
    open_now: bool | None = Field(description="None: the hours are unknown")
    url: str | None
    demo: bool = Field(description="a fictitious service of the DEMO directory")
    last_verified_at: str | None
    last_verified_by: str | None
    why: list[str] = Field(description="why it was chosen, in the requested language")
    distance_km: float | None


class ServiceSearch(BaseModel):
    services: list[ServiceCard]
    categories: list[CategoryMatch]
    place: dict[str, Any] | None = Field(description="the place the postcode or commune named")
    reach: Literal["near", "region", "none"] = Field(
        description="near; region: nothing near, the nearest farther away; none: nothing in the region"
    )
    nearest_km: float | None = Field(description="reach 'region': how far the nearest located service is")


# -------------------------------------------------------------------------------------- HSDS 3.0


class HsdsMeta(BaseModel):
    version: str
    profile: str
    openapi_url: str


class HsdsDocument(RootModel[dict[str, Any]]):
    """An HSDS 3.0 object (service, service_at_location, organization, taxonomy, taxonomy_term) as the
    Open Referral openapi.json describes it, with the text fields in the requested language."""


class HsdsPage(BaseModel):
    """The paging object of HSDS 3.0 around a list of objects."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]] = Field(description="HSDS 3.0 objects (see HsdsDocument)")


# ------------------------------------------------------------------------------------------ editing


class DocumentOut(BaseModel):
    entity_type: str
    id: str
    etag: str = Field(description="also in the ETag header; send it back in If-Match to edit")
    version: int | None = Field(None, description="the version an edit just made (None: nothing changed)")
    editable: dict[str, Any] = Field(description="the editable fields (name_nl, name_fr, phones, schedules, ...)")
    hsds: dict[str, Any] = Field(description="the record's full HSDS 3.0 document")


class ChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class VersionOut(BaseModel):
    version: int
    action: str
    editor: str
    at: str
    reason: str | None
    changes: list[ChangeOut]


class HistoryOut(BaseModel):
    entity_type: str
    id: str
    versions: list[VersionOut]


class RevertIn(BaseModel):
    version: int = Field(ge=0, le=1_000_000, description="0: as before the first recorded change")
    reason: str | None = Field(None, max_length=500)


class VerifyIn(BaseModel):
    reason: str | None = Field(None, max_length=500)


class ReviewItem(BaseModel):
    reason: ReviewReason
    entity_type: str
    entity_id: str
    name: str
    signal_id: int | None = None
    remark: str | None = Field(None, description="the reporter's remark, scrubbed of personal data")
    since: str | None = None
    missing: list[str] | None = Field(None, description="contact, hours, language")
    duplicates: list[str] | None = None
    last_verified_at: str | None = None


class ReviewOut(BaseModel):
    total: int
    counts: dict[str, int]
    stale_after_days: int
    items: list[ReviewItem]


class CorrectionsOut(BaseModel):
    hsds_version: str
    generated_at: str
    since: str
    source: str
    corrections: list[dict[str, Any]]
