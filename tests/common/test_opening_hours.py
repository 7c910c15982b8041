"""Opening hours of the onthaal: the setting's format, weekdays in Brussels time, Belgian public holidays."""

from datetime import UTC, date, datetime, time

import pytest

from common.config import ConfigError, load_settings
from common.opening_hours import (
    BRUSSELS,
    OpeningHoursError,
    belgian_public_holidays,
    easter_sunday,
    is_open,
    opens_today_at,
    parse_opening_hours,
)

WEEK = "mon=09:00-12:00,13:00-17:00;tue=09:00-17:00;wed=09:00-17:00;thu=09:00-17:00;fri=09:00-16:00"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


@pytest.mark.parametrize(("year", "easter"), [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                              (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                              (2038, date(2038, 4, 25))])
def test_easter(year, easter):
    assert easter_sunday(year) == easter


def test_belgian_public_holidays_2026():
    assert sorted(belgian_public_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 25),
        date(2026, 7, 21), date(2026, 8, 15), date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 25),
    ]


@pytest.mark.parametrize(("moment", "open_"), [
    (at(2026, 11, 23, 10, 0), True),     # Monday morning
    (at(2026, 11, 23, 12, 30), False),   # Monday lunch break
    (at(2026, 11, 23, 16, 59), True),
    (at(2026, 11, 23, 17, 0), False),    # a range ends before its end time
    (at(2026, 11, 27, 16, 30), False),   # Friday closes at 16:00
    (at(2026, 11, 22, 10, 0), False),    # Sunday: not in the setting
    (at(2026, 11, 11, 10, 0), False),    # Armistice, a Wednesday
    (at(2026, 4, 6, 10, 0), False),      # Easter Monday
    (at(2026, 5, 14, 10, 0), False),     # Ascension Day, a Thursday
    (datetime(2026, 11, 23, 8, 30, tzinfo=UTC), True),  # 09:30 in Brussels (UTC+1 in winter)
    (datetime(2026, 7, 20, 15, 30, tzinfo=UTC), False),  # 17:30 in Brussels (UTC+2 in summer)
])
def test_is_open(moment, open_):
    assert is_open(WEEK, moment) is open_


def test_next_opening_today():
    assert opens_today_at(WEEK, at(2026, 11, 23, 12, 15)) == time(13, 0)
    assert opens_today_at(WEEK, at(2026, 11, 23, 18, 0)) is None


def test_all_day_ranges_and_several_ranges_parse():
    assert parse_opening_hours("sat=00:00-24:00") == {5: ((0, 1440),)}
    assert parse_opening_hours(WEEK)[0] == ((540, 720), (780, 1020))


@pytest.mark.parametrize("spec", ["mon=9-17", "monday=09:00-17:00", "mon=17:00-09:00", "mon=09:00",
                                  "mon=09:00-25:00", "mon=09:00-17:00;mon=10:00-11:00", "mon 09:00-17:00"])
def test_a_wrong_setting_is_refused_with_one_readable_line(spec):
    with pytest.raises(OpeningHoursError):
        parse_opening_hours(spec)
    with pytest.raises(ConfigError, match="ONTHAAL_OPENING_HOURS"):
        load_settings(onthaal_opening_hours=spec)
