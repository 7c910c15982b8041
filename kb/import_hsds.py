"""Reading HSDS 3.0 files into a RecordSet: the JSON document (nested objects) and the tabular CSV folder."""

import csv
import json
from pathlib import Path

from kb.import_records import CSV_FILES, CSV_NOT_KEPT, Problem, RecordSet

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


