"""Importers: HSDS 3.0 JSON, HSDS tabular CSV, and the social.brussels REST export.

Every import is all-or-nothing: the whole file is read and checked first; if any record is wrong the
file is refused with one Problem per mistake (file, record, field, why) and nothing is written. A
file that passes is written inside one transaction (a savepoint of the caller's session), upserting
by HSDS id, so importing the same data again updates the records in place and never duplicates them.
"""

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kb import corrections, search_index
from kb import models as m
from kb.hsds import LANGS, SPECS
from kb.import_hsds import read_hsds_csv, read_hsds_json
from kb.import_records import (
    DATETIMES,
    EMAILISH,
    ENUMS,
    INTEGERS,
    LIMITS,
    NUMBERS,
    ORDER,
    REFERENCES,
    REQUIRED,
    ImportRefused,
    ImportReport,
    Problem,
    RecordSet,
    is_uuid,
)
from kb.import_social import read_social_brussels
from kb.taxonomy import TAXONOMY_ID, TAXONOMY_NAME, TAXONOMY_URI, categories, term_uuid


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
        and not EMAILISH.match(row["email"])
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
                if not is_uuid(str(ref)):
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
