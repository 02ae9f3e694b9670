"""When a service is open, from its HSDS 3.0 schedules.

What a schedule row means here (decisions, so the presenter and the NGOs who
enter data read it the same way):

- Weekly rules only. `freq` WEEKLY (or no `freq` at all when `byday` is given)
  on the days of `byday`, a comma list of MO..SU; case and spaces are tolerated
  ("mo, Tu"). DAILY means every day (or the `byday` days when given). Ranges
  such as "MO-FR", ordinals ("1MO"), `interval` > 1, `count`, `byweekno`,
  `bymonthday`, `byyearday` and MONTHLY/YEARLY rules are not understood: such a
  schedule makes the answer UNKNOWN rather than a guess.
- Hours are the half-open span [opens_at, closes_at): a service open 09:00-17:00
  is open at 16:59 and closed at 17:00.
- No `opens_at` and no `closes_at` means open all day on those days. Only one of
  the two is not understood.
- `closes_at` 23:59 (any seconds) means "until midnight", so 00:00-23:59 is the
  whole day with no gap in the last minute.
- `opens_at` == `closes_at` == 00:00 is the whole day too; equal times other
  than midnight (09:00-09:00) are taken as a data error, not as 24 hours.
- "24/7" is therefore a rule on all seven days that is open all day: no times,
  00:00-00:00 or 00:00-23:59. It is OPEN even when no time zone is known,
  since it is open whatever the local time.
- `closes_at` before `opens_at` crosses midnight: 22:00-06:00 on FR is open from
  Friday 22:00 to Saturday 06:00. The day (and the validity dates) are those of
  the opening.
- `valid_from`/`valid_to` (and the RRULE's `dtstart`/`until`) are local dates,
  both inclusive. A schedule outside them says nothing: when no schedule is in
  force today the answer is UNKNOWN, not CLOSED. An expired timetable means the
  data is stale, not that the service shut (that is `service.status`), and a
  person told "closed" may not try at all.
- `description` is free text for people; it is never parsed. A row that is only
  a description is not understood.

Times are wall-clock times of the place: they are compared in the location's
IANA zone (right across daylight saving), else in the schedule's own UTC offset
(`schedule.timezone`, hours), else not at all (UNKNOWN).

Several schedules combine as: OPEN when any of them is open now; CLOSED when at
least one understood schedule is in force and none is open, and none of the
schedules is beyond understanding; UNKNOWN otherwise.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.directory.models import Schedule

# RFC 5545 day codes, in Python's weekday() order (Monday is 0).
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ALL_DAYS = frozenset(range(7))

_END_OF_DAY = 24 * 3600
# UTC offsets in use on Earth; a local date is never further than this from UTC.
_MIN_OFFSET_HOURS = -12.0
_MAX_OFFSET_HOURS = 14.0


class OpenState(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class DayHours(NamedTuple):
    """One opening span on a day of the week; opens and closes are None when open all day.

    An overnight span (22:00-06:00) is listed on the day it opens.
    """

    day: str
    opens: time | None
    closes: time | None


@dataclass(frozen=True)
class DayRange:
    """Consecutive days with the same spans, for "MO-FR 09:00-17:00"."""

    first: str
    last: str
    spans: tuple[tuple[time | None, time | None], ...]


@dataclass(frozen=True)
class _Rule:
    days: frozenset[int]
    opens: int  # seconds after local midnight
    closes: int  # seconds after local midnight; _END_OF_DAY is midnight; < opens crosses it
    first_day: date | None
    last_day: date | None

    @property
    def all_day(self) -> bool:
        return self.opens == 0 and self.closes == _END_OF_DAY

    def in_force(self, day: date) -> bool:
        return _in_force(self.first_day, self.last_day, day)

    def open_at(self, local: datetime) -> bool:
        today = local.date()
        now = _seconds(local.time())
        if self.closes > self.opens:
            return self._runs(today) and self.opens <= now < self.closes
        # Overnight: tonight's opening, or the one that started yesterday evening.
        yesterday = today - timedelta(days=1)
        return (self._runs(today) and now >= self.opens) or (
            self._runs(yesterday) and now < self.closes
        )

    def _runs(self, day: date) -> bool:
        return day.weekday() in self.days and self.in_force(day)

    def hours(self) -> tuple[time | None, time | None]:
        if self.all_day:
            return None, None
        return _time(self.opens), _time(self.closes)


def open_state(schedules: Sequence[Schedule], timezone: str | None, now: datetime) -> OpenState:
    """Whether a service is open at `now` (timezone-aware), by `schedules`.

    `timezone` is the IANA zone of the location (Location.timezone); without it
    each schedule's own UTC offset is used, and without that the hours of that
    schedule are unknown.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    location_zone = _iana_zone(timezone)
    in_force = False
    not_understood = False
    for schedule in schedules:
        zone = location_zone or _offset_zone(schedule.timezone)
        rule = _rule(schedule)
        if rule is None:
            # Beyond understanding, but only matters if it might apply today.
            first, last = _bounds(schedule)
            if _maybe_in_force(first, last, now, zone):
                not_understood = True
            continue
        if rule.days == ALL_DAYS and rule.all_day and _in_force_everywhere(rule, now):
            return OpenState.OPEN  # 24/7: open whatever the local time
        if zone is None:
            if _maybe_in_force(rule.first_day, rule.last_day, now, None):
                not_understood = True
            continue
        local = now.astimezone(zone)
        if rule.open_at(local):
            return OpenState.OPEN
        if rule.in_force(local.date()):
            in_force = True
    if in_force and not not_understood:
        return OpenState.CLOSED
    return OpenState.UNKNOWN


def weekly_hours(schedules: Sequence[Schedule], on: date | None = None) -> list[DayHours]:
    """The opening spans of the week, MO..SU, earliest first, from the understood schedules.

    With `on` (a local date), only the schedules in force that day. Schedules
    that are not understood are left out: when this is empty, show the
    schedules' `description` instead. A day open all day has a single
    DayHours(day, None, None).
    """
    spans: dict[int, set[tuple[time | None, time | None]]] = {}
    for schedule in schedules:
        rule = _rule(schedule)
        if rule is None or (on is not None and not rule.in_force(on)):
            continue
        for day in rule.days:
            spans.setdefault(day, set()).add(rule.hours())
    result: list[DayHours] = []
    for day in sorted(spans):
        day_spans = spans[day]
        if (None, None) in day_spans:
            day_spans = {(None, None)}
        for opens, closes in sorted(day_spans, key=lambda span: span[0] or time.min):
            result.append(DayHours(DAYS[day], opens, closes))
    return result


def day_ranges(hours: Sequence[DayHours]) -> list[DayRange]:
    """Group weekly_hours() into runs of consecutive days with the same spans.

    MO-FR 09:00-17:00 and SA 10:00-14:00 give two ranges; closed days are left out.
    """
    by_day: dict[str, list[tuple[time | None, time | None]]] = {}
    for entry in hours:
        by_day.setdefault(entry.day, []).append((entry.opens, entry.closes))
    ranges: list[DayRange] = []
    previous: int | None = None
    for index, code in enumerate(DAYS):
        if code not in by_day:
            continue
        spans = tuple(by_day[code])
        if ranges and previous == index - 1 and ranges[-1].spans == spans:
            ranges[-1] = DayRange(ranges[-1].first, code, spans)
        else:
            ranges.append(DayRange(code, code, spans))
        previous = index
    return ranges


def hours_rows(hours: Sequence[DayHours]) -> list[list[str]]:
    """weekly_hours() as JSON-safe rows for a message: [["MO", "09:00", "17:00"], ...].

    A day open all day is ["MO", "00:00", "24:00"]; an overnight span keeps its
    closing time as written (["FR", "22:00", "06:00"]). A day may have several rows.
    """
    return [
        [
            entry.day,
            entry.opens.strftime("%H:%M") if entry.opens is not None else "00:00",
            entry.closes.strftime("%H:%M") if entry.closes is not None else "24:00",
        ]
        for entry in hours
    ]


def always_open(schedules: Sequence[Schedule], on: date | None = None) -> bool:
    """True when the schedules say open all day on all seven days ("24/7")."""
    hours = weekly_hours(schedules, on)
    return {entry.day for entry in hours if entry.opens is None} == set(DAYS)


def parse_byday(byday: str | None) -> frozenset[int] | None:
    """Weekdays (Monday is 0) of a comma list such as "MO,TU, we"; None when not understood.

    An empty or missing list gives an empty set.
    """
    days: set[int] = set()
    for token in (byday or "").split(","):
        code = token.strip().upper()
        if not code:
            continue
        if code not in DAYS:
            return None
        days.add(DAYS.index(code))
    return frozenset(days)


def _rule(schedule: Schedule) -> _Rule | None:
    if (
        schedule.count is not None
        or schedule.interval not in (None, 1)
        or _given(schedule.byweekno)
        or _given(schedule.bymonthday)
        or _given(schedule.byyearday)
    ):
        return None
    days = parse_byday(schedule.byday)
    if days is None:
        return None
    freq = (schedule.freq or "").strip().upper()
    if freq == "DAILY":
        days = days or ALL_DAYS
    elif freq == "WEEKLY" or (not freq and days):
        if not days:
            # RFC 5545: a weekly rule without BYDAY repeats on the weekday of DTSTART.
            if schedule.dtstart is None:
                return None
            days = frozenset({schedule.dtstart.weekday()})
    else:
        return None
    span = _span(schedule.opens_at, schedule.closes_at)
    if span is None:
        return None
    first, last = _bounds(schedule)
    return _Rule(days, span[0], span[1], first, last)


def _span(opens: time | None, closes: time | None) -> tuple[int, int] | None:
    if opens is None and closes is None:
        return 0, _END_OF_DAY
    if opens is None or closes is None:
        return None
    start = _seconds(opens)
    end = _END_OF_DAY if (closes.hour, closes.minute) == (23, 59) else _seconds(closes)
    if start == end:
        return (0, _END_OF_DAY) if start == 0 else None
    return start, end


def _bounds(schedule: Schedule) -> tuple[date | None, date | None]:
    firsts = [d for d in (schedule.valid_from, schedule.dtstart) if d is not None]
    lasts = [d for d in (schedule.valid_to, schedule.until) if d is not None]
    return (max(firsts) if firsts else None, min(lasts) if lasts else None)


def _in_force(first: date | None, last: date | None, day: date) -> bool:
    return (first is None or first <= day) and (last is None or day <= last)


def _local_dates(now: datetime) -> list[date]:
    """Every date it can be somewhere on Earth at `now`."""
    earliest = (now + timedelta(hours=_MIN_OFFSET_HOURS)).astimezone(_dt.UTC).date()
    latest = (now + timedelta(hours=_MAX_OFFSET_HOURS)).astimezone(_dt.UTC).date()
    return [earliest + timedelta(days=n) for n in range((latest - earliest).days + 1)]


def _in_force_everywhere(rule: _Rule, now: datetime) -> bool:
    return all(rule.in_force(day) for day in _local_dates(now))


def _maybe_in_force(
    first: date | None, last: date | None, now: datetime, zone: tzinfo | None
) -> bool:
    if zone is not None:
        return _in_force(first, last, now.astimezone(zone).date())
    return any(_in_force(first, last, day) for day in _local_dates(now))


def _iana_zone(name: str | None) -> tzinfo | None:
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        # A misspelt zone is unknown, never UTC.
        return None


def _offset_zone(hours: float | None) -> tzinfo | None:
    if hours is None or not _MIN_OFFSET_HOURS <= hours <= _MAX_OFFSET_HOURS:
        return None
    return _dt.timezone(timedelta(hours=hours))


def _given(value: str | None) -> bool:
    return bool(value and value.strip())


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _time(seconds: int) -> time:
    if seconds >= _END_OF_DAY:
        return time(23, 59)
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
