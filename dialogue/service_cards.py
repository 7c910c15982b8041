"""The sociale kaart as the API and the chat bot's actions use it: services as plain dicts.

Thin on purpose: ranking lives in kb.search, texts and hours in kb.hsds / kb.hours.
"""

import json
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from dialogue import i18n
from kb import models as m
from kb.hours import as_text, open_now, structured
from kb.hsds import DEMO_MARK, pick
from kb.search import SearchInputError, region_wide, search

__all__ = ["SearchInputError", "load_services", "search_services", "search_services_per_need", "service_dict"]

# "Near" the citizen: in their own commune, or within this distance (a neighbouring street across a
# commune border). Farther, the answer says so ("the nearest is 3 km from Schaerbeek").
NEAR_KM = 2.0
REGION_WIDE_SHARE = 1  # when nothing is near, this many of the places go to services for the whole region


def search_services(
    session: Session,
    q: str | None = None,
    category_ids: list[int] | None = None,
    postcode: str | None = None,
    lang: str = "nl",
    limit: int = 10,
) -> dict:
    """Services answering a need, nearest first from the citizen's place, in their language first.

    The search reaches the whole region: when nothing is near the citizen's place, the nearest ones
    farther away come, with services that serve the whole region (no place of their own); "reach" says
    which: "near", "region" (nothing near; "nearest_km" is how far the nearest located one is) or
    "none" (nothing anywhere in the region).

    Returns {"services": [service dict], "categories": [{"id","name","score"}], "place": {...} | None,
    "reach": "near" | "region" | "none", "nearest_km": float | None}.
    Raises SearchInputError for an unknown postcode or category id.
    """
    result = search(session, q=q, category_ids=category_ids, postcode=postcode, lang=lang, limit=limit)
    hits = result.hits
    near = _near_ids(session, result)
    if result.place is not None and hits and not near:
        # nothing near: keep room for services that serve the whole region, after the nearest ones
        cat_ids = [c.id for c in result.categories]
        shown = {x.service_id for x in hits}
        if not any(h.distance_km is None for h in hits):  # none for the whole region among them yet
            wide = region_wide(session, cat_ids, lang, REGION_WIDE_SHARE + len(hits))
            regional = [h for h in wide if h.service_id not in shown][:REGION_WIDE_SHARE]
        else:
            regional = []
        if regional:
            hits = [*hits[: max(0, limit - len(regional))], *regional][:limit]
    services, attributes = load_services(session, [h.service_id for h in hits])
    matched_ids = {c.id for c in result.categories}
    text_lang = "fr" if lang == "fr" else "nl"
    place_label = result.place.label(text_lang) if result.place else None
    out = []
    for hit in hits:
        service = services.get(hit.service_id)
        if service is None:  # deleted between the ranking and the reading (another transaction)
            continue
        item = service_dict(service, lang, attributes.get(service.id, []))
        if lang == "en":  # the taxonomy has no English: our English names where we have them
            item["categories"] = [{**c, "name": english_name(c["id"], c["name"])} for c in item["categories"]]
        why = []
        for cat in item["categories"]:
            if cat["id"] in matched_ids:
                why.append(i18n.text("api_why_category", lang, name=cat["name"]))
        if hit.text_match:
            why.append(i18n.text("api_why_text", lang))
        if hit.distance_km is not None and place_label:
            why.append(i18n.text("api_why_near", lang, km=hit.distance_km, place=place_label))
        if hit.speaks_language and lang in ("nl", "fr"):
            why.append(i18n.text("api_why_speaks", lang))
        item["why"] = why
        item["distance_km"] = hit.distance_km
        out.append(item)
    located = [h.distance_km for h in hits if h.distance_km is not None]
    if not out:
        reach = "none"
    elif result.place is None or near:
        reach = "near"
    else:
        reach = "region"
    return {
        "services": out,
        "categories": [{"id": c.id, "name": c.name, "score": c.score} for c in result.categories],
        "place": result.place.as_dict() if result.place else None,
        "reach": reach,
        "nearest_km": min(located) if located and reach == "region" else None,
    }


def search_services_per_need(
    session: Session, category_ids: list[int], postcode: str | None = None, lang: str = "nl", limit: int = 3
) -> dict:
    """Several needs at once: every need gets its nearest service before any gets a second one.

    Why: one search over all the categories ranks by distance, so a common need near the citizen (a GP)
    filled every place and a rarer one (a shelter) told first got no card at all. Same answer shape as
    search_services; "reach" is the best of the needs' ("near" when any need has a service near).
    """
    if len(category_ids) <= 1:
        return search_services(session, category_ids=category_ids, postcode=postcode, lang=lang, limit=limit)
    per_need = [search_services(session, category_ids=[cid], postcode=postcode, lang=lang, limit=limit)
                for cid in dict.fromkeys(category_ids)]
    services: dict[str, dict] = {}  # by id: a service answering two needs is shown once
    for rank in range(limit):
        for found in per_need:
            if rank < len(found["services"]):
                services.setdefault(found["services"][rank]["id"], found["services"][rank])
    reaches = [found["reach"] for found in per_need]
    reach = next((r for r in ("near", "region") if r in reaches), "none")
    farther = [found["nearest_km"] for found in per_need if found["nearest_km"] is not None]
    return {
        "services": list(services.values())[:limit],
        "categories": [c for found in per_need for c in found["categories"]],
        "place": per_need[0]["place"],
        "reach": reach,
        "nearest_km": min(farther) if reach == "region" and farther else None,
    }


def english_name(category_id: int, fallback: str) -> str:
    from dialogue.intake import english_names  # why here: intake imports the need matcher

    return english_names().get(category_id, fallback)


def _near_ids(session: Session, result) -> set[str]:
    """The hits near the citizen: within NEAR_KM, or with an address in the citizen's commune."""
    place = result.place
    if place is None or place.commune is None:
        return set()
    near = {h.service_id for h in result.hits if h.distance_km is not None and h.distance_km <= NEAR_KM}
    others = [h.service_id for h in result.hits if h.service_id not in near and h.distance_km is not None]
    if others:
        postcodes = set(place.commune.postcodes)
        rows = session.execute(
            select(m.ServiceAtLocation.service_id, m.Address.postal_code)
            .join(m.Address, m.Address.location_id == m.ServiceAtLocation.location_id)
            .where(m.ServiceAtLocation.service_id.in_(others))
        )
        near.update(sid for sid, postal_code in rows if postal_code in postcodes)
    return near


def load_services(session: Session, ids: list[str]) -> tuple[dict[str, SimpleNamespace], dict[str, list]]:
    """The services `service_dict` shows, with only what it reads, in two queries.

    Returns ({service id: service}, {service id: [attribute]}); the objects carry the attribute
    names of the kb.models classes (service.organization, service.service_at_locations[].location
    .addresses, ...), so service_dict reads them as it reads ORM objects. Lists of child rows
    (phones, schedules, categories) come as JSON arrays inside the service's own row: the ORM with
    selectinload needed some 17 round trips for the same, most of a search's time on PostgreSQL.
    """
    if not ids:
        return {}, {}
    q_services, q_places = _statements(session.get_bind().dialect.name)
    services: dict[str, SimpleNamespace] = {}
    attributes: dict[str, list] = {}
    for r in session.execute(q_services, {"ids": ids}):
        services[r.id] = SimpleNamespace(
            **{c: getattr(r, c) for c in _SERVICE_COLUMNS},
            organization=SimpleNamespace(id=r.org_id, name_nl=r.org_name_nl, name_fr=r.org_name_fr),
            languages=[SimpleNamespace(code=c) for c in (r.language_codes or "").split(_SEP)],
            phones=_objects(r.phones),
            schedules=_objects(r.schedules),
            service_at_locations=[],
        )
        attributes[r.id] = [
            SimpleNamespace(
                link_entity=a.link_entity,
                value=a.value,
                taxonomy_term=None
                if a.term_id is None
                else SimpleNamespace(code=a.code, name_nl=a.name_nl, name_fr=a.name_fr),
            )
            for a in _objects(r.attributes)
        ]
    sals: set[str] = set()
    locations: dict[str, SimpleNamespace] = {}
    seen_addresses: set[tuple[str, str]] = set()
    for r in session.execute(q_places, {"ids": list(services)}):
        loc = locations.get(r.loc_id)
        if loc is None:
            loc = locations[r.loc_id] = SimpleNamespace(
                id=r.loc_id,
                latitude=r.latitude,
                longitude=r.longitude,
                addresses=[],
                schedules=_objects(r.location_schedules),
            )
        if r.id not in sals:
            sals.add(r.id)
            sal = SimpleNamespace(id=r.id, location=loc, schedules=_objects(r.sal_schedules))
            services[r.service_id].service_at_locations.append(sal)
        if r.addr_id is not None and (r.loc_id, r.addr_id) not in seen_addresses:
            seen_addresses.add((r.loc_id, r.addr_id))
            loc.addresses.append(
                SimpleNamespace(id=r.addr_id, **{c: getattr(r, f"addr_{c}") for c in _ADDRESS_COLUMNS})
            )
    return services, attributes


def _objects(value: object) -> list[SimpleNamespace]:
    """A JSON array of objects (text from SQLite, already parsed by psycopg) as attribute objects."""
    if isinstance(value, str):
        value = json.loads(value)
    return [SimpleNamespace(**item) for item in value or ()]


_SEP = "\x1f"
_SERVICE_COLUMNS = (
    "id",
    "name_nl",
    "name_fr",
    "description_nl",
    "description_fr",
    "email",
    "url",
    "is_demo",
    "last_verified_at",
    "last_verified_by",
)
_ADDRESS_COLUMNS = ("address_1_nl", "address_1_fr", "city_nl", "city_fr", "postal_code", "country")
# what kb.hours reads of a schedule, and service_dict of a phone
_SCHEDULE_COLUMNS = ("byday", "freq", "opens_at", "closes_at", "description_nl", "description_fr")
_PHONE_COLUMNS = ("id", "number", "type", "description_nl", "description_fr")


def _json_array(dialect: str, columns: dict, select_from, where):
    """A scalar subquery: the matching rows as a JSON array of objects (key -> column)."""
    pairs = [x for key, column in columns.items() for x in (literal_column(f"'{key}'"), column)]
    if dialect == "postgresql":
        aggregate = func.json_agg(func.json_build_object(*pairs))
    else:
        aggregate = func.json_group_array(func.json_object(*pairs))
    return select(aggregate).select_from(select_from).where(where).scalar_subquery()


@lru_cache(maxsize=4)
def _statements(dialect: str):
    """Built once per database kind, so SQLAlchemy reuses their compiled SQL on every search."""
    svc, org, sal, loc, addr, phone, lang, sched, attr, term = (
        t.__table__
        for t in (
            m.Service,
            m.Organization,
            m.ServiceAtLocation,
            m.Location,
            m.Address,
            m.Phone,
            m.Language,
            m.Schedule,
            m.Attribute,
            m.TaxonomyTerm,
        )
    )
    ids = bindparam("ids", expanding=True)

    def schedules(where):
        return _json_array(dialect, {c: sched.c[c] for c in _SCHEDULE_COLUMNS}, sched, where)

    services = (
        select(
            *(svc.c[c] for c in _SERVICE_COLUMNS),
            org.c.id.label("org_id"),
            org.c.name_nl.label("org_name_nl"),
            org.c.name_fr.label("org_name_fr"),
            select(func.aggregate_strings(lang.c.code, _SEP))
            .where(lang.c.service_id == svc.c.id)
            .scalar_subquery()
            .label("language_codes"),
            _json_array(dialect, {c: phone.c[c] for c in _PHONE_COLUMNS}, phone, phone.c.service_id == svc.c.id).label(
                "phones"
            ),
            schedules(sched.c.service_id == svc.c.id).label("schedules"),
            _json_array(
                dialect,
                {
                    "link_entity": attr.c.link_entity,
                    "value": attr.c.value,
                    "term_id": term.c.id,
                    "code": term.c.code,
                    "name_nl": term.c.name_nl,
                    "name_fr": term.c.name_fr,
                },
                attr.outerjoin(term, term.c.id == attr.c.taxonomy_term_id),
                attr.c.link_id == svc.c.id,
            ).label("attributes"),
        )
        .join(org, org.c.id == svc.c.organization_id)
        .where(svc.c.id.in_(ids))
    )
    places = (
        select(
            sal.c.id,
            sal.c.service_id,
            loc.c.id.label("loc_id"),
            loc.c.latitude,
            loc.c.longitude,
            schedules(sched.c.service_at_location_id == sal.c.id).label("sal_schedules"),
            schedules(sched.c.location_id == loc.c.id).label("location_schedules"),
            addr.c.id.label("addr_id"),
            *(addr.c[c].label(f"addr_{c}") for c in _ADDRESS_COLUMNS),
        )
        .join(loc, loc.c.id == sal.c.location_id)
        .outerjoin(addr, addr.c.location_id == loc.c.id)
        .where(sal.c.service_id.in_(ids))
    )
    return services, places


def service_dict(service: m.Service, lang: str, attributes: list[m.Attribute]) -> dict:
    """One service as the /api/v1/services endpoint shows it (ORM objects or load_services' ones)."""
    text_lang = "fr" if lang == "fr" else "nl"
    cats = []
    demo = service.is_demo
    for a in attributes:
        term = a.taxonomy_term
        if a.link_entity == "service" and term is not None and term.code and term.code.isdigit():
            cats.append({"id": int(term.code), "name": pick(term, "name", text_lang)})
        if a.value == DEMO_MARK:
            demo = True
    address, coordinates = None, None
    schedules = list(service.schedules)
    for sal in sorted(service.service_at_locations, key=lambda x: x.id):
        loc = sal.location
        schedules += list(sal.schedules) + list(loc.schedules)
        if address is None and loc.addresses:
            a = sorted(loc.addresses, key=lambda x: x.id)[0]
            address = {
                "street": pick(a, "address_1", text_lang),
                "postcode": a.postal_code,
                "city": pick(a, "city", text_lang),
                "country": a.country,
            }
            if loc.latitude is not None and loc.longitude is not None:
                coordinates = {"lat": loc.latitude, "lon": loc.longitude}
    phones = [
        {"number": p.number, "type": p.type, "description": pick(p, "description", text_lang)}
        for p in sorted(service.phones, key=lambda x: x.id)
    ]
    languages = sorted({lg.code for lg in service.languages if lg.code})
    return {
        "id": service.id,
        "name": pick(service, "name", text_lang),
        "organisation": {
            "id": service.organization.id,
            "name": pick(service.organization, "name", text_lang),
        },
        "description": pick(service, "description", text_lang),
        "categories": sorted(cats, key=lambda c: c["id"]),
        "address": address,
        "coordinates": coordinates,
        "phones": phones,
        "email": service.email,
        "languages": languages,
        "opening_hours": {"text": as_text(schedules, text_lang), "weekly": structured(schedules)},
        "open_now": open_now(schedules),
        "url": service.url,
        "demo": demo,
        "last_verified_at": service.last_verified_at.isoformat() if service.last_verified_at else None,
        "last_verified_by": service.last_verified_by,
    }
