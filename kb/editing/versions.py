"""Editing sociale kaart records with a version history: read with an ETag, edit, verify, revert.

Every change goes through `_commit_change`, in one transaction: the record is locked (SELECT ... FOR
UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), its ETag compared with the
editor's If-Match, the fields written, a `directory_version` row added, the search index rewritten for
the services concerned and, for a service, the registered `service_change_hooks` run (the application
resolves the open data-quality signals about it there: kb knows nothing of signals). So what the
assistant proposes, the search index and the public HSDS API show the edit as soon as it is committed.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from common import errors
from common.errors import StaleVersion
from kb import hsds_api, search_index
from kb import models as m
from kb.editing import fields
from kb.export import attributes_by_link
from kb.hsds import location_hsds
from kb.models_versions import DirectoryVersion

MODELS = {"service": m.Service, "organization": m.Organization, "location": m.Location}
PUBLIC_VERIFIER = "ELZ Brussel"  # exported in HSDS metadata: never a staff member's e-mail


class NotFound(errors.NotFound):
    pass


class Stale(StaleVersion):
    """If-Match does not name the record's current version (someone else changed it)."""


@dataclass
class Editor:
    user_id: int | None
    email: str


# Run inside the transaction of every change to a service (session, service id, editor, note); registered by
# the application at start-up (api.flows), so the directory needs no knowledge of what else reacts.
ServiceChangeHook = Callable[[Session, str, Editor, str], object]
service_change_hooks: list[ServiceChangeHook] = []


def _options(kind: str) -> tuple:
    if kind == "service":
        return (
            selectinload(m.Service.phones), selectinload(m.Service.schedules), selectinload(m.Service.languages),
        )
    if kind == "organization":
        return (selectinload(m.Organization.phones),)
    return (
        selectinload(m.Location.addresses), selectinload(m.Location.phones).selectinload(m.Phone.languages),
        selectinload(m.Location.schedules), selectinload(m.Location.languages),
    )


def load(session: Session, kind: str, entity_id: str, lock: bool = False) -> object:
    model = MODELS[kind]
    stmt = select(model).where(model.id == entity_id)
    if lock:
        stmt = stmt.with_for_update()
    obj = session.scalar(stmt.options(*_options(kind)).execution_options(populate_existing=True))
    if obj is None:
        raise NotFound(f"no {kind} {entity_id}")
    return obj


def document(session: Session, kind: str, entity_id: str, lang: str = "nl") -> dict:
    """The full HSDS document of the record (as /hsds/ gives it; both languages in `translations`)."""
    try:
        if kind == "service":
            return hsds_api.get_service(session, entity_id, lang)
        if kind == "organization":
            return hsds_api.get_organization(session, entity_id, lang)
    except hsds_api.NotFound as exc:
        raise NotFound(str(exc)) from None
    loc = load(session, kind, entity_id)
    out = location_hsds(loc, lang, attributes_by_link(session, [loc.id]).get(loc.id))
    out["services"] = sorted(session.scalars(
        select(m.ServiceAtLocation.service_id).where(m.ServiceAtLocation.location_id == loc.id)
    ))
    return out


def etag(session: Session, kind: str, entity_id: str) -> str:
    """A strong ETag: a hash of the record's whole HSDS document (any change to it changes the tag)."""
    doc = document(session, kind, entity_id, "nl")
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _check(session: Session, kind: str, entity_id: str, if_match: str | None) -> None:
    if if_match is None:
        return
    wanted = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in wanted and etag(session, kind, entity_id) not in wanted:
        raise Stale(f"this {kind} was changed by someone else since you loaded it: reload it")


def _next_version(session: Session, kind: str, entity_id: str) -> int:
    last = session.scalar(
        select(func.max(DirectoryVersion.version)).where(
            DirectoryVersion.entity_type == kind, DirectoryVersion.entity_id == entity_id
        )
    )
    return (last or 0) + 1


def add_version(session: Session, kind: str, entity_id: str, action: str, editor: Editor, changes: dict,
                reason: str | None, at: datetime | None = None) -> DirectoryVersion:
    version = DirectoryVersion(
        entity_type=kind, entity_id=entity_id, version=_next_version(session, kind, entity_id), action=action,
        editor_id=editor.user_id, editor_email=editor.email, at=at or datetime.now(UTC), changes=changes,
        reason=reason,
    )
    session.add(version)
    session.flush()
    return version


def services_of(session: Session, kind: str, entity_id: str) -> set[str]:
    """The services whose search rows (and public documents) a change of this record touches."""
    if kind == "service":
        return {entity_id}
    if kind == "location":
        return search_index.services_at(session, [entity_id])
    return set(session.scalars(select(m.Service.id).where(m.Service.organization_id == entity_id)))


def _commit_change(session: Session, kind: str, entity_id: str, action: str, editor: Editor,
                   values: dict, reason: str | None, if_match: str | None, verify: bool) -> DirectoryVersion | None:
    obj = load(session, kind, entity_id, lock=True)
    _check(session, kind, entity_id, if_match)
    before = fields.snapshot(session, kind, obj)
    changes = {k: {"before": before[k], "after": v} for k, v in values.items() if before.get(k) != v}
    if kind == "service" and changes:
        names = {f: changes[f]["after"] if f in changes else before[f] for f in ("name_nl", "name_fr")}
        if not any(names.values()):
            raise fields.FieldProblems([{"field": "name_nl", "message": "a service needs a name in Dutch or French"}])
    if not changes and not verify:
        session.commit()  # ends the locking transaction
        return None
    now = datetime.now(UTC)
    if changes:
        fields.apply(session, kind, obj, {k: c["after"] for k, c in changes.items()})
        obj = load(session, kind, entity_id)
        if kind == "service":
            obj.last_modified = now
    if verify or action == "edit":
        obj.last_verified_at = now  # a person looked at the record (and corrected it)
        obj.last_verified_by = PUBLIC_VERIFIER
    version = add_version(session, kind, entity_id, action, editor, changes, reason, now)
    session.flush()
    search_index.refresh(session, services_of(session, kind, entity_id))
    if kind == "service":
        note = f"sociale kaart entry {action} (version {version.version})"
        for hook in service_change_hooks:
            hook(session, entity_id, editor, note)
    session.commit()
    return version


def edit(session: Session, kind: str, entity_id: str, body: dict, editor: Editor, if_match: str,
         reason: str | None = None, lang: str = "nl") -> DirectoryVersion | None:
    """Apply a partial edit; returns the new version (None when nothing changed).
    Raises NotFound, Stale, or fields.FieldProblems (nothing written)."""
    if kind not in MODELS:
        raise NotFound(f"no such kind {kind}")
    values = fields.parse_patch(kind, body, lang)
    try:
        return _commit_change(session, kind, entity_id, "edit", editor, values, reason, if_match, verify=False)
    except Exception:
        session.rollback()
        raise


def verify(session: Session, kind: str, entity_id: str, editor: Editor, reason: str | None = None,
           if_match: str | None = None) -> DirectoryVersion:
    """"Verified, nothing to change": the record's freshness is renewed and its review items resolved."""
    try:
        return _commit_change(session, kind, entity_id, "verify", editor, {}, reason or "verified",
                              if_match, verify=True)
    except Exception:
        session.rollback()
        raise


def history(session: Session, kind: str, entity_id: str) -> list[DirectoryVersion]:
    load(session, kind, entity_id)
    return list(session.scalars(
        select(DirectoryVersion)
        .where(DirectoryVersion.entity_type == kind, DirectoryVersion.entity_id == entity_id)
        .order_by(DirectoryVersion.version.desc())
    ))


def state_at(session: Session, kind: str, entity_id: str, version: int) -> dict:
    """The fields changed after `version`, with the value they had at that version."""
    later = session.scalars(
        select(DirectoryVersion)
        .where(DirectoryVersion.entity_type == kind, DirectoryVersion.entity_id == entity_id,
               DirectoryVersion.version > version)
        .order_by(DirectoryVersion.version)
    )
    values: dict = {}
    for v in later:
        for f, change in (v.changes or {}).items():
            values.setdefault(f, change.get("before"))
    return values


def revert(session: Session, kind: str, entity_id: str, version: int, editor: Editor,
           reason: str | None = None, if_match: str | None = None) -> DirectoryVersion | None:
    """Put the record back as it was at `version` (0: before its first recorded change), as a new version."""
    try:
        load(session, kind, entity_id)
        last = _next_version(session, kind, entity_id) - 1
        if not 0 <= version <= last:
            raise NotFound(f"{kind} {entity_id} has no version {version} (versions 0 to {last})")
        values = state_at(session, kind, entity_id, version)
        allowed = set(fields.editable_fields(kind))
        values = {k: v for k, v in values.items() if k in allowed}
        return _commit_change(session, kind, entity_id, "revert", editor, values,
                              reason or f"revert to version {version}", if_match, verify=False)
    except Exception:
        session.rollback()
        raise
