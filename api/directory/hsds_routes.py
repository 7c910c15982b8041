"""The HSDS 3.0 API (openapi.json of Open Referral): services, service_at_locations, organizations, taxonomies."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.deps import SessionDep
from api.directory.schemas import HsdsDocument, HsdsMeta, HsdsPage
from kb import hsds_api
from kb.hsds_api import Paging

router = APIRouter(prefix="/hsds", tags=["HSDS 3.0"])

Lang = Annotated[str, Query(pattern="^(nl|fr)$", description="language of the HSDS text fields (extension)")]
Search = Annotated[str | None, Query(max_length=200, description="full text search")]
Id = Annotated[str | None, Query(max_length=64)]


def paging(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=hsds_api.MAX_PER_PAGE)] = 50,
    format: Annotated[str, Query(pattern="^json$", description="only json is offered")] = "json",  # noqa: A002
) -> Paging:
    return Paging(page, per_page)


Page = Annotated[Paging, Depends(paging)]


@router.get("/", response_model=HsdsMeta)
def api_meta(request: Request) -> dict:
    return hsds_api.meta(str(request.base_url).rstrip("/"))


def service_filters(
    search: Search = None,
    taxonomy_term_id: Id = None,
    taxonomy_id: Id = None,
    organization_id: Id = None,
    modified_after: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:
    """The filters /services and /service_at_locations share, as keyword arguments of kb.hsds_api."""
    return {
        "search": search,
        "taxonomy_term_id": taxonomy_term_id,
        "taxonomy_id": taxonomy_id,
        "organization_id": organization_id,
        "modified_after": modified_after,
    }


ServiceFilters = Annotated[dict, Depends(service_filters)]


@router.get("/services", response_model=HsdsPage)
def services(
    session: SessionDep, p: Page, filters: ServiceFilters, lang: Lang = "nl", minimal: bool = False, full: bool = False
) -> dict:
    return hsds_api.list_services(session, p, lang, **filters, minimal=minimal, full=full)


@router.get("/services/{service_id}", response_model=HsdsDocument)
def service(session: SessionDep, service_id: str, lang: Lang = "nl") -> dict:
    return hsds_api.get_service(session, service_id, lang)


@router.get("/service_at_locations", response_model=HsdsPage)
def service_at_locations(
    session: SessionDep,
    p: Page,
    filters: ServiceFilters,
    lang: Lang = "nl",
    postcode: Annotated[str | None, Query(max_length=20)] = None,
    proximity: Annotated[str | None, Query(max_length=20, description="metres from the postcode's centre")] = None,
    full: bool = False,
) -> dict:
    return hsds_api.list_service_at_locations(
        session, p, lang, **filters, postcode=postcode, proximity=proximity, full=full
    )


@router.get("/service_at_locations/{sal_id}", response_model=HsdsDocument)
def service_at_location(session: SessionDep, sal_id: str, lang: Lang = "nl") -> dict:
    return hsds_api.get_service_at_location(session, sal_id, lang)


@router.get("/organizations", response_model=HsdsPage)
def organizations(session: SessionDep, p: Page, search: Search = None, lang: Lang = "nl", full: bool = False) -> dict:
    return hsds_api.list_organizations(session, p, lang, search=search, full=full)


@router.get("/organizations/{organization_id}", response_model=HsdsDocument)
def organization(session: SessionDep, organization_id: str, lang: Lang = "nl") -> dict:
    return hsds_api.get_organization(session, organization_id, lang)


@router.get("/taxonomies", response_model=HsdsPage)
def taxonomies(session: SessionDep, p: Page, search: Search = None, lang: Lang = "nl") -> dict:
    return hsds_api.list_taxonomies(session, p, lang, search=search)


@router.get("/taxonomies/{taxonomy_id}", response_model=HsdsDocument)
def taxonomy(session: SessionDep, taxonomy_id: str, lang: Lang = "nl") -> dict:
    return hsds_api.get_taxonomy(session, taxonomy_id, lang)


@router.get("/taxonomy_terms", response_model=HsdsPage)
def taxonomy_terms(
    session: SessionDep,
    p: Page,
    search: Search = None,
    lang: Lang = "nl",
    taxonomy_id: Id = None,
    parent_id: Id = None,
    top_only: bool = False,
) -> dict:
    return hsds_api.list_taxonomy_terms(
        session,
        p,
        lang,
        search=search,
        taxonomy_id=taxonomy_id,
        parent_id=parent_id,
        top_only=top_only,
    )


@router.get("/taxonomy_terms/{term_id}", response_model=HsdsDocument)
def taxonomy_term(session: SessionDep, term_id: str, lang: Lang = "nl") -> dict:
    return hsds_api.get_taxonomy_term(session, term_id, lang)
