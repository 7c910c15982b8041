"""The sociale kaart as the API and the chat bot's actions use it: services as plain dicts.

Thin on purpose: ranking lives in kb.search, texts and hours in kb.hsds / kb.hours.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import models as m
from kb.export import attributes_by_link, service_options
from kb.hours import as_text, open_now, structured
from kb.hsds import DEMO_MARK, pick
from kb.search import SearchInputError, search

__all__ = ["SearchInputError", "search_services", "service_dict"]

_WHY = {
    "nl": {
        "category": "hoort bij de categorie '{name}'",
        "text": "de naam of beschrijving bevat uw woorden",
        "near": "op {km} km van {place}",
        "speaks": "helpt in het Nederlands",
    },
    "fr": {
        "category": "fait partie de la catégorie « {name} »",
        "text": "le nom ou la description contient vos mots",
        "near": "à {km} km de {place}",
        "speaks": "aide en français",
    },
}


def search_services(
    session: Session,
    q: str | None = None,
    category_ids: list[int] | None = None,
    postcode: str | None = None,
    lang: str = "nl",
    limit: int = 10,
) -> dict:
    """Services answering a need, nearest first from the citizen's place, in their language first.

    Returns {"services": [service dict], "categories": [{"id","name","score"}], "place": {...} | None}.
    Raises SearchInputError for an unknown postcode or category id.
    """
    result = search(session, q=q, category_ids=category_ids, postcode=postcode, lang=lang, limit=limit)
    ids = [h.service_id for h in result.hits]
    services = {
        s.id: s
        for s in session.scalars(select(m.Service).where(m.Service.id.in_(ids)).options(*service_options()))
    }
    attributes = attributes_by_link(session, ids)
    matched_ids = {c.id for c in result.categories}
    text_lang = "fr" if lang == "fr" else "nl"
    place_label = result.place.label(text_lang) if result.place else None
    out = []
    for hit in result.hits:
        service = services[hit.service_id]
        item = service_dict(service, lang, attributes.get(service.id, []))
        why = []
        for cat in item["categories"]:
            if cat["id"] in matched_ids:
                why.append(_WHY[text_lang]["category"].format(name=cat["name"]))
        if hit.text_match:
            why.append(_WHY[text_lang]["text"])
        if hit.distance_km is not None and place_label:
            why.append(_WHY[text_lang]["near"].format(km=hit.distance_km, place=place_label))
        if hit.speaks_language and lang in ("nl", "fr"):
            why.append(_WHY[text_lang]["speaks"])
        item["why"] = why
        item["distance_km"] = hit.distance_km
        out.append(item)
    return {
        "services": out,
        "categories": [{"id": c.id, "name": c.name, "score": c.score} for c in result.categories],
        "place": result.place.as_dict() if result.place else None,
    }


def service_dict(service: m.Service, lang: str, attributes: list[m.Attribute]) -> dict:
    """One service as the /api/v1/services endpoint shows it."""
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
