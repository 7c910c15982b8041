"""Importers: HSDS 3.0 JSON, HSDS tabular CSV, and the social.brussels REST export.

Every import is all-or-nothing: the whole file is read and checked first; if any record is wrong the
file is refused with one Problem per mistake (file, record, field, why) and nothing is written. A
file that passes is written inside one transaction (a savepoint of the caller's session), upserting
by HSDS id, so importing the same data again updates the records in place and never duplicates them.
"""

import csv
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kb import corrections, search_index
from kb import models as m
from kb.hsds import LANGS, SPECS
from kb.taxonomy import TAXONOMY_ID, TAXONOMY_NAME, TAXONOMY_URI, categories, term_uuid

# Write order: parents before children, so foreign keys always point at rows that exist.
ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "location",
    "service",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "language",
    "service_area",
    "attribute",
    "metadata",
)
CSV_FILES = {
    "organizations.csv": "organization",
    "services.csv": "service",
    "locations.csv": "location",
    "service_at_location.csv": "service_at_location",
    "addresses.csv": "address",
    "phones.csv": "phone",
    "schedules.csv": "schedule",
    "languages.csv": "language",
    "service_areas.csv": "service_area",
    "taxonomies.csv": "taxonomy",
    "taxonomy_terms.csv": "taxonomy_term",
    "attributes.csv": "attribute",
    "metadata.csv": "metadata",
}
# HSDS tables we do not keep (contacts, funding, ...): reported as a warning, not an error.
CSV_NOT_KEPT = {
    "accessibility.csv",
    "contacts.csv",
    "cost_options.csv",
    "funding.csv",
    "meta_table_descriptions.csv",
    "organization_identifiers.csv",
    "programs.csv",
    "required_documents.csv",
}
REQUIRED = {
    "organization": ("name",),
    "service": ("name", "organization_id"),
    "location": ("location_type",),
    "service_at_location": ("service_id", "location_id"),
    "address": ("address_1", "city", "postal_code", "country", "address_type"),
    "phone": ("number",),
    "taxonomy": ("name",),
    "taxonomy_term": ("name",),
    "attribute": ("link_id", "taxonomy_term_id", "link_entity"),
    "metadata": ("resource_id", "resource_type", "last_action_date", "last_action_type", "updated_by"),
}
ENUMS = {
    ("service", "status"): {"active", "inactive", "defunct", "temporarily closed"},
    ("location", "location_type"): {"physical", "postal", "virtual"},
    ("address", "address_type"): {"physical", "postal", "virtual"},
    ("schedule", "freq"): {"WEEKLY", "MONTHLY"},
    ("schedule", "wkst"): {"MO", "TU", "WE", "TH", "FR", "SA", "SU"},
}
NUMBERS = {
    ("service", "minimum_age"),
    ("service", "maximum_age"),
    ("location", "latitude"),
    ("location", "longitude"),
    ("phone", "extension"),
    ("schedule", "timezone"),
    ("schedule", "count"),
    ("schedule", "interval"),
    ("organization", "year_incorporated"),
}
INTEGERS = {("schedule", "count"), ("schedule", "interval"), ("organization", "year_incorporated")}
DATETIMES = {("service", "last_modified")}
# reference field -> (target kind, hard?): a hard reference must resolve, a soft one is dropped (warning)
REFERENCES = {
    "service": {"organization_id": ("organization", True)},
    "organization": {"parent_organization_id": ("organization", False)},
    "location": {"organization_id": ("organization", False)},
    "service_at_location": {"service_id": ("service", True), "location_id": ("location", True)},
    "address": {"location_id": ("location", True)},
    "phone": {
        "location_id": ("location", False),
        "service_id": ("service", False),
        "organization_id": ("organization", False),
        "service_at_location_id": ("service_at_location", False),
    },
    "schedule": {
        "service_id": ("service", False),
        "location_id": ("location", False),
        "service_at_location_id": ("service_at_location", False),
    },
    "language": {
        "service_id": ("service", False),
        "location_id": ("location", False),
        "phone_id": ("phone", False),
    },
    "service_area": {"service_id": ("service", False)},
    "taxonomy_term": {"taxonomy_id": ("taxonomy", False), "parent_id": ("taxonomy_term", False)},
    "attribute": {"taxonomy_term_id": ("taxonomy_term", True)},
}
LIMITS = {"name": 500, "alternate_name": 500, "email": 320, "url": 1000, "website": 1000, "number": 100}
SOCIAL_NS = uuid.UUID("a3c1f5e2-7d4b-4e8f-9c2a-1b5d6e7f8091")
_EMAILISH = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    field: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field or '-'}: {self.why}"


class ImportRefused(Exception):
    """The file was refused; nothing was written. `problems` says what is wrong, record by record."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"import refused: {len(problems)} problem(s); first: {problems[0]}")


@dataclass
class ImportReport:
    file: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # kb.corrections.Conflict: local corrections vs the file

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def summary(self) -> str:
        parts = [
            f"{k}: {self.created.get(k, 0)} new, {self.updated.get(k, 0)} updated"
            for k in ORDER
            if self.created.get(k) or self.updated.get(k)
        ]
        return f"{self.file}: " + ("; ".join(parts) or "nothing to import")


class RecordSet:
    """Everything one file contains, flattened per HSDS table, before it touches the database."""

    def __init__(self, file: str, default_lang: str = "nl") -> None:
        self.file = file
        self.lang = default_lang
        self.records: dict[str, dict[str, dict]] = {k: {} for k in ORDER}
        self.where: dict[tuple[str, str], str] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.verified: dict[str, tuple[str, str]] = {}  # resource id -> (date, by)
        self.replace_children_of: set[str] = set()

    def _where(self, record: str) -> tuple[str, str]:
        # CSV records carry their own file name ("services.csv::line 3")
        file, sep, rest = record.partition("::")
        return (file, rest) if sep else (self.file, record)

    def problem(self, record: str, field_name: str, why: str) -> None:
        self.problems.append(Problem(*self._where(record), field_name, why))

    def warn(self, record: str, field_name: str, why: str) -> None:
        self.warnings.append(Problem(*self._where(record), field_name, why))

    def add(self, kind: str, values: dict, where: str) -> str | None:
        """Add (or merge into) one record given as HSDS fields plus optional `translations`."""
        rid = values.get("id")
        if not isinstance(rid, str) or not _is_uuid(rid):
            self.problem(where, "id", f"missing or not a uuid: {rid!r}")
            return None
        rid = str(uuid.UUID(rid))
        if kind == "metadata" and values.get("last_action_type") == "verified":
            self.verified[str(values.get("resource_id"))] = (
                str(values.get("last_action_date") or ""),
                str(values.get("updated_by") or ""),
            )
            return rid
        _, bilingual, plain = SPECS[kind]
        row: dict = {}
        translations = values.get("translations") if isinstance(values.get("translations"), dict) else {}
        for f in bilingual:
            given = False
            for tl in LANGS:
                v = (translations.get(tl) or {}).get(f) if isinstance(translations.get(tl), dict) else None
                if v is None:
                    v = values.get(f"{f}_{tl}")  # bilingual CSV columns (name_nl, name_fr)
                if v is not None and v != "":
                    row[f"{f}_{tl}"] = v if f != "keywords" else _keywords(v)
                    given = True
            if not given and values.get(f) not in (None, ""):
                row[f"{f}_{self.lang}"] = values[f]
        for f in plain:
            if values.get(f) not in (None, ""):
                row[f] = values[f]
        # our own bookkeeping columns: where the record came from, and the demo mark
        if kind in ("organization", "service") and isinstance(values.get("external_id"), str):
            row["external_id"] = values["external_id"]
        if kind in ("organization", "service") and isinstance(values.get("is_demo"), bool):
            row["is_demo"] = values["is_demo"]
        existing = self.records[kind].get(rid)
        if existing is None:
            self.records[kind][rid] = row
            self.where[(kind, rid)] = where
        else:
            for k, v in row.items():  # the same object nested twice: merge, first value wins
                existing.setdefault(k, v)
        return rid


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _keywords(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v)
    return str(value)


# --------------------------------------------------------------------------- HSDS JSON
_NOT_KEPT_NESTED = {
    "contacts",
    "funding",
    "cost_options",
    "program",
    "programs",
    "required_documents",
    "accessibility",
    "organization_identifiers",
}


def _collect(rs: RecordSet, kind: str, obj: object, where: str, context: dict | None = None) -> str | None:
    if not isinstance(obj, dict):
        rs.problem(where, "", f"expected an object for {kind}, got {type(obj).__name__}")
        return None
    values = {k: v for k, v in obj.items() if not isinstance(v, (list, dict)) or k == "translations"}
    values.update(context or {})
    for key in _NOT_KEPT_NESTED & obj.keys():
        if obj[key]:
            rs.warn(where, key, "not kept by the sociale kaart (ignored)")
    if kind == "service" and isinstance(obj.get("organization"), dict):
        values.setdefault(
            "organization_id", _collect(rs, "organization", obj["organization"], f"{where}.organization")
        )
    if kind == "service_at_location" and isinstance(obj.get("location"), dict):
        values.setdefault("location_id", _collect(rs, "location", obj["location"], f"{where}.location"))
    if kind == "attribute" and isinstance(obj.get("taxonomy_term"), dict):
        values.setdefault(
            "taxonomy_term_id", _collect(rs, "taxonomy_term", obj["taxonomy_term"], f"{where}.taxonomy_term")
        )
    if kind == "taxonomy_term" and isinstance(obj.get("taxonomy_detail"), dict):
        values.setdefault(
            "taxonomy_id", _collect(rs, "taxonomy", obj["taxonomy_detail"], f"{where}.taxonomy_detail")
        )
    rid = rs.add(kind, values, where)
    if rid is None:
        return None
    children = {
        "organization": {
            "phones": ("phone", "organization_id"),
            "locations": ("location", "organization_id"),
            "services": ("service", "organization_id"),
        },
        "service": {
            "phones": ("phone", "service_id"),
            "schedules": ("schedule", "service_id"),
            "service_areas": ("service_area", "service_id"),
            "languages": ("language", "service_id"),
            "service_at_locations": ("service_at_location", "service_id"),
        },
        "service_at_location": {
            "phones": ("phone", "service_at_location_id"),
            "schedules": ("schedule", "service_at_location_id"),
        },
        "location": {
            "addresses": ("address", "location_id"),
            "phones": ("phone", "location_id"),
            "schedules": ("schedule", "location_id"),
            "languages": ("language", "location_id"),
        },
        "phone": {"languages": ("language", "phone_id")},
    }.get(kind, {})
    for key, (child_kind, fk) in children.items():
        items = obj.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            rs.problem(where, key, "expected a list")
            continue
        for i, item in enumerate(items):
            # an organization's "services" may be mere references ({id, name, status}): skip those
            if (
                kind == "organization"
                and key == "services"
                and isinstance(item, dict)
                and set(item) <= {"id", "name", "status"}
            ):
                continue
            _collect(rs, child_kind, item, f"{where}.{key}[{i}]", {fk: rid})
    for i, item in enumerate(obj.get("attributes") or []):
        _collect(rs, "attribute", item, f"{where}.attributes[{i}]", {"link_id": rid, "link_entity": kind})
    for i, item in enumerate(obj.get("metadata") or []):
        _collect(rs, "metadata", item, f"{where}.metadata[{i}]", {"resource_id": rid, "resource_type": kind})
    return rid


def read_hsds_json(path: Path, default_lang: str = "nl") -> RecordSet:
    rs = RecordSet(path.name, default_lang)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        rs.problem("file", "", f"not readable JSON: {exc}")
        return rs
    read_hsds_document(rs, doc)
    return rs


def read_hsds_document(rs: RecordSet, doc: object) -> None:
    """An export document, a page ({"contents": [...]}), a list, or one service/organization/term."""
    if isinstance(doc, dict) and "contents" in doc:
        doc = doc["contents"]
    if (
        isinstance(doc, dict)
        and any(k in doc for k in ("services", "organizations", "taxonomy_terms", "taxonomies"))
        and "id" not in doc
    ):
        for key, kind in (
            ("taxonomies", "taxonomy"),
            ("taxonomy_terms", "taxonomy_term"),
            ("organizations", "organization"),
            ("services", "service"),
        ):
            items = doc.get(key) or []
            if not isinstance(items, list):
                rs.problem(key, "", "expected a list")
                continue
            for i, item in enumerate(items):
                _collect(rs, kind, item, f"{key}[{i}]")
        return
    items = doc if isinstance(doc, list) else [doc]
    for i, item in enumerate(items):
        kind = _guess_kind(item)
        if kind is None:
            rs.problem(f"[{i}]", "", "not an HSDS service, organization, location or taxonomy term")
            continue
        _collect(rs, kind, item, f"{kind}[{i}]")


def _guess_kind(item: object) -> str | None:
    if not isinstance(item, dict):
        return None
    if "status" in item or "service_at_locations" in item or "organization" in item:
        return "service"
    if "location_type" in item:
        return "location"
    if "code" in item or "taxonomy_detail" in item or "taxonomy_id" in item:
        return "taxonomy_term"
    if "name" in item and ("description" in item or "locations" in item or "website" in item):
        return "organization"
    return None


# --------------------------------------------------------------------------- HSDS CSV (tabular)
def read_hsds_csv(folder: Path, default_lang: str = "nl") -> RecordSet:
    rs = RecordSet(folder.name, default_lang)
    files = sorted(p for p in folder.glob("*.csv"))
    if not files:
        rs.problem(folder.name, "", "no .csv files found")
        return rs
    for p in files:
        kind = CSV_FILES.get(p.name)
        if kind is None:
            why = (
                "HSDS table not kept by the sociale kaart (ignored)"
                if p.name in CSV_NOT_KEPT
                else "unknown table (ignored)"
            )
            rs.warnings.append(Problem(p.name, "file", "", why))
            continue
        rs.file = p.name
        try:
            with p.open(encoding="utf-8-sig", newline="") as fh:
                for line, row in enumerate(csv.DictReader(fh), start=2):
                    values = {
                        k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k
                    }
                    rs.add(kind, values, f"{p.name}::line {line}")
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            rs.problem("file", "", f"not readable CSV: {exc}")
    rs.file = folder.name
    return rs


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


# --------------------------------------------------------------------------- checks and writing
def _coerce(rs: RecordSet, kind: str, rid: str, row: dict) -> None:
    where = rs.where.get((kind, rid), rid)
    for k, f in NUMBERS:
        if k != kind or f not in row:
            continue
        try:
            value = float(row[f])
        except (TypeError, ValueError):
            rs.problem(where, f, f"not a number: {row[f]!r}")
            continue
        row[f] = int(value) if (k, f) in INTEGERS else value
    if kind == "location":
        for f, bound in (("latitude", 90), ("longitude", 180)):
            if f in row and isinstance(row[f], float) and abs(row[f]) > bound:
                rs.warn(where, f, f"{row[f]} is not a valid {f}; left empty")
                row.pop(f)
    for (k, f), allowed in ENUMS.items():
        if k == kind and f in row and row[f] not in allowed:
            rs.problem(where, f, f"{row[f]!r} is not one of {', '.join(sorted(allowed))}")
    for k, f in DATETIMES:
        if k == kind and f in row:
            try:
                row[f] = datetime.fromisoformat(str(row[f]).replace("Z", "+00:00"))
            except ValueError:
                rs.problem(where, f, f"not an ISO date-time: {row[f]!r}")
    for f, limit in LIMITS.items():
        for key in (f, f"{f}_nl", f"{f}_fr"):
            if isinstance(row.get(key), str) and len(row[key]) > limit:
                rs.problem(where, key, f"longer than {limit} characters")
    for key, value in row.items():
        if not isinstance(value, (str, int, float, datetime)):
            rs.problem(where, key, f"expected a text or number, got {type(value).__name__}")
    if (
        kind in ("service", "organization")
        and isinstance(row.get("email"), str)
        and not _EMAILISH.match(row["email"])
    ):
        rs.problem(where, "email", f"not an e-mail address: {row['email']!r}")
    for f in REQUIRED.get(kind, ()):
        _, bilingual, _ = SPECS[kind]
        present = (
            any(row.get(f"{f}_{tl}") for tl in LANGS) if f in bilingual else row.get(f) not in (None, "")
        )
        if not present:
            rs.problem(where, f, "required")


def _existing_ids(session: Session, model: type, ids: Iterable[str]) -> set[str]:
    ids = list(ids)
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        found.update(session.scalars(select(model.id).where(model.id.in_(ids[i : i + 500]))))
    return found


def check(rs: RecordSet, session: Session) -> None:
    """Type, required-field and reference checks; adds to rs.problems / rs.warnings."""
    for kind in ORDER:
        for rid, row in rs.records[kind].items():
            _coerce(rs, kind, rid, row)
    in_db: dict[str, set[str]] = {}
    for kind, refs in REFERENCES.items():
        for rid, row in rs.records[kind].items():
            for f, (target, hard) in refs.items():
                ref = row.get(f)
                if ref is None:
                    continue
                if not _is_uuid(str(ref)):
                    rs.problem(rs.where.get((kind, rid), rid), f, f"not a uuid: {ref!r}")
                    continue
                ref = row[f] = str(uuid.UUID(str(ref)))
                if ref in rs.records[target]:
                    continue
                if target not in in_db:
                    wanted = {
                        str(r.get(ff))
                        for k2, refs2 in REFERENCES.items()
                        for r in rs.records[k2].values()
                        for ff, (t2, _) in refs2.items()
                        if t2 == target and r.get(ff)
                    }
                    in_db[target] = _existing_ids(session, SPECS[target][0], wanted)
                if ref in in_db[target]:
                    continue
                where = rs.where.get((kind, rid), rid)
                if hard:
                    rs.problem(
                        where,
                        f,
                        f"refers to {target} {ref}, which is neither in the file nor in the directory",
                    )
                else:
                    rs.warn(where, f, f"refers to unknown {target} {ref}; link left out")
                    row.pop(f)


def write(
    rs: RecordSet, session: Session, progress: Callable[[int, int], None] | None = None, prefer: str = "local"
) -> ImportReport:
    """Refuse the file (nothing written) or write all of it in one savepoint."""
    check(rs, session)
    if rs.problems:
        raise ImportRefused(rs.problems)
    report = ImportReport(rs.file, warnings=list(rs.warnings))
    report.conflicts = corrections.reconcile(rs, session, prefer)  # local corrections are never lost silently
    total = sum(len(v) for v in rs.records.values())
    done = 0
    # services whose search rows (kb.search_index) this file changes: its services, the services its
    # categories, places and languages belong to (before and after), those at its locations
    touched: set[str] = set(rs.records["service"]) | rs.replace_children_of
    try:
        with session.begin_nested():
            if rs.replace_children_of:
                _drop_children(session, rs)
            for kind in ORDER:
                model = SPECS[kind][0]
                rows = rs.records[kind]
                existing = {}
                ids = list(rows)
                for i in range(0, len(ids), 500):
                    for obj in session.scalars(select(model).where(model.id.in_(ids[i : i + 500]))):
                        existing[obj.id] = obj
                link = _SEARCH_LINKS.get(kind)
                for rid, row in rows.items():
                    obj = existing.get(rid)
                    if link:
                        touched.add(row.get(link))
                        touched.add(getattr(obj, link, None))
                    if obj is None:
                        obj = model(id=rid)
                        session.add(obj)
                        report.created[kind] = report.created.get(kind, 0) + 1
                    else:
                        report.updated[kind] = report.updated.get(kind, 0) + 1
                    for key, value in row.items():
                        setattr(obj, key, value)
                    if rid in rs.verified and hasattr(obj, "last_verified_at"):
                        at, by = rs.verified[rid]
                        obj.last_verified_at = (
                            datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
                        )
                        obj.last_verified_by = by or None
                    done += 1
                    if progress and done % 500 == 0:
                        progress(done, total)
                session.flush()
            touched |= search_index.services_at(session, rs.records["location"])
            search_index.refresh(session, touched)
    except SQLAlchemyError as exc:
        raise ImportRefused(
            [Problem(rs.file, "database", "", f"refused by the database: {exc.orig or exc}")]
        ) from exc
    if progress:
        progress(total, total)
    return report


# per kind, the column that ties a record to the service whose search rows it feeds
_SEARCH_LINKS = {"service_at_location": "service_id", "language": "service_id", "attribute": "link_id"}


def _drop_children(session: Session, rs: RecordSet) -> None:
    """social.brussels records are whole: their phones, languages and categories are replaced."""
    parents = list(rs.replace_children_of)
    for model, col in (
        (m.Phone, m.Phone.service_id),
        (m.Phone, m.Phone.organization_id),
        (m.Language, m.Language.service_id),
        (m.Schedule, m.Schedule.service_id),
        (m.Attribute, m.Attribute.link_id),
    ):
        keep = set(rs.records[SPECS_KIND[model]])
        for obj in session.scalars(select(model).where(col.in_(parents))):
            if obj.id not in keep:
                session.delete(obj)
    session.flush()


SPECS_KIND = {m.Phone: "phone", m.Language: "language", m.Schedule: "schedule", m.Attribute: "attribute"}


def detect_format(path: Path) -> str:
    """hsds-json, hsds-csv or social-brussels, from what the file looks like."""
    if path.is_dir():
        return "hsds-csv"
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "hsds-json"  # the JSON reader reports why it cannot read it
    sample = head[0] if isinstance(head, list) and head else head
    if (
        isinstance(sample, dict)
        and "items" in sample
        and isinstance(sample["items"], list)
        and sample["items"]
    ):
        sample = sample["items"][0]
    if isinstance(sample, dict) and ("nameOfficialNl" in sample or "nameOfficialFr" in sample):
        return "social-brussels"
    return "hsds-json"


def import_path(
    session: Session,
    path: Path,
    fmt: str | None = None,
    default_lang: str = "nl",
    progress: Callable[[int, int], None] | None = None,
    prefer: str = "local",
) -> ImportReport:
    """Import one file (or CSV folder) into the session's transaction; raises ImportRefused.
    prefer: on a field staff corrected locally, keep "local" or take the file's value ("source")."""
    fmt = fmt or detect_format(path)
    if fmt == "hsds-csv":
        rs = read_hsds_csv(path, default_lang)
    elif fmt == "social-brussels":
        rs = read_social_brussels(path)
    elif fmt == "hsds-json":
        rs = read_hsds_json(path, default_lang)
    else:
        raise ValueError(f"unknown import format {fmt!r}")
    return write(rs, session, progress, prefer)  # checks everything, then refuses or writes


def load_taxonomy(session: Session) -> int:
    """Upsert the social.brussels taxonomy and its 658 terms (term code = category id)."""
    rs = RecordSet("social_brussels_categories.json")
    rs.add(
        "taxonomy",
        {
            "id": TAXONOMY_ID,
            "name": TAXONOMY_NAME,
            "uri": TAXONOMY_URI,
            "version": "2020",
            "translations": {
                "nl": {"description": "Categorieën van de Brusselse sociale kaart (social.brussels)"},
                "fr": {"description": "Catégories de la carte sociale bruxelloise (social.brussels)"},
            },
        },
        "taxonomy",
    )
    for cid, cat in sorted(categories().items()):
        rs.add(
            "taxonomy_term",
            {
                "id": term_uuid(cid),
                "code": str(cid),
                "taxonomy": TAXONOMY_NAME,
                "taxonomy_id": TAXONOMY_ID,
                "translations": {
                    "nl": {
                        "name": cat.title_nl,
                        "description": cat.description_nl or None,
                        "keywords": list(cat.keywords_nl),
                    },
                    "fr": {
                        "name": cat.title_fr,
                        "description": cat.description_fr or None,
                        "keywords": list(cat.keywords_fr),
                    },
                },
            },
            f"category {cid}",
        )
    report = write(rs, session)
    return report.total
