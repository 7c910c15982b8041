"""The onthaal's opening hours: ranges per weekday (Brussels time), closed on Belgian public holidays.

Setting format (ONTHAAL_OPENING_HOURS): "mon=09:00-17:00;tue=09:00-12:00,13:00-17:00;..." — a day left out is
closed; "24:00" ends a range at midnight. Public holidays are computed: the fixed ones and those that follow
Easter (Easter Monday, Ascension Day, Whit Monday).
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Belgian public holidays on a fixed date: New Year, Labour Day, National Day, Assumption, All Saints,
# Armistice, Christmas.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25))

Ranges = tuple[tuple[int, int], ...]  # minutes since midnight, [start, end)


class OpeningHoursError(ValueError):
    pass


def _minutes(text: str) -> int:
    try:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise OpeningHoursError(f"{text!r} is not a time such as 09:00") from None
    if not (0 <= int(minutes) < 60 and 0 <= value <= 24 * 60):
        raise OpeningHoursError(f"{text!r} is not a time between 00:00 and 24:00")
    return value


@lru_cache
def parse_opening_hours(spec: str) -> dict[int, Ranges]:
    """{weekday (0 = Monday): ((start, end), ...)}; raises OpeningHoursError with what is wrong."""
    week: dict[int, Ranges] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        day, sep, ranges = part.partition("=")
        day = day.strip().lower()
        if not sep or day not in WEEKDAYS:
            raise OpeningHoursError(f"{part!r}: write a day as mon..sun followed by =09:00-17:00")
        if WEEKDAYS.index(day) in week:
            raise OpeningHoursError(f"{day} appears twice")
        parsed = []
        for item in filter(None, (r.strip() for r in ranges.split(","))):
            start, dash, end = item.partition("-")
            if not dash:
                raise OpeningHoursError(f"{item!r}: write a range as 09:00-17:00")
            begin, finish = _minutes(start), _minutes(end)
            if begin >= finish:
                raise OpeningHoursError(f"{item!r}: the range ends before it starts")
            parsed.append((begin, finish))
        week[WEEKDAYS.index(day)] = tuple(sorted(parsed))
    return week


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    day = (h + leap - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@lru_cache
def belgian_public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    moving = (easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50))
    return frozenset({date(year, month, day) for month, day in FIXED_HOLIDAYS} | set(moving))


def is_open(spec: str, when: datetime) -> bool:
    """Whether the onthaal is open at `when` (an aware datetime; naive means Brussels time)."""
    local = when.astimezone(BRUSSELS) if when.tzinfo else when.replace(tzinfo=BRUSSELS)
    if local.date() in belgian_public_holidays(local.year):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in parse_opening_hours(spec).get(local.weekday(), ()))


def opens_today_at(spec: str, when: datetime) -> time | None:
    """The next opening time later today (Brussels), if any; for telling a citizen when to come back."""
    local = when.astimezone(BRUSSELS)
    if local.date() in belgian_public_holidays(local.year):
        return None
    minute = local.hour * 60 + local.minute
    for start, _end in parse_opening_hours(spec).get(local.weekday(), ()):
        if start > minute:
            return time(start // 60, start % 60)
    return None
