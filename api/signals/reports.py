"""Signal reports for the ELZ: counts by type, category, commune and month, suppressed; the escalation
report for the regional level."""

import gc
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session

from api.signals.filters import UNKNOWN_COMMUNE, SignalFilter, add_months, commune_condition
from api.signals.suppression import (
    SMALL_CELL,
    Published,
    pick,
    publish_split,
    sort_key,
    suppress_split,
)
from api.signals.triage import TRANSITIONS
from common.errors import InvalidInput
from dialogue.signal_models import Signal, SignalCategory, SignalCount
from dialogue.signal_recording import demo_count, today_in_brussels
from dialogue.vocabularies import BARRIERS, SIGNAL_STATUSES, SIGNAL_TYPES
from kb import geo, taxonomy

logger = logging.getLogger("api.signals")

MAX_REPORT_MONTHS = 120
GROUP_DIMENSIONS = ("type", "category", "commune", "month")

# Triage: new -> reviewed -> escalated / resolved_locally / dismissed; a closed signal can be reopened.


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
        raise InvalidInput(f"group_by: use a comma-separated subset of {', '.join(GROUP_DIMENSIONS)}")
    if len(set(dims)) != len(dims):
        raise InvalidInput("group_by: each dimension once")
    return dims


def report_months(f: SignalFilter) -> tuple[date, date]:
    """The whole months a report covers: from/to widened to month boundaries; default the last 12 months."""
    this_month = today_in_brussels().replace(day=1)
    month_to = f.date_to.replace(day=1) if f.date_to else this_month
    month_from = f.date_from.replace(day=1) if f.date_from else add_months(month_to, -11)
    if month_from > month_to:
        raise InvalidInput("from must not be after to")
    months = (month_to.year - month_from.year) * 12 + month_to.month - month_from.month + 1
    if months > MAX_REPORT_MONTHS:
        raise InvalidInput(f"a report covers at most {MAX_REPORT_MONTHS} months")
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
        demo_counter = demo_count(table.demo)
    query = select(*selected, counter.label("n"), demo_counter.label("demo_n")).select_from(table)
    query = _where_filtered(query.where(table.month >= month_from, table.month <= month_to), table, f)
    if status is not None:
        if by_category:
            query = query.join(Signal, Signal.id == SignalCategory.signal_id)
        query = query.where(Signal.status == status)
    # Group in the order of the report index (month, type, category, commune): PostgreSQL then streams an
    # index-only scan into the aggregate, without sorting or hashing a million rows.
    in_index_order = [d for d in ("month", "type", "category", "commune") if d in group_by]
    ordered = [columns[d] for d in in_index_order]
    return query.group_by(*ordered).order_by(*ordered)  # suppress() needs a deterministic order


def _where_filtered(query: Select, table: type[Signal] | type[SignalCategory], f: SignalFilter) -> Select:
    """The filter's types, communes and categories as conditions: `table` (the signals, or their per-category
    rows) gives the type and the commune, SignalCategory the category."""
    if f.types:
        query = query.where(table.signal_type.in_(f.types))
    if f.communes:
        query = query.where(commune_condition(table.commune_code, f.communes))
    if f.categories:
        query = query.where(SignalCategory.category_id.in_(f.categories))
    return query


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
    split = suppress_split(cells, demo_cells)
    shown = {"include": 0, "exclude": 1, "only": 2}[f.demo]
    with_demo = f.demo == "include"
    totals = publish_split(*_total(session, group_by, f, month_from, month_to, status, cells,
                                               demo_cells))
    dims = tuple(group_by)
    return Report(
        group_by=group_by,
        month_from=month_from,
        month_to=month_to,
        rows=[
            ReportRow(k, p[shown], dims, p[2] if with_demo else None)
            for k, p in split.items()
            if pick(cells[k], demo_cells.get(k, 0), f.demo)
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
        month = add_months(month, 1)
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
        exact[(r[0], r[1], r[2])][_month(r[3])] = pick(r[4], r[5] or 0, f.demo)
        exact_all[(r[0], r[1], r[2])] += r[4]
        exact_demo[(r[0], r[1], r[2])] += int(r[5] or 0)
    labels = month_labels(report.month_from, report.month_to)
    notes = _escalation_notes(session, f, report.month_from, report.month_to)
    groups = []
    for key in sorted(shown, key=sort_key):
        counts = exact[key]
        totals = publish_split(exact_all[key], exact_demo[key])  # all, real, demo
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
    query = _where_filtered(query, Signal, f)
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
