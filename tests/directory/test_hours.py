"""When a service is open: HSDS 3.0 weekly schedules in the place's own time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import count
from typing import Any

import pytest

from bot.directory.hours import (
    DayHours,
    DayRange,
    OpenState,
    always_open,
    day_ranges,
    hours_rows,
    open_state,
    parse_byday,
    weekly_hours,
)
from bot.directory.models import Schedule

OPEN, CLOSED, UNKNOWN = OpenState.OPEN, OpenState.CLOSED, OpenState.UNKNOWN
_ids = count()


def schedule(**fields: Any) -> Schedule:
    fields.setdefault("freq", "WEEKLY")
    return Schedule(id=f"schedule-{next(_ids)}", **fields)


def office(byday: str = "MO,TU,WE,TH,FR", **fields: Any) -> Schedule:
    """09:00-17:00 on weekdays unless told otherwise."""
    return schedule(**({"byday": byday, "opens_at": time(9), "closes_at": time(17)} | fields))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# Bangkok is UTC+7 all year; Monday 3 June 2024.
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2024, 6, 3, 1, 59), CLOSED),  # 08:59
        (utc(2024, 6, 3, 2, 0), OPEN),  # 09:00
        (utc(2024, 6, 3, 9, 59), OPEN),  # 16:59
        (utc(2024, 6, 3, 10, 0), CLOSED),  # 17:00: closes_at is not open
        (utc(2024, 6, 1, 3, 0), CLOSED),  # Saturday 10:00
        (utc(2024, 6, 2, 20, 0), CLOSED),  # Sunday 20:00 UTC is Monday 03:00
    ],
)
def test_bangkok_office_hours(now: datetime, expected: OpenState) -> None:
    assert open_state([office()], "Asia/Bangkok", now) is expected


def test_new_york_across_the_march_change() -> None:
    # Clocks went from EST (UTC-5) to EDT (UTC-4) on Sunday 10 March 2024.
    hours = [office()]
    assert open_state(hours, "America/New_York", utc(2024, 3, 8, 13, 59)) is CLOSED  # Fri 08:59
    assert open_state(hours, "America/New_York", utc(2024, 3, 8, 14, 0)) is OPEN  # Fri 09:00
    assert open_state(hours, "America/New_York", utc(2024, 3, 11, 13, 0)) is OPEN  # Mon 09:00
    assert open_state(hours, "America/New_York", utc(2024, 3, 11, 12, 59)) is CLOSED  # 08:59
    assert open_state(hours, "America/New_York", utc(2024, 3, 11, 20, 59)) is OPEN  # 16:59
    assert open_state(hours, "America/New_York", utc(2024, 3, 11, 21, 0)) is CLOSED  # 17:00


def test_overnight_hours_across_the_change_night() -> None:
    # Saturday 22:00 to Sunday 06:00, the night the clocks go forward.
    night = [schedule(byday="SA", opens_at=time(22), closes_at=time(6))]
    zone = "America/New_York"
    assert open_state(night, zone, utc(2024, 3, 10, 2, 59)) is CLOSED  # Sat 21:59 EST
    assert open_state(night, zone, utc(2024, 3, 10, 3, 0)) is OPEN  # Sat 22:00 EST
    assert open_state(night, zone, utc(2024, 3, 10, 6, 30)) is OPEN  # Sun 01:30 EST
    assert open_state(night, zone, utc(2024, 3, 10, 9, 59)) is OPEN  # Sun 05:59 EDT
    assert open_state(night, zone, utc(2024, 3, 10, 10, 0)) is CLOSED  # Sun 06:00 EDT


def test_london_across_both_changes() -> None:
    hours = [office()]
    # GMT until Sunday 31 March 2024, then BST (UTC+1).
    assert open_state(hours, "Europe/London", utc(2024, 3, 29, 8, 30)) is CLOSED  # Fri 08:30
    assert open_state(hours, "Europe/London", utc(2024, 4, 1, 8, 30)) is OPEN  # Mon 09:30
    assert open_state(hours, "Europe/London", utc(2024, 4, 1, 16, 30)) is CLOSED  # Mon 17:30
    # Back to GMT on Sunday 27 October 2024.
    assert open_state(hours, "Europe/London", utc(2024, 10, 25, 16, 30)) is CLOSED  # 17:30 BST
    assert open_state(hours, "Europe/London", utc(2024, 10, 28, 16, 30)) is OPEN  # 16:30 GMT


def test_a_fixed_offset_would_be_wrong_in_summer() -> None:
    # The HSDS offset (UTC+0) is only a fallback: the IANA zone wins.
    hours = [office(timezone=0.0)]
    assert open_state(hours, None, utc(2024, 4, 1, 16, 30)) is OPEN
    assert open_state(hours, "Europe/London", utc(2024, 4, 1, 16, 30)) is CLOSED


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2024, 6, 7, 14, 59), CLOSED),  # Fri 21:59 Bangkok
        (utc(2024, 6, 7, 15, 0), OPEN),  # Fri 22:00
        (utc(2024, 6, 7, 22, 59), OPEN),  # Sat 05:59, from Friday night
        (utc(2024, 6, 7, 23, 0), CLOSED),  # Sat 06:00
        (utc(2024, 6, 8, 22, 0), OPEN),  # Sun 05:00, from Saturday night
        (utc(2024, 6, 9, 19, 0), CLOSED),  # Mon 02:00: no Sunday night
    ],
)
def test_overnight(now: datetime, expected: OpenState) -> None:
    night = [schedule(byday="FR,SA", opens_at=time(22), closes_at=time(6))]
    assert open_state(night, "Asia/Bangkok", now) is expected


def test_the_schedule_offset_when_the_location_has_no_zone() -> None:
    hours = [office(timezone=7.0)]
    assert open_state(hours, None, utc(2024, 6, 3, 2, 0)) is OPEN
    assert open_state(hours, None, utc(2024, 6, 3, 1, 59)) is CLOSED
    # Half-hour offsets (India) work too.
    assert open_state([office(timezone=5.5)], None, utc(2024, 6, 3, 3, 30)) is OPEN


def test_no_time_zone_is_unknown() -> None:
    assert open_state([office()], None, utc(2024, 6, 3, 5, 0)) is UNKNOWN
    assert open_state([office()], "", utc(2024, 6, 3, 5, 0)) is UNKNOWN
    # A misspelt zone is not UTC.
    assert open_state([office()], "Asia/Bangkokk", utc(2024, 6, 3, 5, 0)) is UNKNOWN
    assert open_state([office(timezone=7.0)], "Asia/Bangkokk", utc(2024, 6, 3, 5, 0)) is OPEN


def test_no_schedule_is_unknown() -> None:
    assert open_state([], "Asia/Bangkok", utc(2024, 6, 3, 5, 0)) is UNKNOWN


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        open_state([office()], "Asia/Bangkok", datetime(2024, 6, 3, 5, 0))


def test_byday_tolerates_case_and_spaces() -> None:
    hours = [office(byday=" mo , Tu,we,,th ,FR ")]
    assert open_state(hours, "Asia/Bangkok", utc(2024, 6, 3, 5, 0)) is OPEN
    assert parse_byday(" mo , Tu") == frozenset({0, 1})
    assert parse_byday(None) == frozenset()


@pytest.mark.parametrize("byday", ["MO-FR", "1MO", "Monday"])
def test_byday_not_understood_is_unknown(byday: str) -> None:
    assert parse_byday(byday) is None
    assert open_state([office(byday=byday)], "Asia/Bangkok", utc(2024, 6, 3, 5, 0)) is UNKNOWN


@pytest.mark.parametrize(
    "fields",
    [
        {"freq": "MONTHLY", "bymonthday": "1"},
        {"interval": 2},
        {"count": 10},
        {"freq": None, "byday": None, "description": "Mon-Fri 9-5"},
        {"freq": "WEEKLY", "byday": None},  # no BYDAY and no DTSTART
        {"closes_at": None},  # only one of the two times
        {"opens_at": time(9), "closes_at": time(9)},  # equal times other than midnight
    ],
)
def test_rules_not_understood_are_unknown(fields: dict[str, Any]) -> None:
    base: dict[str, Any] = {"byday": "MO,TU,WE,TH,FR", "opens_at": time(9), "closes_at": time(17)}
    assert open_state([schedule(**(base | fields))], "Asia/Bangkok", utc(2024, 6, 3, 5, 0)) is (
        UNKNOWN
    )


def test_weekly_without_byday_repeats_on_the_dtstart_weekday() -> None:
    wednesdays = [
        schedule(dtstart=date(2024, 1, 3), opens_at=time(9), closes_at=time(17), byday=None)
    ]
    assert open_state(wednesdays, "Asia/Bangkok", utc(2024, 6, 5, 5, 0)) is OPEN
    assert open_state(wednesdays, "Asia/Bangkok", utc(2024, 6, 4, 5, 0)) is CLOSED


def test_daily_and_no_freq() -> None:
    daily = [schedule(freq="daily", opens_at=time(9), closes_at=time(17))]
    assert open_state(daily, "Asia/Bangkok", utc(2024, 6, 8, 5, 0)) is OPEN  # Saturday
    no_freq = [schedule(freq=None, byday="SA", opens_at=time(9), closes_at=time(17))]
    assert open_state(no_freq, "Asia/Bangkok", utc(2024, 6, 8, 5, 0)) is OPEN


def test_a_day_without_times_is_open_all_day() -> None:
    weekend = [schedule(byday="SA,SU")]
    assert open_state(weekend, "Asia/Bangkok", utc(2024, 6, 7, 17, 0)) is OPEN  # Sat 00:00
    assert open_state(weekend, "Asia/Bangkok", utc(2024, 6, 9, 16, 59)) is OPEN  # Sun 23:59
    assert open_state(weekend, "Asia/Bangkok", utc(2024, 6, 9, 17, 0)) is CLOSED  # Mon 00:00


ALL = "MO,TU,WE,TH,FR,SA,SU"


@pytest.mark.parametrize(
    "hours",
    [
        {},
        {"opens_at": time(0), "closes_at": time(0)},
        {"opens_at": time(0), "closes_at": time(23, 59)},
        {"opens_at": time(0), "closes_at": time(23, 59, 59)},
    ],
)
def test_24_7_is_open_even_without_a_zone(hours: dict[str, Any]) -> None:
    always = [schedule(byday=ALL, **hours)]
    for now in (utc(2024, 6, 3, 16, 59, 30), utc(2024, 6, 3, 17, 0), utc(2024, 3, 10, 7, 0)):
        assert open_state(always, None, now) is OPEN
        assert open_state(always, "Asia/Bangkok", now) is OPEN
    assert always_open(always)


def test_closing_at_23_59_means_midnight() -> None:
    evening = [schedule(byday="MO", opens_at=time(18), closes_at=time(23, 59))]
    assert open_state(evening, "Asia/Bangkok", utc(2024, 6, 3, 16, 59, 30)) is OPEN  # 23:59:30
    assert open_state(evening, "Asia/Bangkok", utc(2024, 6, 3, 17, 0)) is CLOSED  # Tue 00:00


def test_an_expired_schedule_is_unknown_not_closed() -> None:
    expired = [office(valid_to=date(2023, 12, 31))]
    # Monday 09:00 Bangkok: the old timetable would say open, but it is stale.
    assert open_state(expired, "Asia/Bangkok", utc(2024, 6, 3, 2, 0)) is UNKNOWN
    assert open_state(expired, "Asia/Bangkok", utc(2024, 6, 3, 12, 0)) is UNKNOWN
    # Nor does a 24/7 rule that has expired say open.
    assert open_state([schedule(byday=ALL, until=date(2023, 12, 31))], None, utc(2024, 6, 3)) is (
        UNKNOWN
    )


def test_validity_dates_are_local_and_inclusive() -> None:
    hours = [office(valid_from=date(2024, 6, 3), valid_to=date(2024, 6, 3))]
    assert open_state(hours, "Asia/Bangkok", utc(2024, 6, 3, 2, 0)) is OPEN
    assert open_state(hours, "Asia/Bangkok", utc(2024, 6, 3, 12, 0)) is CLOSED  # 19:00, in force
    assert open_state(hours, "Asia/Bangkok", utc(2024, 6, 4, 2, 0)) is UNKNOWN  # the next day
    # Sunday 2 June 18:00 UTC is already Monday 3 June 01:00 in Bangkok: in force.
    assert open_state(hours, "Asia/Bangkok", utc(2024, 6, 2, 18, 0)) is CLOSED


def test_a_future_schedule_is_unknown() -> None:
    assert open_state(
        [office(valid_from=date(2025, 1, 1))], "Asia/Bangkok", utc(2024, 6, 3, 2)
    ) is (UNKNOWN)


def test_seasonal_schedules() -> None:
    summer = office(valid_from=date(2024, 6, 1), valid_to=date(2024, 8, 31))
    winter = office(byday="SA", valid_from=date(2024, 9, 1), valid_to=date(2025, 5, 31))
    assert open_state([summer, winter], "Asia/Bangkok", utc(2024, 6, 3, 2, 0)) is OPEN
    assert open_state([summer, winter], "Asia/Bangkok", utc(2024, 6, 8, 2, 0)) is CLOSED  # Sat
    assert open_state([summer, winter], "Asia/Bangkok", utc(2024, 9, 7, 2, 0)) is OPEN  # Sat


def test_schedules_combine() -> None:
    morning = office(opens_at=time(9), closes_at=time(12))
    afternoon = office(opens_at=time(13), closes_at=time(17))
    puzzling = office(byday="MO-FR")
    zone = "Asia/Bangkok"
    assert open_state([morning, afternoon], zone, utc(2024, 6, 3, 7, 0)) is OPEN  # 14:00
    assert open_state([morning, afternoon], zone, utc(2024, 6, 3, 5, 30)) is CLOSED  # lunch
    # What is not understood might be open: closed becomes unknown, open stays open.
    assert open_state([morning, puzzling], zone, utc(2024, 6, 3, 5, 30)) is UNKNOWN
    assert open_state([morning, puzzling], zone, utc(2024, 6, 3, 3, 0)) is OPEN
    # An expired rule that is not understood says nothing.
    old = office(byday="MO-FR", valid_to=date(2020, 1, 1))
    assert open_state([morning, old], zone, utc(2024, 6, 3, 5, 30)) is CLOSED


def test_weekly_hours_and_day_ranges() -> None:
    hours = weekly_hours(
        [
            office(),
            schedule(byday="sa", opens_at=time(10), closes_at=time(14)),
            schedule(byday="FR,SA", opens_at=time(22), closes_at=time(6)),
            office(byday="MO-FR"),  # not understood: left out
        ]
    )
    assert hours == [
        DayHours("MO", time(9), time(17)),
        DayHours("TU", time(9), time(17)),
        DayHours("WE", time(9), time(17)),
        DayHours("TH", time(9), time(17)),
        DayHours("FR", time(9), time(17)),
        DayHours("FR", time(22), time(6)),
        DayHours("SA", time(10), time(14)),
        DayHours("SA", time(22), time(6)),
    ]
    assert day_ranges(hours) == [
        DayRange("MO", "TH", ((time(9), time(17)),)),
        DayRange("FR", "FR", ((time(9), time(17)), (time(22), time(6)))),
        DayRange("SA", "SA", ((time(10), time(14)), (time(22), time(6)))),
    ]


def test_weekly_hours_all_day_and_validity() -> None:
    hours = [
        schedule(byday=ALL, opens_at=time(0), closes_at=time(23, 59)),
        office(valid_to=date(2020, 1, 1)),
    ]
    assert weekly_hours(hours, on=date(2024, 6, 3)) == [
        DayHours(day, None, None) for day in ALL.split(",")
    ]
    assert day_ranges(weekly_hours(hours)) == [DayRange("MO", "SU", ((None, None),))]
    assert always_open(hours)
    assert not always_open([office()])
    # Closed days break a range.
    assert day_ranges(weekly_hours([office(byday="MO,TU,TH")])) == [
        DayRange("MO", "TU", ((time(9), time(17)),)),
        DayRange("TH", "TH", ((time(9), time(17)),)),
    ]


def test_hours_rows_are_json_safe() -> None:
    hours = weekly_hours(
        [
            office(byday="MO"),
            schedule(byday="FR", opens_at=time(22), closes_at=time(6)),
            schedule(byday="SU"),
        ]
    )
    assert hours_rows(hours) == [
        ["MO", "09:00", "17:00"],
        ["FR", "22:00", "06:00"],
        ["SU", "00:00", "24:00"],
    ]
