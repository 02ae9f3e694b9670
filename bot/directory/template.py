"""The one-sheet template: one row per service at one location.

NGO staff fill it in a spreadsheet and save it as "CSV UTF-8";
`helpline resources import services.csv` checks every row and loads it, and
`helpline resources export services.csv` writes the directory back in the
same shape. The columns are explained in docs/ngo-guide.md.

This module knows the template's columns, reads and writes the file, and
reads and writes the `hours` column ("Mo-Fr 09:00-17:00; Sa 10:00-14:00",
"24/7"). The checks of each row are in `bot.directory.importer`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from bot.directory.hsds import FormatError, Problem, RawTable, csv_bytes, read_csv_bytes

TEMPLATE_FILE = Path(__file__).parent / "templates" / "services-template.csv"

COLUMNS = (
    "id",
    "organization",
    "service",
    "description",
    "needs",
    "phone",
    "phone_2",
    "email",
    "website",
    "address",
    "city",
    "region",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "timezone",
    "languages",
    "hours",
    "min_age",
    "max_age",
    "gender",
    "trafficking_specialist",
    "confidential",
    "service_area",
    "verified_on",
    "verified_by",
    # Filled in by `export` so that a re-import updates the same rows; leave
    # them empty in new rows.
    "organization_id",
    "location_id",
)
REQUIRED_COLUMNS = ("organization", "service", "needs", "country")


def read_template(path: Path) -> tuple[RawTable, list[Problem]]:
    """The rows of a filled-in template, and warnings about its header."""
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FormatError(Problem(file, "", f"cannot be read ({error.strerror})")) from None
    header, rows = read_csv_bytes(data, file)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        if "service" in missing and {"id", "name"} <= set(header):
            reason = (
                "this looks like one table of an HSDS package, not the helpline's template; "
                "import the package folder (with datapackage.json) instead"
            )
        else:
            names = ", ".join(f"'{c}'" for c in missing)
            reason = (
                f"the header (row 1) lacks the column{'s' if len(missing) > 1 else ''} {names}; "
                "start from the template (helpline resources export --format template)"
            )
        raise FormatError(Problem(file, "row 1", reason))
    warnings = [
        Problem(file, "row 1", f"the column '{c}' is not part of the template; it was ignored")
        for c in header
        if c not in COLUMNS
    ]
    return RawTable("template", file, header, rows), warnings


def write_template(rows: Sequence[Mapping[str, Any]], dest: Path) -> Path:
    """Write the template with a byte-order mark, so spreadsheets read it as UTF-8."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(csv_bytes(COLUMNS, rows, bom=True))
    return dest


# --- The hours column ----------------------------------------------------------------

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "Until midnight": hours.py reads closes_at 23:59 as the end of the day.
END_OF_DAY = time(23, 59)
ALWAYS = "24/7"


class HoursError(ValueError):
    """Hours the template cannot read; the message says how to write them."""


@dataclass(frozen=True)
class Opening:
    """Open on `days` (MO..SU, in week order) from `opens` until `closes`;
    `closes` before `opens` runs past midnight, END_OF_DAY is midnight."""

    days: tuple[str, ...]
    opens: time
    closes: time


_PART = re.compile(r"(?P<days>[^\d]+?)\s+(?P<times>\d.*)")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_EXAMPLE = "write them like 'Mo-Fr 09:00-17:00; Sa 10:00-14:00' or '24/7'"


def parse_hours(text: str) -> list[Opening]:
    """The openings of an `hours` cell; [] when it is empty."""
    text = text.strip().replace("\u2013", "-").replace("\u2014", "-")
    if not text:
        return []
    if text.lower().replace(" ", "") == ALWAYS:
        return [Opening(DAYS, time(0), END_OF_DAY)]
    openings: list[Opening] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        match = _PART.fullmatch(part)
        if match is None:
            raise HoursError(f"hours '{part}' give no days or no times: {_EXAMPLE}")
        days = _days(match.group("days"), part)
        for span in match.group("times").split(","):
            opens, closes = _span(span.strip(), part)
            openings.append(Opening(days, opens, closes))
    if not openings:
        raise HoursError(f"hours '{text}' give no opening times: {_EXAMPLE}")
    return openings


def _day(token: str, part: str) -> int:
    word = token.strip().lower().rstrip(".")
    for index, name in enumerate(_DAY_NAMES):
        if len(word) >= 2 and name.startswith(word):
            return index
    raise HoursError(f"hours '{part}': '{token.strip()}' is not a day (Mo Tu We Th Fr Sa Su)")


def _days(text: str, part: str) -> tuple[str, ...]:
    text = text.strip()
    if text.lower() in ("daily", "every day"):
        return DAYS
    chosen: set[int] = set()
    for token in text.split(","):
        if not token.strip():
            continue
        if "-" in token:
            first_text, _, last_text = token.partition("-")
            first, last = _day(first_text, part), _day(last_text, part)
            index = first
            chosen.add(index)
            while index != last:  # Fr-Mo runs over the weekend
                index = (index + 1) % 7
                chosen.add(index)
        else:
            chosen.add(_day(token, part))
    if not chosen:
        raise HoursError(f"hours '{part}' give no days: {_EXAMPLE}")
    return tuple(DAYS[i] for i in sorted(chosen))


def _span(text: str, part: str) -> tuple[time, time]:
    match = _SPAN.fullmatch(text)
    if match is None:
        raise HoursError(f"hours '{part}': write times as HH:MM-HH:MM, e.g. 09:00-17:00")
    oh, om, ch, cm = (int(g) for g in match.groups())
    if oh > 23 or om > 59 or ch > 24 or cm > 59 or (ch == 24 and cm != 0):
        raise HoursError(f"hours '{part}': '{text}' is not a time of day (00:00 to 24:00)")
    opens = time(oh, om)
    closes = END_OF_DAY if ch == 24 else time(ch, cm)
    if opens == closes:
        raise HoursError(
            f"hours '{part}': opens and closes at the same time; for a whole day write 00:00-24:00"
        )
    return opens, closes


def format_hours(openings: Sequence[Opening]) -> str:
    """The `hours` cell for `openings`; `parse_hours` reads it back the same."""
    if len(openings) == 1 and openings[0] == Opening(DAYS, time(0), END_OF_DAY):
        return ALWAYS
    parts: list[tuple[tuple[str, ...], list[str]]] = []
    for opening in openings:
        span = f"{_hhmm(opening.opens)}-{_hhmm(opening.closes, closing=True)}"
        if parts and parts[-1][0] == opening.days:
            parts[-1][1].append(span)
        else:
            parts.append((opening.days, [span]))
    return "; ".join(f"{_format_days(days)} {','.join(spans)}" for days, spans in parts)


def _hhmm(value: time, *, closing: bool = False) -> str:
    if closing and (value.hour, value.minute) == (23, 59):
        return "24:00"
    return f"{value.hour:02d}:{value.minute:02d}"


def _format_days(days: Sequence[str]) -> str:
    indexes = sorted(DAYS.index(d) for d in days)
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    names = [d.capitalize() for d in DAYS]
    return ",".join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}-{names[run[-1]]}" for run in runs
    )
