"""Locale-aware formatting of values inside semantic messages.

Actions send values, not words: `{"date": "2026-11-01"}`, `{"weekly": [...]}`,
`{"languages": ["th", "en"]}`, or a nested message `{"key": ...}`. The presenter
turns each into text in the reader's language here, with Babel's CLDR data, so a
Thai reader sees Thai day names and a Persian reader Persian dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

# HSDS/iCalendar day codes in Babel's order (Monday = 0).
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def locale_for(language: str) -> Locale:
    """Babel's locale for a language code; English when CLDR does not know it."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def format_value(value: Any, language: str, translate: Callable[..., str]) -> Any:
    """The text for one argument value; plain values pass through unchanged."""
    if not isinstance(value, dict):
        return value
    if "key" in value:
        nested = {k: format_value(v, language, translate) for k, v in value.get("args", {}).items()}
        return translate(str(value["key"]), language, nested)
    if "date" in value:
        return format_date(
            date.fromisoformat(str(value["date"])), "long", locale=locale_for(language)
        )
    if "weekly" in value:
        return weekly_hours(value["weekly"], language)
    if "languages" in value:
        return language_names(value["languages"], language)
    return value


def country_name(code: str, language: str) -> str:
    """TH -> "Thailand" for an English reader, "ประเทศไทย" for a Thai one."""
    return str(locale_for(language).territories.get(code, code))


def language_names(codes: list[str], language: str) -> str:
    """["th", "en"] -> "ไทย, อังกฤษ" for a Thai reader."""
    locale = locale_for(language)
    names = [locale.languages.get(code.split("-")[0].lower(), code) for code in codes]
    return ", ".join(names)


def weekly_hours(rows: list[list[str]], language: str) -> str:
    """[["MO", "09:00", "17:00"], ...] -> "Mon-Fri 09:00-17:00; Sat 10:00-14:00" (with
    en dashes), day names in the reader's language; a day may have several spans
    (09-12, 13-17), and days in a row with the same spans are joined."""
    day_names = locale_for(language).days["format"]["abbreviated"]
    by_day: dict[int, list[str]] = {}
    for day, opens, closes in rows:
        by_day.setdefault(DAY_CODES.index(day), []).append(f"{opens}–{closes}")
    runs: list[tuple[int, int, str]] = []
    for index in sorted(by_day):
        spans = ", ".join(by_day[index])
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == spans:
            runs[-1] = (runs[-1][0], index, spans)
        else:
            runs.append((index, index, spans))
    parts = []
    for first, last, spans in runs:
        days = day_names[first] if first == last else f"{day_names[first]}–{day_names[last]}"
        parts.append(f"{days} {spans}")
    return "; ".join(parts)
