"""Signals for the ELZ: record (scrubbed, deduplicated), list, triage (audited), and report with small-cell
suppression.

`record_signal` is called in-process by the bot's actions and by the API; it never lets a database
failure reach a conversation (it logs and returns None). Invalid input is a ValueError (422 at the API).

Small cells (see `suppress`): every count of 1 to 4 is published as "< 5". So that a hidden cell cannot be
recovered by subtracting the visible cells from a total (or from the same total in a coarser report),
every line of a report (the cells that differ in one dimension only) and the report as a whole hold
either no hidden cell or at least two: when only one would be hidden, the smallest visible cell of that
line is hidden too, shown as "x". Totals are published with the same "< 5" rule. Reports count whole
months only (from/to are widened to whole months), so two overlapping date ranges cannot isolate a day.
"""

import hashlib
import hmac
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, distinct, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.core.config import get_settings
from api.models_signals import (
    AGE_BANDS,
    BARRIERS,
    SIGNAL_LANGUAGES,
    SIGNAL_SOURCES,
    SIGNAL_STATUSES,
    SIGNAL_TYPES,
    Signal,
    SignalCategory,
    SignalEvent,
    User,
)
from api.services.scrubbing import scrub
from kb import geo, taxonomy

logger = logging.getLogger("api.signals")

BRUSSELS = ZoneInfo("Europe/Brussels")
SMALL_CELL = 5
SMALL_LABEL = "< 5"
COMPLEMENT_LABEL = "x"
MAX_TEXT_CHARS = 500  # stored, after scrubbing
MAX_INPUT_CHARS = 5000  # accepted before scrubbing
MAX_NOTE_CHARS = 2000
MAX_CATEGORIES = 20  # on one signal
MAX_FILTER_VALUES = 50  # per filter parameter
MAX_REPORT_MONTHS = 120
MAX_LIST_LIMIT = 500
MIN_YEAR, MAX_YEAR = 2000, 2100
GROUP_DIMENSIONS = ("type", "category", "commune", "month")
UNKNOWN_COMMUNE = "unknown"

# Triage: new -> reviewed -> escalated / resolved_locally / dismissed; a closed signal can be reopened.
TRANSITIONS = {
    "new": {"reviewed", "dismissed"},
    "reviewed": {"escalated", "resolved_locally", "dismissed"},
    "escalated": {"reviewed", "resolved_locally"},
    "resolved_locally": {"reviewed"},
    "dismissed": {"reviewed"},
}


class SignalNotFound(LookupError):
    pass


class TriageConflict(Exception):
    """The transition is not allowed from the signal's current status (or someone else changed it)."""


# ----------------------------------------------------------------------------------------- validation
def resolve_commune(value: str | None) -> str | None:
    """A commune's NIS code from a code, a name (NL/FR, with typos) or a postcode; ValueError otherwise."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    by_code = {c.code: c for c in geo.communes()}
    if value in by_code:
        return value
    if len(value) > 100:
        raise ValueError("commune: too long")
    match = geo.resolve_place(value)
    if match.status == "found" and match.commune is not None:
        return match.commune.code
    if match.status == "ambiguous":
        names = ", ".join(c.name_nl for c in match.candidates)
        raise ValueError(f"commune {value!r} is ambiguous ({names}): give the commune's name or NIS code")
    raise ValueError(f"unknown commune {value!r}: use one of the 19 Brussels communes (name or NIS code)")


def validate_categories(category_ids: Iterable[object]) -> list[int]:
    ids: list[int] = []
    for raw in category_ids:
        if isinstance(raw, bool):
            raise ValueError(f"category ids are social.brussels integers, got {raw!r}")
        try:
            ids.append(int(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"category ids are social.brussels integers, got {raw!r}") from None
    known = taxonomy.categories()
    unknown = sorted({i for i in ids if i not in known})
    if unknown:
        raise ValueError(f"unknown social.brussels category id(s): {', '.join(map(str, unknown))}")
    return sorted(set(ids))


def _one_of(name: str, value: str | None, allowed: tuple[str, ...], required: bool = True) -> None:
    if value is None and not required:
        return
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def dedup_key(conversation_key: str, signal_type: str, category_ids: list[int], commune_code: str | None,
              barrier: str | None, service_id: str | None) -> str:
    """A keyed hash: the same need from the same conversation gets the same key, and without SECRET_KEY
    nobody can tell which conversation a key belongs to."""
    message = "\x1f".join(
        [conversation_key, signal_type, ",".join(map(str, category_ids)), commune_code or "", barrier or "",
         service_id or ""]
    )
    return hmac.new(get_settings().secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def today_in_brussels() -> date:
    return datetime.now(BRUSSELS).date()


# ----------------------------------------------------------------------------------------- recording
def record_signal(
    session: Session,
    *,
    signal_type: str,
    category_ids: list[int],
    commune: str | None,
    language: str,
    age_band: str | None = None,
    source: str,
    text: str | None = None,
    conversation_key: str | None = None,
    barrier: str | None = None,
    service_id: str | None = None,
) -> Signal | None:
    """Record one signal and commit. Returns the signal (the existing one if this conversation already
    reported the same need; then `signal.was_duplicate` is True), or None if the database failed.
    Raises ValueError for invalid input (unknown category or commune, bad type, ...)."""
    _one_of("signal_type", signal_type, SIGNAL_TYPES)
    _one_of("source", source, SIGNAL_SOURCES)
    _one_of("language", language, SIGNAL_LANGUAGES)
    _one_of("age_band", age_band, AGE_BANDS, required=False)
    _one_of("barrier", barrier, BARRIERS, required=False)
    categories = validate_categories(category_ids or [])
    if len(categories) > MAX_CATEGORIES:
        raise ValueError(f"at most {MAX_CATEGORIES} categories per signal")
    if signal_type == "unmet_need" and not categories:
        raise ValueError("an unmet need needs at least one category")
    if signal_type == "knelpunt" and barrier is None:
        barrier = "other"
    if signal_type == "data_quality" and not service_id:
        raise ValueError("a data-quality signal needs the service_id of the sociale kaart entry")
    if service_id is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,36}", service_id):
        raise ValueError("service_id must be an HSDS service id")
    commune_code = resolve_commune(commune)
    if text is not None and len(text) > MAX_INPUT_CHARS:
        raise ValueError(f"text: at most {MAX_INPUT_CHARS} characters")
    clean = _clean_text(text)

    try:
        if service_id is not None and not _service_exists(session, service_id):
            raise ValueError(f"unknown sociale kaart service {service_id!r}")
        key = None
        if conversation_key:
            key = dedup_key(conversation_key, signal_type, categories, commune_code, barrier, service_id)
            existing = session.scalars(select(Signal).where(Signal.dedup_key == key)).one_or_none()
            if existing is not None:
                existing.was_duplicate = True
                return existing
        day = today_in_brussels()
        signal = Signal(
            signal_type=signal_type,
            commune_code=commune_code,
            language=language,
            age_band=age_band,
            source=source,
            barrier=barrier,
            service_id=service_id,
            text=clean,
            dedup_key=key,
            created_on=day,
            month=day.replace(day=1),
            status="new",
        )
        signal.categories = [
            SignalCategory(category_id=c, signal_type=signal_type, commune_code=commune_code, month=signal.month)
            for c in categories
        ]
        session.add(signal)
        try:
            session.commit()
        except IntegrityError:
            # Two workers recorded the same need at the same moment: the other one won; count it once.
            session.rollback()
            existing = session.scalars(select(Signal).where(Signal.dedup_key == key)).one_or_none()
            if key is None or existing is None:
                raise
            existing.was_duplicate = True
            return existing
        signal.was_duplicate = False
        return signal
    except SQLAlchemyError as exc:
        # Never break the conversation: log what failed (no text, no ids) and carry on.
        logger.error("could not record a %s signal: %s", signal_type, type(exc).__name__)
        try:
            session.rollback()
        except SQLAlchemyError:
            logger.error("rollback after a failed signal write failed too")
        return None


def _clean_text(text: str | None) -> str | None:
    if text is None:
        return None
    clean = " ".join(scrub(text).split())
    if len(clean) > MAX_TEXT_CHARS:
        clean = clean[: MAX_TEXT_CHARS - 1].rstrip() + "…"
    return clean or None


def _service_exists(session: Session, service_id: str) -> bool:
    from kb.models import Service

    return session.get(Service, service_id) is not None


# ----------------------------------------------------------------------------------------- filters
@dataclass
class SignalFilter:
    date_from: date | None = None
    date_to: date | None = None
    types: list[str] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)  # NIS codes, or UNKNOWN_COMMUNE
    statuses: list[str] = field(default_factory=list)


def parse_day(value: str | None, name: str, end: bool = False) -> date | None:
    """YYYY-MM-DD or YYYY-MM (the first day, or with end=True the last day, of that month)."""
    if value is None or value == "":
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value.strip())
    if not match:
        raise ValueError(f"{name}: use YYYY-MM-DD or YYYY-MM, got {value[:20]!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{name}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
    try:
        if match.group(3):
            return date(year, month, int(match.group(3)))
        first = date(year, month, 1)
    except ValueError:
        raise ValueError(f"{name}: not a date: {value[:20]!r}") from None
    if not end:
        return first
    return _add_months(first, 1).fromordinal(_add_months(first, 1).toordinal() - 1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def build_filter(
    date_from: str | None = None,
    date_to: str | None = None,
    types: list[str] | None = None,
    categories: list[str] | None = None,
    communes: list[str] | None = None,
    statuses: list[str] | None = None,
) -> SignalFilter:
    """Validate query parameters into a filter; ValueError with a readable message otherwise."""
    for name, values in (("type", types), ("category", categories), ("commune", communes), ("status", statuses)):
        if values and len(values) > MAX_FILTER_VALUES:
            raise ValueError(f"{name}: at most {MAX_FILTER_VALUES} values")
    f = SignalFilter(
        date_from=parse_day(date_from, "from"), date_to=parse_day(date_to, "to", end=True)
    )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValueError("from must not be after to")
    for t in _split(types):
        _one_of("type", t, SIGNAL_TYPES)
        f.types.append(t)
    for s in _split(statuses):
        _one_of("status", s, SIGNAL_STATUSES)
        f.statuses.append(s)
    f.categories = validate_categories(_split(categories))
    for c in _split(communes):
        f.communes.append(UNKNOWN_COMMUNE if c == UNKNOWN_COMMUNE else resolve_commune(c))
    return f


def _split(values: list[str] | None) -> list[str]:
    """Repeated parameters and comma-separated lists both work: ?type=a&type=b or ?type=a,b."""
    out: list[str] = []
    for v in values or []:
        out.extend(part.strip() for part in v.split(",") if part.strip())
    if len(out) > MAX_FILTER_VALUES:
        raise ValueError(f"at most {MAX_FILTER_VALUES} values per filter")
    return out


def _commune_condition(column, communes: list[str]):
    codes = [c for c in communes if c != UNKNOWN_COMMUNE]
    conditions = []
    if codes:
        conditions.append(column.in_(codes))
    if UNKNOWN_COMMUNE in communes:
        conditions.append(column.is_(None))
    from sqlalchemy import or_

    return or_(*conditions)


# ----------------------------------------------------------------------------------------- listing
def list_signals(session: Session, f: SignalFilter, limit: int = 50, offset: int = 0) -> tuple[list[Signal], int]:
    query = select(Signal)
    if f.date_from:
        query = query.where(Signal.created_on >= f.date_from)
    if f.date_to:
        query = query.where(Signal.created_on <= f.date_to)
    if f.types:
        query = query.where(Signal.signal_type.in_(f.types))
    if f.statuses:
        query = query.where(Signal.status.in_(f.statuses))
    if f.communes:
        query = query.where(_commune_condition(Signal.commune_code, f.communes))
    if f.categories:
        query = query.where(
            Signal.id.in_(select(SignalCategory.signal_id).where(SignalCategory.category_id.in_(f.categories)))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Signal.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def get_signal(session: Session, signal_id: int) -> Signal:
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise SignalNotFound(f"no signal {signal_id}")
    return signal


def signal_events(session: Session, signal_id: int) -> list[SignalEvent]:
    return list(
        session.scalars(select(SignalEvent).where(SignalEvent.signal_id == signal_id).order_by(SignalEvent.id))
    )


# ----------------------------------------------------------------------------------------- triage
def triage(session: Session, signal_id: int, user: User, status: str | None, note: str | None) -> Signal:
    """Change a signal's status (and/or add a note), audited with who and when. A status change is a
    compare-and-set, so two staff members triaging the same signal at once cannot both win."""
    _one_of("status", status, SIGNAL_STATUSES, required=False)
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"note: at most {MAX_NOTE_CHARS} characters")
    clean_note = " ".join(scrub(note).split()) if note else None
    if status is None and not clean_note:
        raise ValueError("give a new status, a note, or both")
    signal = get_signal(session, signal_id)
    current = signal.status
    target = status or current
    if target != current and target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise TriageConflict(f"a {current} signal can become: {allowed} (not {target})")
    now = datetime.now(UTC)
    values = {"status": target, "status_changed_at": now, "status_changed_by": user.id}
    if clean_note:
        values["note"] = clean_note
    result = session.execute(
        update(Signal).where(Signal.id == signal_id, Signal.status == current).values(**values)
    )
    if result.rowcount != 1:
        session.rollback()
        raise TriageConflict("this signal was changed by someone else in the meantime: reload it")
    session.add(
        SignalEvent(
            signal_id=signal_id, at=now, user_id=user.id, actor=user.email, from_status=current,
            to_status=target, note=clean_note,
        )
    )
    session.commit()
    session.refresh(signal)
    return signal


def mark_service_verified(session: Session, signal_id: int, user: User) -> datetime:
    """Staff checked (and corrected) the sociale kaart entry a data-quality signal points at.

    The kb has no "mark verified" function yet, so this sets the kb Service's own freshness fields
    (last_verified_at/by), which kb.hsds exports as HSDS metadata. Move to the kb's function once it has one.
    """
    from kb.models import Service

    signal = get_signal(session, signal_id)
    if signal.signal_type != "data_quality" or not signal.service_id:
        raise TriageConflict("only a data-quality signal points at a sociale kaart entry")
    service = session.get(Service, signal.service_id)
    if service is None:
        raise SignalNotFound(f"the sociale kaart entry {signal.service_id} no longer exists")
    now = datetime.now(UTC)
    service.last_verified_at = now
    service.last_verified_by = "ELZ Brussel"  # exported publicly in HSDS: no staff e-mail there
    session.add(
        SignalEvent(
            signal_id=signal_id, at=now, user_id=user.id, actor=user.email, from_status=signal.status,
            to_status=signal.status, note="sociale kaart entry marked verified",
        )
    )
    session.commit()
    return now


# ----------------------------------------------------------------------------------------- suppression
@dataclass(frozen=True)
class Published:
    count: int | None  # None when hidden
    display: str


def publish(count: int) -> Published:
    """One number on its own (a total): below 5 it is shown as '< 5'."""
    if 0 < count < SMALL_CELL:
        return Published(None, SMALL_LABEL)
    return Published(count, str(count))


def suppress(cells: dict[tuple, int]) -> dict[tuple, Published]:
    """Primary suppression (1-4 -> '< 5') plus complementary suppression ('x'), see the module docstring.

    cells: counts keyed by tuples of equal length (one element per dimension); zero cells are absent.
    """
    hidden: dict[tuple, str] = {k: SMALL_LABEL for k, n in cells.items() if 0 < n < SMALL_CELL}
    if cells:
        width = len(next(iter(cells)))
        # Lines: for each dimension, the cells equal in every other dimension; plus the whole table.
        groupings = [lambda k, d=d: k[:d] + k[d + 1 :] for d in range(width)] + [lambda k: ()]
        changed = bool(hidden)
        while changed:
            changed = False
            for line_of in groupings:
                lines: dict[tuple, list[tuple]] = defaultdict(list)
                for k in cells:
                    lines[line_of(k)].append(k)
                for members in lines.values():
                    hidden_here = sum(1 for k in members if k in hidden)
                    if hidden_here != 1:
                        continue
                    visible = [k for k in members if k not in hidden]
                    if not visible:
                        continue
                    smallest = min(visible, key=lambda k: (cells[k], _sort_key(k)))
                    hidden[smallest] = COMPLEMENT_LABEL
                    changed = True
    return {
        k: Published(None, hidden[k]) if k in hidden else Published(n, str(n)) for k, n in cells.items()
    }


def _sort_key(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


# ----------------------------------------------------------------------------------------- report
@dataclass
class ReportRow:
    key: dict[str, object]
    published: Published


@dataclass
class Report:
    group_by: list[str]
    month_from: date
    month_to: date
    rows: list[ReportRow]
    total: Published


def parse_group_by(value: str | None) -> list[str]:
    if not value:
        return ["type", "category", "commune", "month"]
    dims = [d.strip() for d in value.split(",") if d.strip()]
    unknown = [d for d in dims if d not in GROUP_DIMENSIONS]
    if unknown or not dims:
        raise ValueError(f"group_by: use a comma-separated subset of {', '.join(GROUP_DIMENSIONS)}")
    if len(set(dims)) != len(dims):
        raise ValueError("group_by: each dimension once")
    return dims


def report_months(f: SignalFilter) -> tuple[date, date]:
    """The whole months a report covers: from/to widened to month boundaries; default the last 12 months."""
    this_month = today_in_brussels().replace(day=1)
    month_to = f.date_to.replace(day=1) if f.date_to else this_month
    month_from = f.date_from.replace(day=1) if f.date_from else _add_months(month_to, -11)
    if month_from > month_to:
        raise ValueError("from must not be after to")
    months = (month_to.year - month_from.year) * 12 + month_to.month - month_from.month + 1
    if months > MAX_REPORT_MONTHS:
        raise ValueError(f"a report covers at most {MAX_REPORT_MONTHS} months")
    return month_from, month_to


def _report_query(group_by: list[str], f: SignalFilter, month_from: date, month_to: date,
                  status: str | None = None) -> Select:
    by_category = "category" in group_by or bool(f.categories)
    table = SignalCategory if by_category else Signal
    columns = {
        "type": table.signal_type,
        "category": SignalCategory.category_id,
        "commune": table.commune_code,
        "month": table.month,
    }
    selected = [columns[d].label(d) for d in group_by]
    if by_category and "category" not in group_by and len(f.categories) > 1:
        counter = func.count(distinct(SignalCategory.signal_id))  # a signal in two filtered categories: once
    else:
        counter = func.count()
    query = select(*selected, counter.label("n")).select_from(table)
    query = query.where(table.month >= month_from, table.month <= month_to)
    if f.types:
        query = query.where(table.signal_type.in_(f.types))
    if f.communes:
        query = query.where(_commune_condition(table.commune_code, f.communes))
    if f.categories:
        query = query.where(SignalCategory.category_id.in_(f.categories))
    if status is not None:
        if by_category:
            query = query.join(Signal, Signal.id == SignalCategory.signal_id)
        query = query.where(Signal.status == status)
    return query.group_by(*[columns[d] for d in group_by])


def build_report(session: Session, group_by: list[str], f: SignalFilter, status: str | None = None) -> Report:
    """Counts by the chosen dimensions over whole months, suppressed (see `suppress`)."""
    month_from, month_to = report_months(f)
    rows = session.execute(_report_query(group_by, f, month_from, month_to, status)).all()
    cells = {tuple(_month(r[i]) if d == "month" else r[i] for i, d in enumerate(group_by)): r[-1] for r in rows}
    published = suppress(cells)
    total = publish(_total(session, group_by, f, month_from, month_to, status, cells))
    ordered = sorted(published.items(), key=lambda item: _sort_key(item[0]))
    return Report(
        group_by=group_by,
        month_from=month_from,
        month_to=month_to,
        rows=[ReportRow(dict(zip(group_by, k, strict=True)), p) for k, p in ordered],
        total=total,
    )


def _total(session, group_by, f, month_from, month_to, status, cells) -> int:
    # Grouped by category, a signal with two categories is in two cells: count signals, not cells.
    if "category" not in group_by and len(f.categories) <= 1:
        return sum(cells.values())
    signals = _report_query(["type"], SignalFilter(types=f.types, communes=f.communes), month_from, month_to,
                            status)
    if f.categories:
        signals = _report_query(["type"], f, month_from, month_to, status)
        if len(f.categories) == 1:
            return sum(r[-1] for r in session.execute(signals).all())
    return sum(r[-1] for r in session.execute(signals).all())


def _month(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return str(value)[:7]  # SQLite may hand back text
