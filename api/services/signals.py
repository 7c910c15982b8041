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

import gc
import hashlib
import hmac
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, delete, distinct, func, insert, literal, or_, select, update
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
    SignalCount,
    SignalEvent,
    User,
)
from api.services import signal_demo
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


def forget_key(conversation_key: str) -> str:
    """A keyed hash of the conversation alone, kept on its signals only so that "forget this conversation"
    can find them (api.services.retention) and clear their text and keys."""
    message = "gbo signal forget key\x1f" + conversation_key
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
    clean = _clean_text(text, language)

    try:
        if service_id is not None and not _service_exists(session, service_id):
            raise ValueError(f"unknown sociale kaart service {service_id!r}")
        demo = signal_demo.is_demo_signal(session, categories, service_id)
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
            forget_key=forget_key(conversation_key) if conversation_key else None,
            created_on=day,
            month=day.replace(day=1),
            status="new",
            demo=demo,
        )
        signal.categories = [
            SignalCategory(
                category_id=c, signal_type=signal_type, commune_code=commune_code, month=signal.month,
                demo=demo,
            )
            for c in categories
        ]
        session.add(signal)
        try:
            session.flush()
            _count(session, signal.month, signal_type, commune_code, categories, demo)
            session.commit()
        except IntegrityError:
            # Two workers recorded the same need at the same moment: the other one won; count it once.
            session.rollback()
            existing = session.scalars(select(Signal).where(Signal.dedup_key == key)).one_or_none()
            if key is None or existing is None:
                raise
            existing.was_duplicate = True
            return existing
    except SQLAlchemyError as exc:
        # Never break the conversation: log what failed (no text, no ids) and carry on.
        logger.error("could not record a %s signal: %s", signal_type, type(exc).__name__)
        try:
            session.rollback()
        except SQLAlchemyError:
            logger.error("rollback after a failed signal write failed too")
        return None
    try:
        session.refresh(signal)  # loaded, so the caller can still read it after closing its session
    except SQLAlchemyError:
        logger.warning("a signal was stored but could not be read back")
    signal.was_duplicate = False
    return signal


def _count(session: Session, month: date, signal_type: str, commune_code: str | None,
           categories: list[int], demo: bool = False) -> None:
    """Add one signal to the running counts (signal_count), in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    commune = commune_code or ""
    rows = [
        {"month": month, "signal_type": signal_type, "category_id": c, "commune_code": commune, "n": 1,
         "demo_n": int(demo)}
        for c in [0, *categories]
    ]
    statement = upsert(SignalCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["month", "signal_type", "category_id", "commune_code"],
        set_={"n": SignalCount.n + statement.excluded.n, "demo_n": SignalCount.demo_n + statement.excluded.demo_n},
    )
    session.execute(statement)


def rebuild_counts(session: Session) -> int:
    """Recompute signal_count from the signals (after a bulk load or a repair); returns the rows made."""
    session.execute(delete(SignalCount))
    columns = ["month", "signal_type", "category_id", "commune_code", "n", "demo_n"]
    per_signal = select(
        Signal.month, Signal.signal_type, literal(0), func.coalesce(Signal.commune_code, ""), func.count(),
        _demo_count(Signal.demo),
    ).group_by(Signal.month, Signal.signal_type, Signal.commune_code)
    per_category = select(
        SignalCategory.month, SignalCategory.signal_type, SignalCategory.category_id,
        func.coalesce(SignalCategory.commune_code, ""), func.count(), _demo_count(SignalCategory.demo),
    ).group_by(SignalCategory.month, SignalCategory.signal_type, SignalCategory.category_id,
               SignalCategory.commune_code)
    session.execute(insert(SignalCount).from_select(columns, per_signal))
    session.execute(insert(SignalCount).from_select(columns, per_category))
    session.commit()
    return session.scalar(select(func.count()).select_from(SignalCount)) or 0


def _demo_count(column):
    return func.coalesce(func.sum(case((column, 1), else_=0)), 0)


def _clean_text(text: str | None, language: str | None = None) -> str | None:
    if text is None:
        return None
    scrubbed = scrub(text, language, max_chars=2 * MAX_TEXT_CHARS)  # only the beginning is kept anyway
    if scrubbed is None:  # not scrubbed within its time budget: the signal is kept without its text
        logger.warning("signal recorded without its text: scrubbing ran past its time budget")
        return None
    clean = " ".join(scrubbed.split())
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
    demo: str = "include"  # signal_demo.DEMO_FILTERS: all signals, real ones only, demo ones only


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
    return date.fromordinal(_add_months(first, 1).toordinal() - 1)


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
    demo: str | None = None,
) -> SignalFilter:
    """Validate query parameters into a filter; ValueError with a readable message otherwise."""
    named = (("type", types), ("category", categories), ("commune", communes), ("status", statuses))
    for name, values in named:
        if values and len(values) > MAX_FILTER_VALUES:
            raise ValueError(f"{name}: at most {MAX_FILTER_VALUES} values")
    f = SignalFilter(
        date_from=parse_day(date_from, "from"), date_to=parse_day(date_to, "to", end=True),
        demo=signal_demo.check_filter(demo),
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
    return or_(*conditions)


# ----------------------------------------------------------------------------------------- listing
def list_signals(
    session: Session, f: SignalFilter, limit: int = 50, offset: int = 0
) -> tuple[list[Signal], int]:
    query = select(Signal)
    if f.date_from:
        query = query.where(Signal.created_on >= f.date_from)
    if f.date_to:
        query = query.where(Signal.created_on <= f.date_to)
    if f.types:
        query = query.where(Signal.signal_type.in_(f.types))
    if f.statuses:
        query = query.where(Signal.status.in_(f.statuses))
    if f.demo != "include":
        query = query.where(Signal.demo.is_(f.demo == "only"))
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
    query = select(SignalEvent).where(SignalEvent.signal_id == signal_id).order_by(SignalEvent.id)
    return list(session.scalars(query))


# ----------------------------------------------------------------------------------------- triage
def triage(session: Session, signal_id: int, user: User, status: str | None, note: str | None) -> Signal:
    """Change a signal's status (and/or add a note), audited with who and when. A status change is a
    compare-and-set, so two staff members triaging the same signal at once cannot both win."""
    _one_of("status", status, SIGNAL_STATUSES, required=False)
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"note: at most {MAX_NOTE_CHARS} characters")
    scrubbed_note = scrub(note) if note else None
    if note and scrubbed_note is None:
        raise ValueError("note: could not be checked for personal data in time; shorten it and try again")
    clean_note = " ".join(scrubbed_note.split()) if scrubbed_note else None
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
class Published(NamedTuple):
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
    Which cell becomes a complement depends on the order of `cells` among equal counts: pass them in a
    deterministic order (build_report has the database sort them).
    A line is the set of cells equal in every dimension but one, or the whole table. Whenever a line holds
    exactly one hidden cell, its smallest visible cell is hidden too; that can make another line hold one
    hidden cell, so this runs as a work queue until no line does. Linear in the number of cells (times the
    number of dimensions), which keeps a report over a million signals well under a second.
    """
    if not cells:
        return {}
    keys = list(cells)
    counts = list(cells.values())
    hidden = bytearray(len(keys))  # 0 visible, 1 small cell, 2 complement
    width = len(keys[0])
    # Line of a cell along dimension d: its key without element d; along `width`: the whole table.
    line_key = [itemgetter(*[x for x in range(width) if x != d]) for d in range(width)] if width > 1 else []
    if width == 1:
        line_key = [lambda _k: ()]
    # Lines are numbered; line_of[d][i] is the number of cell i's line along d (plain ints: hide() runs
    # for every hidden cell, and tuple keys made it most of a large report's time).
    smallest_first = sorted(range(len(keys)), key=counts.__getitem__)  # stable: ties in cell order
    members: list[list[int]] = []  # line number -> its cells, smallest first
    line_of: list[list[int]] = []
    for get in line_key:
        line_keys = list(map(get, keys))
        number = {lk: n for n, lk in enumerate(dict.fromkeys(line_keys), start=len(members))}
        ids = [number[lk] for lk in line_keys]
        members.extend([] for _ in range(len(number)))
        for i in smallest_first:
            members[ids[i]].append(i)
        line_of.append(ids)
    line_of.append([len(members)] * len(keys))
    members.append(smallest_first)
    hidden_in = [0] * len(members)
    first_visible: dict[int, int] = {}  # line -> index in members[line] of its first maybe visible cell
    queue: list[int] = []

    def hide(i: int, label: int) -> None:
        hidden[i] = label
        for ids in line_of:
            line = ids[i]
            hidden_in[line] += 1
            if hidden_in[line] == 1:
                queue.append(line)

    for i, n in enumerate(counts):
        if 0 < n < SMALL_CELL:
            hide(i, 1)
    while queue:
        line = queue.pop()
        if hidden_in[line] != 1:
            continue
        ordered = members[line]
        if len(ordered) < 2:
            continue  # a lone cell: the line's total is the cell itself, published by the same rule
        i = first_visible.get(line, 0)
        while i < len(ordered) and hidden[ordered[i]]:
            i += 1
        first_visible[line] = i
        if i < len(ordered):
            hide(ordered[i], 2)
    shown = (None, Published(None, SMALL_LABEL), Published(None, COMPLEMENT_LABEL))
    visible = {n: Published(n, str(n)) for n in set(counts)}  # immutable: share one per distinct count
    return {k: shown[hidden[i]] if hidden[i] else visible[counts[i]] for i, k in enumerate(keys)}


def _sort_key(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


# ----------------------------------------------------------------------------------------- report
class ReportRow(NamedTuple):
    values: tuple  # one value per group_by dimension
    published: Published
    group_by: tuple[str, ...]
    demo: Published | None = None  # how many of the count are demo signals (with the demo filter "include")

    @property
    def key(self) -> dict[str, object]:
        return dict(zip(self.group_by, self.values, strict=True))


@dataclass
class Report:
    group_by: list[str]
    month_from: date
    month_to: date
    rows: list[ReportRow]
    total: Published
    demo_total: Published | None = None  # with the demo filter "include"
    demo_filter: str = "include"


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
        demo_counter = func.count(distinct(case((SignalCategory.demo, SignalCategory.signal_id))))
    else:
        counter = func.count()
        demo_counter = _demo_count(table.demo)
    query = select(*selected, counter.label("n"), demo_counter.label("demo_n")).select_from(table)
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
    # Group in the order of the report index (month, type, category, commune): PostgreSQL then streams an
    # index-only scan into the aggregate, without sorting or hashing a million rows.
    in_index_order = [d for d in ("month", "type", "category", "commune") if d in group_by]
    ordered = [columns[d] for d in in_index_order]
    return query.group_by(*ordered).order_by(*ordered)  # suppress() needs a deterministic order


def _summary_query(group_by: list[str], f: SignalFilter, month_from: date, month_to: date) -> Select:
    """The same counts from signal_count (a few rows per cell instead of a row per signal)."""
    t = SignalCount
    columns = {"type": t.signal_type, "category": t.category_id, "commune": t.commune_code, "month": t.month}
    query = select(*[columns[d].label(d) for d in group_by], func.sum(t.n).label("n"), func.sum(t.demo_n))
    query = query.where(t.month >= month_from, t.month <= month_to)
    by_category = "category" in group_by or bool(f.categories)
    query = query.where(t.category_id > 0 if by_category else t.category_id == 0)
    if f.categories:
        query = query.where(t.category_id.in_(f.categories))
    if f.types:
        query = query.where(t.signal_type.in_(f.types))
    if f.communes:
        query = query.where(t.commune_code.in_(["" if c == UNKNOWN_COMMUNE else c for c in f.communes]))
    # Grouped and sorted in primary-key order: PostgreSQL streams the index into the aggregate, no sort.
    in_key_order = [columns[d] for d in ("month", "type", "category", "commune") if d in group_by]
    return query.group_by(*in_key_order).order_by(*in_key_order)


def _counts_query(group_by: list[str], f: SignalFilter, month_from: date, month_to: date,
                  status: str | None) -> Select:
    # The running counts answer everything except a status filter and "signals in any of these
    # categories" (which needs each signal once): those count the signals themselves.
    if status is None and not (len(f.categories) > 1 and "category" not in group_by):
        return _summary_query(group_by, f, month_from, month_to)
    return _report_query(group_by, f, month_from, month_to, status)


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """Pause Python's cycle collector while a report builds its tens of thousands of small objects: it
    would otherwise rescan all of them again and again (most of the CPU time of a large report). No cycles
    are made here; the collector resumes right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_report(session: Session, group_by: list[str], f: SignalFilter, status: str | None = None) -> Report:
    """Counts by the chosen dimensions over whole months, suppressed (see `suppress`)."""
    with without_gc_pauses():
        return _build_report(session, group_by, f, status)


def _build_report(session: Session, group_by: list[str], f: SignalFilter, status: str | None) -> Report:
    month_from, month_to = report_months(f)
    rows = _fetch_plain(session, _counts_query(group_by, f, month_from, month_to, status))
    cells, demo_cells = _cells(group_by, rows)
    # all / real / demo versions suppressed together; the filter picks which one the rows show
    split = signal_demo.suppress_split(cells, demo_cells)
    shown = {"include": 0, "exclude": 1, "only": 2}[f.demo]
    with_demo = f.demo == "include"
    totals = signal_demo.publish_split(*_total(session, group_by, f, month_from, month_to, status, cells,
                                               demo_cells))
    dims = tuple(group_by)
    return Report(
        group_by=group_by,
        month_from=month_from,
        month_to=month_to,
        rows=[
            ReportRow(k, p[shown], dims, p[2] if with_demo else None)
            for k, p in split.items()
            if signal_demo.pick(cells[k], demo_cells.get(k, 0), f.demo)
        ],
        total=totals[shown],
        demo_total=totals[2] if with_demo else None,
        demo_filter=f.demo,
    )


def _fetch_plain(session: Session, query: Select) -> list[tuple]:
    """Run a report query on the session's own connection and return plain tuples.

    Why: a report can have tens of thousands of cells; building SQLAlchemy Row objects for them costs
    more CPU than the query itself. Months come back as dates (PostgreSQL) or "YYYY-MM-DD" (SQLite).
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if connection.dialect.name == "sqlite":  # the driver gets ISO dates, as SQLAlchemy would send them
        params = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
    args = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def _cells(group_by: list[str], rows) -> tuple[dict[tuple, int], dict[tuple, int]]:
    """Cell keys with months as "YYYY-MM" and the unknown commune as None (signal_count stores "");
    the counts of all signals, and of the demo signals where there are any."""
    month_at = group_by.index("month") if "month" in group_by else None
    commune_at = group_by.index("commune") if "commune" in group_by else None
    months: dict[object, str] = {}
    cells: dict[tuple, int] = {}
    demo_cells: dict[tuple, int] = {}
    for row in rows:
        key = list(row)
        demo_n = key.pop()
        n = key.pop()
        if month_at is not None:
            value = key[month_at]
            key[month_at] = months.get(value) or months.setdefault(value, _month(value))
        if commune_at is not None and not key[commune_at]:
            key[commune_at] = None
        cells[tuple(key)] = int(n)
        if demo_n:
            demo_cells[tuple(key)] = int(demo_n)
    return cells, demo_cells


def _total(session, group_by, f, month_from, month_to, status, cells, demo_cells) -> tuple[int, int]:
    """The number of signals in the report, and of demo signals (not of cells: grouped by category, a
    signal with two categories is in two cells)."""
    if len(f.categories) == 1 or ("category" not in group_by and not f.categories):
        return sum(cells.values()), sum(demo_cells.values())  # every signal is in exactly one cell
    per_type = session.execute(_counts_query(["type"], f, month_from, month_to, status)).all()  # each once
    return sum(int(r[-2]) for r in per_type), sum(int(r[-1] or 0) for r in per_type)


def _month(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return str(value)[:7]  # SQLite may hand back text


# ----------------------------------------------------------------------------------------- escalation
@dataclass
class EscalationGroup:
    signal_type: str
    category_id: int
    commune_code: str | None
    months: dict[str, Published]  # "YYYY-MM" -> count of escalated signals that month
    total: Published
    trend: str  # "up", "down", "stable" or "" (too few signals to say)
    notes: list[str]
    demo: Published | None = None  # how many of the total are demo signals (demo filter "include")


@dataclass
class EscalationReport:
    month_from: date
    month_to: date
    months: list[str]
    groups: list[EscalationGroup]
    total: Published
    demo_total: Published | None = None
    demo_filter: str = "include"


def month_labels(month_from: date, month_to: date) -> list[str]:
    labels, month = [], month_from
    while month <= month_to:
        labels.append(month.strftime("%Y-%m"))
        month = _add_months(month, 1)
    return labels


def escalation_report(session: Session, f: SignalFilter) -> EscalationReport:
    """Escalated signals by type x category x commune, per month (the trend), suppressed like every
    report; with the staff's escalation notes, for the regional care zone (zorgraad)."""
    report = build_report(session, ["type", "category", "commune", "month"], f, status="escalated")
    exact: dict[tuple, dict[str, int]] = defaultdict(dict)
    exact_all: dict[tuple, int] = defaultdict(int)  # all signals and demo ones: for the split totals
    exact_demo: dict[tuple, int] = defaultdict(int)
    shown: dict[tuple, dict[str, Published]] = defaultdict(dict)
    for row in report.rows:
        key = (row.key["type"], row.key["category"], row.key["commune"])
        shown[key][str(row.key["month"])] = row.published
    dims = ["type", "category", "commune", "month"]
    for r in session.execute(_report_query(dims, f, report.month_from, report.month_to, "escalated")).all():
        exact[(r[0], r[1], r[2])][_month(r[3])] = signal_demo.pick(r[4], r[5] or 0, f.demo)
        exact_all[(r[0], r[1], r[2])] += r[4]
        exact_demo[(r[0], r[1], r[2])] += int(r[5] or 0)
    labels = month_labels(report.month_from, report.month_to)
    notes = _escalation_notes(session, f, report.month_from, report.month_to)
    groups = []
    for key in sorted(shown, key=_sort_key):
        counts = exact[key]
        totals = signal_demo.publish_split(exact_all[key], exact_demo[key])  # all, real, demo
        groups.append(
            EscalationGroup(
                signal_type=key[0], category_id=key[1], commune_code=key[2], months=shown[key],
                total=totals[{"include": 0, "exclude": 1, "only": 2}[f.demo]],
                trend=_trend(counts, labels), notes=notes.get(key, []),
                demo=totals[2] if f.demo == "include" else None,
            )
        )
    return EscalationReport(report.month_from, report.month_to, labels, groups, report.total,
                            report.demo_total, f.demo)


def _trend(counts: dict[str, int], labels: list[str]) -> str:
    """Second half of the period against the first; only when both halves hold at least 5 signals."""
    half = len(labels) // 2
    if half == 0:
        return ""
    first = sum(counts.get(m, 0) for m in labels[:half])
    second = sum(counts.get(m, 0) for m in labels[len(labels) - half :])
    if first < SMALL_CELL or second < SMALL_CELL:
        return ""
    if second > first * 1.2:
        return "up"
    if second < first * 0.8:
        return "down"
    return "stable"


def _escalation_notes(
    session: Session, f: SignalFilter, month_from: date, month_to: date
) -> dict[tuple, list[str]]:
    query = select(Signal.signal_type, SignalCategory.category_id, Signal.commune_code, Signal.note).join(
        SignalCategory, SignalCategory.signal_id == Signal.id
    ).where(Signal.status == "escalated", Signal.note.is_not(None), Signal.month >= month_from,
            Signal.month <= month_to)
    if f.types:
        query = query.where(Signal.signal_type.in_(f.types))
    if f.communes:
        query = query.where(_commune_condition(Signal.commune_code, f.communes))
    if f.categories:
        query = query.where(SignalCategory.category_id.in_(f.categories))
    notes: dict[tuple, list[str]] = defaultdict(list)
    for t, c, commune, note in session.execute(query.order_by(Signal.id).limit(2000)):
        if note not in notes[(t, c, commune)] and len(notes[(t, c, commune)]) < 10:
            notes[(t, c, commune)].append(note)
    return notes


def filter_options(session: Session) -> dict:
    """Values for the dashboard's filters: communes, the categories that occur in signals, statuses."""
    used = session.scalars(select(SignalCategory.category_id).distinct().limit(1000)).all()
    known = taxonomy.categories()
    return {
        "types": list(SIGNAL_TYPES),
        "statuses": list(SIGNAL_STATUSES),
        "transitions": {k: sorted(v, key=SIGNAL_STATUSES.index) for k, v in TRANSITIONS.items()},
        "barriers": list(BARRIERS),
        "communes": [{"code": c.code, "name_nl": c.name_nl, "name_fr": c.name_fr} for c in geo.communes()],
        "categories": sorted(
            (
                {"id": c, "title_nl": known[c].title_nl, "title_fr": known[c].title_fr}
                for c in used
                if c in known
            ),
            key=lambda c: c["title_nl"],
        ),
    }
