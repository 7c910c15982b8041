"""Reading the social.brussels REST export (the Brussels sociale kaart) into a RecordSet of HSDS records."""

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from kb.import_records import SOCIAL_NS, RecordSet
from kb.taxonomy import categories, term_uuid


# --------------------------------------------------------------------------- social.brussels export
def _social_id(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(SOCIAL_NS, ":".join([kind, *map(str, parts)])))


def _first(values: object) -> str | None:
    if isinstance(values, list):
        for v in values:
            if isinstance(v, str) and v.strip():
                return v.strip()
    return None


def _social_date(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    for fmt in ("%d/%m/%y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC).isoformat()
        except ValueError:
            continue
    return None


def read_social_brussels(path: Path) -> RecordSet:
    rs = RecordSet(path.name)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        rs.problem("file", "", f"not readable JSON: {exc}")
        return rs
    items = doc.get("items") if isinstance(doc, dict) and "items" in doc else doc
    items = items if isinstance(items, list) else [items]
    terms = {str(c) for c in categories()}
    for i, rec in enumerate(items):
        where = f"organisation[{i}]"
        if not isinstance(rec, dict):
            rs.problem(where, "", "expected an object")
            continue
        sid = rec.get("id")
        if not isinstance(sid, int):
            rs.problem(where, "id", f"missing or not a number: {sid!r}")
            continue
        where = f"organisation {sid}"
        name_nl, name_fr = rec.get("nameOfficialNl"), rec.get("nameOfficialFr")
        if not (name_nl or name_fr):
            rs.problem(where, "nameOfficialNl/nameOfficialFr", "the organisation has no name")
            continue
        org_id, service_id, loc_id = (
            _social_id("org", sid),
            _social_id("service", sid),
            _social_id("location", sid),
        )
        rs.replace_children_of.update({org_id, service_id, loc_id})
        legal = rec.get("legalStatus") or {}
        verified = _social_date(rec.get("lastUpdate"))
        org = {
            "id": org_id,
            "external_id": f"social.brussels:{sid}",
            "translations": {
                "nl": {
                    "name": name_nl,
                    "alternate_name": _first(rec.get("nameAlternativeNl")),
                    "description": rec.get("descriptionNl") or rec.get("activitiesNl"),
                    "legal_status": legal.get("labelNl"),
                },
                "fr": {
                    "name": name_fr,
                    "alternate_name": _first(rec.get("nameAlternativeFr")),
                    "description": rec.get("descriptionFr") or rec.get("activitiesFr"),
                    "legal_status": legal.get("labelFr"),
                },
            },
            "email": _first(rec.get("emailNl")) or _first(rec.get("emailFr")),
            "website": _first(rec.get("websiteOfficialNl")) or _first(rec.get("websiteOfficialFr")),
            "tax_id": _first(rec.get("pmRp")),
        }
        rs.add("organization", org, where)
        access_nl, access_fr = rec.get("accessNl") or [], rec.get("accessFr") or []
        service = {
            "id": service_id,
            "organization_id": org_id,
            "status": "active",
            "external_id": f"social.brussels:{sid}",
            "translations": {
                "nl": {
                    "name": _first(rec.get("nameServiceNl")) or name_nl,
                    "description": rec.get("activitiesNl"),
                    "eligibility_description": rec.get("publicNl"),
                    "application_process": ", ".join(access_nl) or None,
                },
                "fr": {
                    "name": _first(rec.get("nameServiceFr")) or name_fr,
                    "description": rec.get("activitiesFr"),
                    "eligibility_description": rec.get("publicFr"),
                    "application_process": ", ".join(access_fr) or None,
                },
            },
            "url": org["website"],
            "email": org["email"],
        }
        rs.add("service", service, where)
        for key in ("organization", "service"):
            rid = org_id if key == "organization" else service_id
            if verified:
                rs.verified[rid] = (verified, "social.brussels")
        address = rec.get("address")
        if isinstance(address, dict) and address.get("zipCode"):
            zip_code = str(address.get("zipCode"))
            if not re.fullmatch(r"\d{4}", zip_code):
                rs.problem(where, "address.zipCode", f"not a Belgian postcode: {zip_code!r}")
            lat, lon = address.get("lat"), address.get("lon")
            rs.add(
                "location",
                {
                    "id": loc_id,
                    "organization_id": org_id,
                    "location_type": "physical",
                    "latitude": lat,
                    "longitude": lon,
                    "translations": {"nl": {"name": name_nl}, "fr": {"name": name_fr}},
                },
                where,
            )
            if verified:
                rs.verified[loc_id] = (verified, "social.brussels")
            number = str(address.get("number") or "").strip()
            rs.add(
                "address",
                {
                    "id": _social_id("address", sid),
                    "location_id": loc_id,
                    "address_type": "physical",
                    "translations": {
                        "nl": {
                            "address_1": _street(address, "Nl", number),
                            "city": (address.get("municipalityNl") or "").title() or None,
                        },
                        "fr": {
                            "address_1": _street(address, "Fr", number),
                            "city": (address.get("municipalityFr") or "").title() or None,
                        },
                    },
                    "postal_code": zip_code,
                    "country": "BE",
                    "state_province": "Brussel/Bruxelles",
                },
                where,
            )
            rs.add(
                "service_at_location",
                {"id": _social_id("sal", sid), "service_id": service_id, "location_id": loc_id},
                where,
            )
        numbers = [(n, "voice") for n in dict.fromkeys((rec.get("telNl") or []) + (rec.get("telFr") or []))]
        numbers += [(n, "fax") for n in dict.fromkeys((rec.get("faxNl") or []) + (rec.get("faxFr") or []))]
        for n, (number, kind) in enumerate(numbers):
            rs.add(
                "phone",
                {
                    "id": _social_id("phone", sid, n),
                    "service_id": service_id,
                    "organization_id": org_id,
                    "number": number,
                    "type": kind,
                },
                where,
            )
        if rec.get("permanencyNl") or rec.get("permanencyFr"):
            rs.add(
                "schedule",
                {
                    "id": _social_id("schedule", sid),
                    "service_id": service_id,
                    "translations": {
                        "nl": {"description": rec.get("permanencyNl")},
                        "fr": {"description": rec.get("permanencyFr")},
                    },
                },
                where,
            )
        for code in _social_languages(rec.get("langStatus")):
            rs.add(
                "language",
                {
                    "id": _social_id("language", sid, code),
                    "service_id": service_id,
                    "code": code,
                    "name": {"nl": "Nederlands", "fr": "français"}[code],
                },
                where,
            )
        for j, cat in enumerate(rec.get("categoriesObject") or []):
            cid = cat.get("id") if isinstance(cat, dict) else cat
            if str(cid) not in terms:
                rs.problem(where, f"categoriesObject[{j}]", f"unknown social.brussels category {cid!r}")
                continue
            rs.add(
                "attribute",
                {
                    "id": _social_id("attribute", sid, cid),
                    "link_id": service_id,
                    "link_entity": "service",
                    "link_type": "category",
                    "taxonomy_term_id": term_uuid(int(cid)),
                },
                where,
            )
    return rs


def _street(address: dict, lang: str, number: str) -> str:
    other = "Fr" if lang == "Nl" else "Nl"
    street = address.get(f"street{lang}") or address.get(f"street{other}") or ""
    return f"{street} {number}".strip()


def _social_languages(status: object) -> list[str]:
    if not isinstance(status, str):
        return []
    return [code for code in ("nl", "fr") if code.upper() in status.upper()]


