"""Local corrections of the sociale kaart: kept through re-imports, and sent back to social.brussels.

social.brussels stays the master source; the ELZ corrects entries locally (kb.editing) and sends the
corrections back. Until the source carries them, a re-import must not silently undo them:

- A field is *locally corrected* while the latest version that touched it is an edit or a revert
  by staff (directory_version). `reconcile` compares such fields with what an import file brings; when
  they differ it is a conflict, listed in the import report. With prefer="local" (the default) the local
  value is kept; with prefer="source" the file wins and an "import" version records the overwrite (the
  field is then no longer a local correction). A file that agrees with the local value is no conflict.
- `corrections_since` lists what staff changed since a date: per record the fields with their value
  before the first change and now, plus the record's current HSDS document; `corrections_csv` is the
  same as a readable table, one line per field.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import InvalidInput
from kb import models as m
from kb.editing import fields
from kb.editing.versions import MODELS, Editor, add_version, document, load
from kb.models_versions import DirectoryVersion
from kb.taxonomy import categories as known_categories
from kb.taxonomy import term_uuid

LOCAL_ACTIONS = ("edit", "revert")
PREFERENCES = ("local", "source")
# snapshot collection -> (importer kind, column tying a row to its owner, per owner kind)
_CHILDREN = {
    "phones": ("phone", {"service": "service_id", "organization": "organization_id", "location": "location_id"}),
    "schedules": ("schedule", {"service": "service_id", "location": "location_id"}),
    "languages": ("language", {"service": "service_id", "location": "location_id"}),
    "categories": ("attribute", {"service": "link_id"}),
    "address": ("address", {"location": "location_id"}),
}


@dataclass(frozen=True)
class Conflict:
    entity_type: str
    entity_id: str
    field: str
    local: object
    source: object
    kept: str  # "local" or "source"

    def __str__(self) -> str:
        return (f"conflict: {self.entity_type} {self.entity_id}: {self.field}: local {self.local!r}, "
                f"file {self.source!r} -> kept {self.kept}")


def corrected_fields(session: Session, kind: str, ids: list[str]) -> dict[str, set[str]]:
    """{entity id: fields whose latest change was a local edit or revert}."""
    latest: dict[tuple[str, str], str] = {}
    for i in range(0, len(ids), 500):
        rows = session.scalars(
            select(DirectoryVersion)
            .where(DirectoryVersion.entity_type == kind, DirectoryVersion.entity_id.in_(ids[i:i + 500]))
            .order_by(DirectoryVersion.version)
        )
        for v in rows:
            for f in v.changes or {}:
                latest[(v.entity_id, f)] = v.action
    out: dict[str, set[str]] = {}
    for (eid, f), action in latest.items():
        if action in LOCAL_ACTIONS:
            out.setdefault(eid, set()).add(f)
    return out


def _incoming(rs, kind: str, rid: str, field: str, row: dict):
    """What the file brings for one snapshot field (None: the file says nothing about it)."""
    if field not in _CHILDREN:
        if field not in row:
            return None
        value = row[field]
        return int(value) if isinstance(value, float) and value.is_integer() else value
    child_kind, owners = _CHILDREN[field]
    column = owners[kind]
    rows = [r for r in rs.records[child_kind].values() if r.get(column) == rid]
    if field == "categories":
        codes = {term_uuid(c): c for c in known_categories()}
        rows = [r for r in rows if r.get("link_entity") == "service" and r.get("taxonomy_term_id") in codes]
        if not rows and rid not in rs.replace_children_of:
            return None
        return sorted({codes[r["taxonomy_term_id"]] for r in rows})
    if not rows and rid not in rs.replace_children_of:
        return None
    if field == "phones":
        return fields._sorted([
            {"number": _phone_number(r.get("number")), "type": r.get("type") or "voice",
             "description_nl": r.get("description_nl"), "description_fr": r.get("description_fr")} for r in rows
        ])
    if field == "schedules":
        return fields._sorted([
            {"byday": r.get("byday"), "opens_at": (r.get("opens_at") or "")[:5] or None,
             "closes_at": (r.get("closes_at") or "")[:5] or None, "description_nl": r.get("description_nl"),
             "description_fr": r.get("description_fr")} for r in rows
        ])
    if field == "languages":
        return sorted({r.get("code") for r in rows if r.get("code")})
    first = sorted(rows, key=lambda r: str(r))[0]
    return {f: first.get(f) for f in fields.ADDRESS_FIELDS}


def _phone_number(raw: object) -> object:
    """As staff edits store it, so the same number written another way is no conflict."""
    try:
        parsed = phonenumbers.parse(str(raw or ""), "BE")
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(parsed):
        return raw
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _keep_local(session: Session, rs, kind: str, obj, field: str, row: dict, local: object) -> None:
    if field not in _CHILDREN:
        if local is None:
            row.pop(field, None)
        else:
            row[field] = local
        return
    child_kind, owners = _CHILDREN[field]
    column = owners[kind]
    for rid in [r for r, values in rs.records[child_kind].items() if values.get(column) == obj.id]:
        del rs.records[child_kind][rid]
    if obj.id in rs.replace_children_of:  # the importer drops children the file lacks: hand it ours
        model = {"phone": m.Phone, "schedule": m.Schedule, "language": m.Language, "attribute": m.Attribute}
        if child_kind in model:
            cls = model[child_kind]
            for child in session.scalars(select(cls).where(getattr(cls, column) == obj.id)):
                rs.records[child_kind][child.id] = {
                    c.key: getattr(child, c.key) for c in cls.__table__.columns if c.key != "id"
                }


def reconcile(rs, session: Session, prefer: str = "local") -> list[Conflict]:
    """Find the import file's conflicts with local corrections; keep the preferred side (see module doc)."""
    if prefer not in PREFERENCES:
        raise ValueError(f"prefer must be one of {', '.join(PREFERENCES)}")
    conflicts: list[Conflict] = []
    for kind in MODELS:
        ids = list(rs.records[kind])
        for rid, corrected in sorted(corrected_fields(session, kind, ids).items()):
            obj = load(session, kind, rid)
            current = fields.snapshot(session, kind, obj)
            row = rs.records[kind][rid]
            changes = {}
            for field in sorted(corrected):
                incoming = _incoming(rs, kind, rid, field, row)
                if incoming is None or incoming == current.get(field):
                    continue  # the file says nothing about it, or agrees with the correction
                conflicts.append(Conflict(kind, rid, field, current.get(field), incoming, prefer))
                if prefer == "local":
                    _keep_local(session, rs, kind, obj, field, row, current.get(field))
                else:
                    changes[field] = {"before": current.get(field), "after": incoming}
            if changes:
                add_version(session, kind, rid, "import", Editor(None, f"import: {rs.file}"[:320]), changes,
                            "re-import with --prefer source overwrote a local correction")
    return conflicts


# ----------------------------------------------------------------------------------------- export
def corrections_since(session: Session, since: datetime) -> dict:
    """What staff corrected since `since`, to send to social.brussels (HSDS documents included)."""
    versions = session.scalars(
        select(DirectoryVersion)
        .where(DirectoryVersion.at >= since, DirectoryVersion.action.in_(LOCAL_ACTIONS))
        .order_by(DirectoryVersion.entity_type, DirectoryVersion.entity_id, DirectoryVersion.version)
    ).all()
    grouped: dict[tuple[str, str], list[DirectoryVersion]] = {}
    for v in versions:
        grouped.setdefault((v.entity_type, v.entity_id), []).append(v)
    out = []
    for (kind, eid), vs in grouped.items():
        try:
            obj = load(session, kind, eid)
        except LookupError:
            continue  # deleted since
        current = fields.snapshot(session, kind, obj)
        changes = []
        firsts: dict[str, object] = {}
        for v in vs:
            for f, change in (v.changes or {}).items():
                firsts.setdefault(f, change.get("before"))
        for f, before in sorted(firsts.items()):
            if before != current.get(f):
                changes.append({"field": f, "before": before, "after": current.get(f)})
        if not changes:
            continue
        out.append({
            "entity_type": kind, "id": eid, "external_id": getattr(obj, "external_id", None),
            "name": obj.name_nl or obj.name_fr or "", "changed_at": _iso(vs[-1].at),
            "reasons": [v.reason for v in vs if v.reason], "changes": changes,
            "hsds": document(session, kind, eid, "nl"),
        })
    return {
        "hsds_version": "3.0", "generated_at": _iso(datetime.now(UTC)), "since": _iso(since),
        "source": "ELZ Brussel", "corrections": out,
    }


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.isoformat().replace("+00:00", "Z")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def corrections_csv(doc: dict) -> str:
    """One line per corrected field: what to change where, readable in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["entity_type", "id", "external_id", "name", "field", "before", "after", "changed_at", "reason"])
    for item in doc["corrections"]:
        for change in item["changes"]:
            writer.writerow([
                item["entity_type"], item["id"], item["external_id"] or "", item["name"], change["field"],
                _cell(change["before"]), _cell(change["after"]), item["changed_at"], "; ".join(item["reasons"]),
            ])
    return buffer.getvalue()


def parse_since(value: str) -> datetime:
    """YYYY-MM-DD or an ISO date-time; ValueError otherwise."""
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"since must be a date (YYYY-MM-DD) or an ISO date-time, not {value!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
