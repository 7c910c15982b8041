"""HSDS 3.0 API queries (paging object and filters of the HSDS openapi.json), used by api/directory/hsds_routes.py."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from common import errors
from common.errors import InvalidInput
from kb import models as m
from kb.export import attributes_by_link, metadata_by_resource, service_options
from kb.geo import resolve_place
from kb.hsds import (
    HSDS_VERSION,
    organization_full_hsds,
    organization_hsds,
    service_at_location_full_hsds,
    service_at_location_list_hsds,
    service_full_hsds,
    service_list_hsds,
    taxonomy_term_hsds,
    to_hsds,
)
from kb.search import KM_PER_DEG_LAT
from kb.taxonomy import term_uuid

MAX_PER_PAGE = 200


class NotFound(errors.NotFound):
    pass


class BadFilter(InvalidInput):
    pass


@dataclass
class Paging:
    page: int = 1
    per_page: int = 50


def meta(base_url: str) -> dict:
    return {
        "version": HSDS_VERSION,
        "profile": "https://github.com/openreferral/specification/tree/3.0",
        "openapi_url": f"{base_url}/openapi.json",
    }


def term_id(value: str) -> str:
    """A taxonomy term given as its uuid or as its social.brussels category id (the term's code)."""
    value = value.strip()
    if value.isdigit():
        return term_uuid(int(value))
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadFilter(f"taxonomy_term_id must be a uuid or a category id, not {value!r}") from None


def _uuid(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise BadFilter(f"{name} must be a uuid, not {value!r}") from None


def _like(term: str, *cols):
    pattern = term.strip().lower()
    return or_(*(func.lower(c).contains(pattern, autoescape=True) for c in cols))


def _page(session: Session, stmt: Select, paging: Paging, render) -> dict:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = math.ceil(total / paging.per_page) if total else 0
    rows = session.scalars(stmt.limit(paging.per_page).offset((paging.page - 1) * paging.per_page)).all()
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": paging.page,
        "size": len(rows),
        "first_page": paging.page == 1,
        "last_page": paging.page >= pages,
        "empty": len(rows) == 0,
        "contents": render(rows),
    }


def _filter_services(
    stmt: Select,
    search: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    organization_id: str | None,
    modified_after: str | None,
) -> Select:
    """The HSDS service filters, on a statement that selects (or joins) service."""
    if search:
        stmt = stmt.where(
            _like(
                search,
                m.Service.name_nl,
                m.Service.name_fr,
                m.Service.description_nl,
                m.Service.description_fr,
            )
        )
    if taxonomy_term_id:
        linked = select(m.Attribute.link_id).where(m.Attribute.taxonomy_term_id == term_id(taxonomy_term_id))
        stmt = stmt.where(m.Service.id.in_(linked))
    if taxonomy_id:
        terms = select(m.TaxonomyTerm.id).where(m.TaxonomyTerm.taxonomy_id == _uuid(taxonomy_id, "taxonomy_id"))
        stmt = stmt.where(m.Service.id.in_(select(m.Attribute.link_id).where(m.Attribute.taxonomy_term_id.in_(terms))))
    if organization_id:
        stmt = stmt.where(m.Service.organization_id == _uuid(organization_id, "organization_id"))
    if modified_after:
        try:
            after = datetime.fromisoformat(modified_after.replace("Z", "+00:00"))
        except ValueError:
            raise BadFilter(f"modified_after must be an ISO date-time, not {modified_after!r}") from None
        stmt = stmt.where(m.Service.last_modified >= after)
    return stmt


def list_services(
    session: Session,
    paging: Paging,
    lang: str,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | None = None,
    minimal: bool = False,
    full: bool = False,
) -> dict:
    stmt = _filter_services(
        select(m.Service).order_by(m.Service.id),
        search,
        taxonomy_term_id,
        taxonomy_id,
        organization_id,
        modified_after,
    )
    if minimal:

        def render(rows):
            return [
                {"id": s.id, **({"last_modified": s.last_modified.isoformat()} if s.last_modified else {})}
                for s in rows
            ]

        return _page(session, stmt, paging, render)
    if full:
        stmt = stmt.options(*service_options())

        def render(rows):
            ids = [s.id for s in rows] + [sal.location_id for s in rows for sal in s.service_at_locations]
            attrs, meta_ = attributes_by_link(session, ids), metadata_by_resource(session, ids)
            return [service_full_hsds(s, lang, attrs, meta_) for s in rows]

        return _page(session, stmt, paging, render)
    stmt = stmt.options(selectinload(m.Service.organization))
    return _page(session, stmt, paging, lambda rows: [service_list_hsds(s, lang) for s in rows])


def get_service(session: Session, service_id: str, lang: str) -> dict:
    service = session.scalar(select(m.Service).where(m.Service.id == service_id).options(*service_options()))
    if service is None:
        raise NotFound(f"no service {service_id}")
    ids = [service.id] + [sal.location_id for sal in service.service_at_locations]
    return service_full_hsds(service, lang, attributes_by_link(session, ids), metadata_by_resource(session, ids))


def _sal_options(full: bool) -> tuple:
    service = selectinload(m.ServiceAtLocation.service).selectinload(m.Service.organization)
    if not full:
        return (service, selectinload(m.ServiceAtLocation.location))
    return (
        service,
        selectinload(m.ServiceAtLocation.phones).selectinload(m.Phone.languages),
        selectinload(m.ServiceAtLocation.schedules),
        selectinload(m.ServiceAtLocation.location).options(
            selectinload(m.Location.addresses),
            selectinload(m.Location.phones).selectinload(m.Phone.languages),
            selectinload(m.Location.schedules),
            selectinload(m.Location.languages),
        ),
    )


def _full_sals(session: Session, sals: list[m.ServiceAtLocation], lang: str) -> list[dict]:
    ids = [x.id for x in sals] + [x.location_id for x in sals]
    attrs, meta_ = attributes_by_link(session, ids), metadata_by_resource(session, ids)
    return [service_at_location_full_hsds(x, lang, attrs, meta_) for x in sals]


def _near_postcode(stmt: Select, postcode: str, proximity: str | None) -> Select:
    """Services at locations with that postcode; with proximity (metres), those within it of its centre."""
    if not proximity:
        at_postcode = select(m.Address.location_id).where(m.Address.postal_code == postcode.strip())
        return stmt.where(m.ServiceAtLocation.location_id.in_(at_postcode))
    try:
        metres = float(proximity)
    except ValueError:
        metres = -1.0
    if not 0 < metres <= 100_000:
        raise BadFilter(f"proximity must be a distance in metres (up to 100000), not {proximity!r}")
    place = resolve_place(postcode)
    if place.status != "found" or place.lat is None:
        raise BadFilter(f"unknown Brussels postcode or place: {postcode!r}")
    km = metres / 1000
    km_per_deg_lon = 111.32 * math.cos(math.radians(place.lat))
    dy = (m.Location.latitude - place.lat) * KM_PER_DEG_LAT
    dx = (m.Location.longitude - place.lon) * km_per_deg_lon
    near = select(m.Location.id).where(
        m.Location.latitude.between(place.lat - km / KM_PER_DEG_LAT, place.lat + km / KM_PER_DEG_LAT),
        m.Location.longitude.between(place.lon - km / km_per_deg_lon, place.lon + km / km_per_deg_lon),
        dy * dy + dx * dx <= km * km,
    )
    return stmt.where(m.ServiceAtLocation.location_id.in_(near))


def list_service_at_locations(
    session: Session,
    paging: Paging,
    lang: str,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | None = None,
    postcode: str | None = None,
    proximity: str | None = None,
    full: bool = False,
) -> dict:
    stmt = _filter_services(
        select(m.ServiceAtLocation)
        .join(m.Service, m.Service.id == m.ServiceAtLocation.service_id)
        .order_by(m.ServiceAtLocation.id),
        search,
        taxonomy_term_id,
        taxonomy_id,
        organization_id,
        modified_after,
    )
    if proximity and not postcode:
        raise BadFilter("proximity needs a postcode: it is measured from the postcode's centre")
    if postcode:
        stmt = _near_postcode(stmt, postcode, proximity)
    stmt = stmt.options(*_sal_options(full))
    if full:
        return _page(session, stmt, paging, lambda rows: _full_sals(session, list(rows), lang))
    return _page(session, stmt, paging, lambda rows: [service_at_location_list_hsds(x, lang) for x in rows])


def get_service_at_location(session: Session, sal_id: str, lang: str) -> dict:
    sal = session.scalar(
        select(m.ServiceAtLocation).where(m.ServiceAtLocation.id == sal_id).options(*_sal_options(True))
    )
    if sal is None:
        raise NotFound(f"no service_at_location {sal_id}")
    return _full_sals(session, [sal], lang)[0]


def list_organizations(
    session: Session, paging: Paging, lang: str, search: str | None = None, full: bool = False
) -> dict:
    stmt = select(m.Organization).order_by(m.Organization.id)
    if search:
        stmt = stmt.where(_like(search, m.Organization.name_nl, m.Organization.name_fr))
    if full:

        def render(rows):
            return [get_organization(session, o.id, lang) for o in rows]

        return _page(session, stmt, paging, render)
    return _page(session, stmt, paging, lambda rows: [organization_hsds(o, lang) for o in rows])


def get_organization(session: Session, organization_id: str, lang: str) -> dict:
    org = session.scalar(
        select(m.Organization)
        .where(m.Organization.id == organization_id)
        .options(
            selectinload(m.Organization.phones).selectinload(m.Phone.languages),
            selectinload(m.Organization.services),
            selectinload(m.Organization.locations).options(
                selectinload(m.Location.addresses),
                selectinload(m.Location.phones).selectinload(m.Phone.languages),
                selectinload(m.Location.schedules),
                selectinload(m.Location.languages),
            ),
        )
    )
    if org is None:
        raise NotFound(f"no organization {organization_id}")
    ids = [org.id] + [loc.id for loc in org.locations]
    return organization_full_hsds(org, lang, attributes_by_link(session, ids), metadata_by_resource(session, ids))


def list_taxonomies(session: Session, paging: Paging, lang: str, search: str | None = None) -> dict:
    stmt = select(m.Taxonomy).order_by(m.Taxonomy.id)
    if search:
        stmt = stmt.where(_like(search, m.Taxonomy.name))
    return _page(session, stmt, paging, lambda rows: [to_hsds("taxonomy", t, lang) for t in rows])


def get_taxonomy(session: Session, taxonomy_id: str, lang: str) -> dict:
    t = session.get(m.Taxonomy, taxonomy_id)
    if t is None:
        raise NotFound(f"no taxonomy {taxonomy_id}")
    return to_hsds("taxonomy", t, lang)


def list_taxonomy_terms(
    session: Session,
    paging: Paging,
    lang: str,
    search: str | None = None,
    taxonomy_id: str | None = None,
    parent_id: str | None = None,
    top_only: bool = False,
) -> dict:
    stmt = (
        select(m.TaxonomyTerm)
        .options(selectinload(m.TaxonomyTerm.taxonomy_detail))
        .order_by(m.TaxonomyTerm.code, m.TaxonomyTerm.id)
    )
    if search:
        stmt = stmt.where(
            _like(
                search,
                m.TaxonomyTerm.name_nl,
                m.TaxonomyTerm.name_fr,
                m.TaxonomyTerm.keywords_nl,
                m.TaxonomyTerm.keywords_fr,
                m.TaxonomyTerm.code,
            )
        )
    if taxonomy_id:
        stmt = stmt.where(m.TaxonomyTerm.taxonomy_id == _uuid(taxonomy_id, "taxonomy_id"))
    if parent_id:
        stmt = stmt.where(m.TaxonomyTerm.parent_id == term_id(parent_id))
    if top_only:
        stmt = stmt.where(m.TaxonomyTerm.parent_id.is_(None))
    return _page(session, stmt, paging, lambda rows: [taxonomy_term_hsds(t, lang) for t in rows])


def get_taxonomy_term(session: Session, value: str, lang: str) -> dict:
    t = session.scalar(
        select(m.TaxonomyTerm)
        .where(m.TaxonomyTerm.id == term_id(value))
        .options(selectinload(m.TaxonomyTerm.taxonomy_detail))
    )
    if t is None:
        raise NotFound(f"no taxonomy term {value}")
    return taxonomy_term_hsds(t, lang)
