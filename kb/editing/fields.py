"""What staff may edit on a sociale kaart record, how an edit is validated, and how it is written.

A record's editable state is a flat dict of JSON values (its "snapshot"): bilingual texts as
`name_nl` / `name_fr` (the same column names the HSDS CSV import reads), plain HSDS fields (`email`,
`url`, ...) and a few whole collections: `phones`, `schedules` (weekly opening hours), `languages`
(codes), `categories` (social.brussels category ids) and a location's `address`. Versions store the
before and after of these fields, so history, revert, import conflicts and the corrections sent back
to social.brussels all speak the same language.
"""

import re
import uuid
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import InvalidInput
from kb import models as m
from kb.taxonomy import categories as known_categories
from kb.taxonomy import term_uuid

LANGS = ("nl", "fr")
BILINGUAL = {
    "service": (
        "name", "alternate_name", "description", "interpretation_services", "application_process",
        "fees_description", "eligibility_description", "alert",
    ),
    "organization": ("name", "alternate_name", "description"),
    "location": ("name", "alternate_name", "description", "transportation"),
}
PLAIN = {
    "service": ("url", "email", "status", "wait_time", "fees", "minimum_age", "maximum_age"),
    "organization": ("email", "website"),
    "location": ("url", "latitude", "longitude"),
}
COLLECTIONS = {
    "service": ("phones", "schedules", "languages", "categories"),
    "organization": ("phones",),
    "location": ("address", "phones", "schedules", "languages"),
}
SHORT_TEXT = {"name", "alternate_name"}  # String(500) columns; the others are Text
MAX_TEXT = 5000
MAX_ITEMS = 30
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
PHONE_TYPES = ("text", "voice", "fax", "cell", "video", "pager", "textphone")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_POSTCODE = re.compile(r"^\d{4}$")
ADDRESS_FIELDS = ("address_1_nl", "address_1_fr", "city_nl", "city_fr", "postal_code")


class FieldProblems(InvalidInput):
    """The edit was refused; `problems` is a list of {"field", "message"}."""

    def __init__(self, problems: list[dict]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems), detail=problems)


def editable_fields(kind: str) -> tuple[str, ...]:
    texts = tuple(f"{f}_{lang}" for f in BILINGUAL[kind] for lang in LANGS)
    return texts + PLAIN[kind] + COLLECTIONS[kind]


# ----------------------------------------------------------------------------------------- snapshot
def _phone(p: m.Phone) -> dict:
    return {"number": p.number, "type": p.type, "description_nl": p.description_nl, "description_fr": p.description_fr}


def _schedule(s: m.Schedule) -> dict:
    return {
        "byday": s.byday, "opens_at": (s.opens_at or "")[:5] or None, "closes_at": (s.closes_at or "")[:5] or None,
        "description_nl": s.description_nl, "description_fr": s.description_fr,
    }


def _sorted(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda d: [str(d.get(k) or "") for k in sorted(d)])


def _float(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def service_categories(session: Session, service_id: str) -> list[int]:
    rows = session.execute(
        select(m.TaxonomyTerm.code)
        .join(m.Attribute, m.Attribute.taxonomy_term_id == m.TaxonomyTerm.id)
        .where(m.Attribute.link_id == service_id, m.Attribute.link_entity == "service")
    )
    return sorted({int(code) for (code,) in rows if code and code.isdigit()})


def snapshot(session: Session, kind: str, obj: object) -> dict:
    """The record's editable state as JSON values (lists sorted, so equal states compare equal)."""
    out: dict = {}
    for f in BILINGUAL[kind]:
        for lang in LANGS:
            out[f"{f}_{lang}"] = getattr(obj, f"{f}_{lang}")
    for f in PLAIN[kind]:
        out[f] = _float(getattr(obj, f))
    if "phones" in COLLECTIONS[kind]:
        out["phones"] = _sorted([_phone(p) for p in obj.phones])
    if "schedules" in COLLECTIONS[kind]:
        out["schedules"] = _sorted([_schedule(s) for s in obj.schedules])
    if "languages" in COLLECTIONS[kind]:
        out["languages"] = sorted({lg.code for lg in obj.languages if lg.code})
    if kind == "service":
        out["categories"] = service_categories(session, obj.id)
    if kind == "location":
        addresses = sorted(obj.addresses, key=lambda a: a.id)
        out["address"] = {f: getattr(addresses[0], f) for f in ADDRESS_FIELDS} if addresses else None
    return out


# ----------------------------------------------------------------------------------------- validation
def _text(field: str, value: object, problems: list) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append({"field": field, "message": "must be text"})
        return None
    value = value.strip()
    limit = 500 if field.rsplit("_", 1)[0] in SHORT_TEXT else MAX_TEXT
    if len(value) > limit:
        problems.append({"field": field, "message": f"at most {limit} characters"})
    return value or None


def _url(field: str, value: object, problems: list) -> str | None:
    value = _text(field, value, problems)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        problems.append({"field": field, "message": "must be a web address starting with http:// or https://"})
    return value


def _email(field: str, value: object, problems: list) -> str | None:
    value = _text(field, value, problems)
    if value is not None and (len(value) > 320 or not _EMAIL.match(value)):
        problems.append({"field": field, "message": "not an e-mail address"})
    return value


def _number(field: str, value: object, low: float, high: float, problems: list) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not low <= number <= high:
        problems.append({"field": field, "message": f"must be a number from {low:g} to {high:g}"})
        return None
    return _float(number)


def _phones(field: str, value: object, problems: list) -> list[dict]:
    out = []
    for i, item in enumerate(_items(field, value, problems)):
        where = f"{field}[{i}]"
        if isinstance(item, str):
            item = {"number": item}
        if not isinstance(item, dict):
            problems.append({"field": where, "message": "a phone is {number, type, description}"})
            continue
        raw = item.get("number")
        try:
            parsed = phonenumbers.parse(str(raw or ""), "BE")
            valid = phonenumbers.is_valid_number(parsed)
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            problems.append({"field": f"{where}.number", "message": "not a valid phone number (e.g. 02 123 45 67)"})
            continue
        number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        kind = item.get("type") or "voice"
        if kind not in PHONE_TYPES:
            problems.append({"field": f"{where}.type", "message": f"one of {', '.join(PHONE_TYPES)}"})
        out.append({"number": number, "type": kind, **_descriptions(where, item, problems)})
    return _sorted(out)


def _descriptions(where: str, item: dict, problems: list) -> dict:
    out = {}
    for lang in LANGS:
        value = item.get(f"description_{lang}")
        if value is None and isinstance(item.get("translations"), dict):
            value = (item["translations"].get(lang) or {}).get("description")
        out[f"description_{lang}"] = _text(f"{where}.description_{lang}", value, problems)
    if out["description_nl"] is None and out["description_fr"] is None and item.get("description"):
        out["description_nl"] = _text(f"{where}.description", item["description"], problems)
    return out


def _schedules(field: str, value: object, problems: list) -> list[dict]:
    out = []
    for i, item in enumerate(_items(field, value, problems)):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            problems.append({"field": where, "message": "an opening period is {byday, opens_at, closes_at}"})
            continue
        days = item.get("byday", item.get("days"))
        if isinstance(days, list):
            days = ",".join(str(d) for d in days)
        days = [d.strip().upper() for d in str(days or "").split(",") if d.strip()]
        opens, closes = item.get("opens_at"), item.get("closes_at")
        texts = _descriptions(where, item, problems)
        if not days and not opens and not closes and (texts["description_nl"] or texts["description_fr"]):
            out.append({"byday": None, "opens_at": None, "closes_at": None, **texts})
            continue
        bad = [d for d in days if d not in DAYS]
        if not days or bad:
            problems.append({"field": f"{where}.byday", "message": "days as MO,TU,WE,TH,FR,SA,SU"})
        for name, t in (("opens_at", opens), ("closes_at", closes)):
            if not isinstance(t, str) or not _TIME.match(t.strip()[:5]) or len(t.strip()) not in (5, 8):
                problems.append({"field": f"{where}.{name}", "message": "a time such as 09:00"})
        if isinstance(opens, str) and isinstance(closes, str) and opens.strip()[:5] >= closes.strip()[:5]:
            problems.append({"field": f"{where}.closes_at", "message": "closes before it opens"})
        ordered = ",".join(d for d in DAYS if d in days)
        out.append({
            "byday": ordered, "opens_at": str(opens).strip()[:5], "closes_at": str(closes).strip()[:5], **texts,
        })
    return _sorted(out)


def _languages(field: str, value: object, problems: list) -> list[str]:
    codes = set()
    for i, item in enumerate(_items(field, value, problems)):
        code = item.get("code") if isinstance(item, dict) else item
        code = str(code or "").strip().lower()
        if not _LANGUAGE.match(code):
            problems.append({"field": f"{field}[{i}]", "message": "an ISO 639 language code such as nl, fr, en"})
        codes.add(code)
    return sorted(codes)


def _categories(field: str, value: object, problems: list) -> list[int]:
    known = known_categories()
    ids = set()
    for i, item in enumerate(_items(field, value, problems)):
        try:
            cid = int(item)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            cid = -1
        if isinstance(item, bool) or cid not in known:
            problems.append({"field": f"{field}[{i}]", "message": "not a social.brussels category id"})
        ids.add(cid)
    return sorted(ids)


def _address(field: str, value: object, problems: list) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(ADDRESS_FIELDS):
        problems.append({"field": field, "message": f"an address has {', '.join(ADDRESS_FIELDS)}"})
        return None
    out = {f: _text(f"{field}.{f}", value.get(f), problems) for f in ADDRESS_FIELDS}
    if out["postal_code"] is not None and not _POSTCODE.match(out["postal_code"]):
        problems.append({"field": f"{field}.postal_code", "message": "a Belgian postcode of four digits"})
    return out


def _items(field: str, value: object, problems: list) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append({"field": field, "message": "must be a list"})
        return []
    if len(value) > MAX_ITEMS:
        problems.append({"field": field, "message": f"at most {MAX_ITEMS} items"})
        return []
    return value


_VALIDATORS = {
    "url": _url, "website": _url, "email": _email, "phones": _phones, "schedules": _schedules,
    "languages": _languages, "categories": _categories, "address": _address,
}


def parse_patch(kind: str, body: dict, lang: str = "nl") -> dict:
    """An edit (HSDS field names; bilingual texts as name_nl/name_fr, in `translations`, or bare in `lang`)
    as validated snapshot fields. Raises FieldProblems naming every field that is wrong, and why."""
    problems: list[dict] = []
    flat: dict = {}
    allowed = set(editable_fields(kind))
    for key, value in body.items():
        if key == "translations":
            if not isinstance(value, dict) or set(value) - set(LANGS):
                problems.append({"field": key, "message": "translations are {\"nl\": {...}, \"fr\": {...}}"})
                continue
            for tl, fields in value.items():
                if not isinstance(fields, dict):
                    problems.append({"field": f"translations.{tl}", "message": "must be an object of fields"})
                    continue
                for f, v in fields.items():
                    name = f"{f}_{tl}"
                    (flat.__setitem__(name, v) if name in allowed
                     else problems.append({"field": f"translations.{tl}.{f}", "message": "not an editable field"}))
        elif key in BILINGUAL[kind]:
            flat[f"{key}_{lang if lang in LANGS else 'nl'}"] = value
        elif key in allowed:
            flat[key] = value
        else:
            problems.append({"field": key, "message": "not an editable field"})
    out: dict = {}
    for key, value in flat.items():
        if key in _VALIDATORS:
            out[key] = _VALIDATORS[key](key, value, problems)
        elif key == "status":
            if value not in STATUSES:
                problems.append({"field": key, "message": f"one of {', '.join(STATUSES)}"})
            out[key] = value
        elif key in ("minimum_age", "maximum_age"):
            out[key] = _number(key, value, 0, 130, problems)
        elif key in ("latitude", "longitude"):
            out[key] = _number(key, value, -90 if key == "latitude" else -180, 90 if key == "latitude" else 180,
                               problems)
        else:
            out[key] = _text(key, value, problems)
    if problems:
        raise FieldProblems(problems)
    return out


# ----------------------------------------------------------------------------------------- writing
def _new_id() -> str:
    return str(uuid.uuid4())


def apply(session: Session, kind: str, obj: object, values: dict) -> None:
    """Write snapshot fields onto the record; collections are replaced as a whole."""
    owner = {"service": "service_id", "organization": "organization_id", "location": "location_id"}[kind]
    for key, value in values.items():
        if key == "phones":
            for p in list(obj.phones):
                session.delete(p)
            for item in value:
                session.add(m.Phone(id=_new_id(), **{owner: obj.id}, **item))
        elif key == "schedules":
            for s in list(obj.schedules):
                session.delete(s)
            for item in value:
                freq = "WEEKLY" if item.get("byday") else None
                session.add(m.Schedule(id=_new_id(), **{owner: obj.id}, freq=freq, **item))
        elif key == "languages":
            for lg in list(obj.languages):
                session.delete(lg)
            for code in value:
                session.add(m.Language(id=_new_id(), **{owner: obj.id}, code=code))
        elif key == "categories":
            _replace_categories(session, obj.id, value)
        elif key == "address":
            _replace_address(session, obj, value)
        else:
            setattr(obj, key, value)
    session.flush()
    session.expire(obj)


def _replace_categories(session: Session, service_id: str, ids: list[int]) -> None:
    current = session.scalars(
        select(m.Attribute).join(m.TaxonomyTerm, m.TaxonomyTerm.id == m.Attribute.taxonomy_term_id).where(
            m.Attribute.link_id == service_id, m.Attribute.link_entity == "service"
        )
    ).all()
    wanted = {term_uuid(i) for i in ids}
    for a in current:
        code = a.taxonomy_term.code
        if code and code.isdigit() and a.taxonomy_term_id not in wanted:
            session.delete(a)
    have = {a.taxonomy_term_id for a in current}
    for term_id in sorted(wanted - have):
        session.add(m.Attribute(id=_new_id(), link_id=service_id, taxonomy_term_id=term_id, link_type="category",
                                link_entity="service"))


def _replace_address(session: Session, location: m.Location, value: dict | None) -> None:
    addresses = sorted(location.addresses, key=lambda a: a.id)
    if value is None:
        for a in addresses:
            session.delete(a)
        return
    address = addresses[0] if addresses else None
    if address is None:
        address = m.Address(id=_new_id(), location_id=location.id, country="BE", address_type="physical")
        session.add(address)
    for f in ADDRESS_FIELDS:
        setattr(address, f, value.get(f))
