"""The filters of signal lists and reports (period, type, category, commune, status, demo)."""

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_

from api.signals.suppression import check_demo_filter
from common.errors import InvalidInput
from dialogue.signal_recording import one_of, resolve_commune, validate_categories
from dialogue.vocabularies import SIGNAL_STATUSES, SIGNAL_TYPES

MAX_FILTER_VALUES = 50  # per filter parameter
MIN_YEAR, MAX_YEAR = 2000, 2100
UNKNOWN_COMMUNE = "unknown"


# ----------------------------------------------------------------------------------------- filters
@dataclass
class SignalFilter:
    date_from: date | None = None
    date_to: date | None = None
    types: list[str] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)  # NIS codes, or UNKNOWN_COMMUNE
    statuses: list[str] = field(default_factory=list)
    demo: str = "include"  # DEMO_FILTERS: all signals, real ones only, demo ones only


def parse_day(value: str | None, name: str, end: bool = False) -> date | None:
    """YYYY-MM-DD or YYYY-MM (the first day, or with end=True the last day, of that month)."""
    if value is None or value == "":
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value.strip())
    if not match:
        raise InvalidInput(f"{name}: use YYYY-MM-DD or YYYY-MM, got {value[:20]!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"{name}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
    try:
        if match.group(3):
            return date(year, month, int(match.group(3)))
        first = date(year, month, 1)
    except ValueError:
        raise InvalidInput(f"{name}: not a date: {value[:20]!r}") from None
    if not end:
        return first
    return date.fromordinal(add_months(first, 1).toordinal() - 1)


def add_months(month: date, n: int) -> date:
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
            raise InvalidInput(f"{name}: at most {MAX_FILTER_VALUES} values")
    f = SignalFilter(
        date_from=parse_day(date_from, "from"), date_to=parse_day(date_to, "to", end=True),
        demo=check_demo_filter(demo),
    )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InvalidInput("from must not be after to")
    for t in _split(types):
        one_of("type", t, SIGNAL_TYPES)
        f.types.append(t)
    for s in _split(statuses):
        one_of("status", s, SIGNAL_STATUSES)
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
        raise InvalidInput(f"at most {MAX_FILTER_VALUES} values per filter")
    return out


def commune_condition(column, communes: list[str]):
    codes = [c for c in communes if c != UNKNOWN_COMMUNE]
    conditions = []
    if codes:
        conditions.append(column.in_(codes))
    if UNKNOWN_COMMUNE in communes:
        conditions.append(column.is_(None))
    return or_(*conditions)


