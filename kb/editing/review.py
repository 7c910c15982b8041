"""The review queue: which sociale kaart services need a person's attention, and why.

Reasons, in the order the queue shows them:
- "signal": an open data-quality signal (someone reported wrong data), with its scrubbed remark;
- "missing": no phone and no e-mail, no opening hours, or no language (the service, its locations);
- "duplicate": another service with the same normalised name at the same address or phone number;
- "stale": not verified for `stale_after_days` days (or never).
An item goes away when the cause is fixed by an edit, or when staff mark the service verified
("verified, nothing to change"): that resolves its signals and renews its freshness, and a service
whose latest version is such a verification keeps no "missing" or "duplicate" item.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb import models as m
from kb.models_versions import DirectoryVersion
from kb.text import fold

REASONS = ("signal", "missing", "duplicate", "stale")


class OpenSignal(NamedTuple):
    """An open data-quality signal about a service, as the review queue shows it."""

    id: int
    service_id: str
    text: str | None
    created_on: date
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _norm(text: str | None) -> str:
    return _NOT_WORD.sub(" ", fold(text or "")).strip()


def _ids(session: Session, stmt) -> set[str]:
    return {r for (r,) in session.execute(stmt) if r}


def _with(session: Session, model) -> set[str]:
    """Services that have a row of `model` on themselves, on one of their locations, or at a location."""
    sal, loc_col = m.ServiceAtLocation, model.location_id
    direct = _ids(session, select(model.service_id).where(model.service_id.is_not(None)))
    at_location = _ids(session, select(sal.service_id).join(model, loc_col == sal.location_id))
    out = direct | at_location
    if hasattr(model, "service_at_location_id"):
        out |= _ids(session, select(sal.service_id).join(model, model.service_at_location_id == sal.id))
    return out


def _latest_actions(session: Session) -> dict[str, str]:
    latest = (
        select(DirectoryVersion.entity_id, func.max(DirectoryVersion.version).label("v"))
        .where(DirectoryVersion.entity_type == "service")
        .group_by(DirectoryVersion.entity_id)
        .subquery()
    )
    rows = session.execute(
        select(DirectoryVersion.entity_id, DirectoryVersion.action).join(
            latest, (latest.c.entity_id == DirectoryVersion.entity_id) & (latest.c.v == DirectoryVersion.version)
        ).where(DirectoryVersion.entity_type == "service")
    )
    return dict(rows.all())


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def review_queue(session: Session, stale_after_days: int, lang: str = "nl", reason: str | None = None,
                 q: str | None = None, limit: int = 50, offset: int = 0,
                 open_signals: Iterable[OpenSignal] = ()) -> dict:
    """{"total", "counts": {reason: n}, "items": [...]}; items of one service stay together.
    open_signals: the open data-quality signals (kept by the application, not by the directory)."""
    text_lang = "fr" if lang == "fr" else "nl"
    services = session.execute(
        select(m.Service.id, m.Service.name_nl, m.Service.name_fr, m.Service.email, m.Service.last_verified_at)
        .where(m.Service.status != "defunct")
    ).all()
    names = {s.id: (s.name_fr if text_lang == "fr" else s.name_nl) or s.name_nl or s.name_fr or "" for s in services}
    with_phone, with_hours = _with(session, m.Phone), _with(session, m.Schedule)
    with_language = _with(session, m.Language)
    acknowledged = {sid for sid, action in _latest_actions(session).items() if action == "verify"}
    items: list[dict] = []

    for s in open_signals:
        if s.service_id in names:
            items.append({"reason": "signal", "entity_id": s.service_id, "signal_id": s.id,
                          "remark": s.text, "since": s.created_on.isoformat()})

    for s in services:
        if s.id in acknowledged:
            continue
        missing = []
        if not s.email and s.id not in with_phone:
            missing.append("contact")
        if s.id not in with_hours:
            missing.append("hours")
        if s.id not in with_language:
            missing.append("language")
        if missing:
            items.append({"reason": "missing", "entity_id": s.id, "missing": missing})

    for group in _duplicates(session, services):
        for sid in group:
            if sid not in acknowledged:
                items.append({"reason": "duplicate", "entity_id": sid, "duplicates": sorted(set(group) - {sid})})

    cutoff = datetime.now(UTC) - timedelta(days=stale_after_days)
    for s in services:
        verified = _aware(s.last_verified_at)
        if verified is None or verified < cutoff:
            items.append({"reason": "stale", "entity_id": s.id,
                          "last_verified_at": verified.isoformat() if verified else None})

    for item in items:
        item["entity_type"] = "service"
        item["name"] = names.get(item["entity_id"], "")
    counts = {r: sum(1 for i in items if i["reason"] == r) for r in REASONS}
    if reason:
        items = [i for i in items if i["reason"] == reason]
    if q:
        needle = _norm(q)
        items = [i for i in items if needle in _norm(i["name"])]
    return {"total": len(items), "counts": counts, "items": items[offset: offset + limit]}


def _duplicates(session: Session, services) -> list[list[str]]:
    """Groups of services with the same normalised name and the same address or phone number."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for s in services:
        for name in {_norm(s.name_nl), _norm(s.name_fr)} - {""}:
            by_name[name].append(s.id)
    candidates = {sid for ids in by_name.values() if len(ids) > 1 for sid in ids}
    if not candidates:
        return []
    keys: dict[str, set[str]] = defaultdict(set)
    sal, addr = m.ServiceAtLocation, m.Address
    for sid, street, postcode in session.execute(
        select(sal.service_id, addr.address_1_nl, addr.postal_code).join(addr, addr.location_id == sal.location_id)
    ):
        if sid in candidates and street:
            keys[sid].add(f"a:{postcode}:{_norm(street)}")
    phones = select(m.Phone.service_id, m.Phone.number).where(m.Phone.service_id.is_not(None))
    for sid, number in session.execute(phones):
        digits = re.sub(r"\D", "", number or "")[-8:]
        if sid in candidates and len(digits) >= 8:
            keys[sid].add(f"p:{digits}")
    groups: list[list[str]] = []
    seen: set[frozenset] = set()
    for ids in by_name.values():
        unique = sorted(set(ids))
        for i, a in enumerate(unique):
            group = [a] + [b for b in unique[i + 1:] if keys[a] & keys[b]]
            if len(group) > 1 and frozenset(group) not in seen and not any(set(group) <= g for g in seen):
                seen.add(frozenset(group))
                groups.append(group)
    return groups
