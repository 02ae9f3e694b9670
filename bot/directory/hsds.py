"""Open Referral HSDS 3.0 files: tabular data packages (CSV) and JSON.

This module knows the *formats* only: it reads files into raw rows (strings from
CSV, JSON values from JSON), and writes rows into files. What the rows mean,
and whether they are acceptable, is decided by `bot.directory.importer`.

A tabular data package is a folder (or a .zip of one) with `datapackage.json`,
which lists the tables ("resources") and the CSV file of each, and one CSV file
per table with HSDS 3.0 column names. HSDS JSON is a list of service objects,
as the HSDS 3.0 API returns them, with the organization, phones, schedules,
service areas, languages, attributes and service-at-locations (each with its
location and the location's addresses) nested inside each service.

What the helpline keeps beyond HSDS travels in HSDS exports as attributes that
link a term of the helpline's own taxonomies to a service or location:

- `helpline-needs`: the term `helpline-need-<need>` says a service meets that
  need (`models.NEEDS`);
- `helpline-fields`: the terms `helpline-field-trafficking_specialist`,
  `-gender`, `-confidential` (on services) and `-timezone` (on locations) carry
  the value of that helpline column in the attribute's `value`.

Spreadsheet formula injection: a cell that starts with `=`, `+`, `-`, `@`, a
tab or a carriage return is written with a leading apostrophe, which
spreadsheets show as text, and the apostrophe is taken off again when the file
is read. Plain numbers are the exception and are written as they are: they
cannot carry a formula, and phone numbers in E.164 (`+66812345678`) and
negative coordinates must stay usable by other HSDS software.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Time

from bot.db.base import Base
from bot.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# The tables the helpline keeps, in the order they can be written (a row's
# references come before it), with the file name HSDS 3.0's own example uses.
TABLES: dict[str, tuple[type[Base], str]] = {
    "organization": (Organization, "organizations.csv"),
    "taxonomy": (Taxonomy, "taxonomies.csv"),
    "taxonomy_term": (TaxonomyTerm, "taxonomy_terms.csv"),
    "service": (Service, "services.csv"),
    "location": (Location, "locations.csv"),
    "address": (Address, "addresses.csv"),
    "service_at_location": (ServiceAtLocation, "service_at_location.csv"),
    "phone": (Phone, "phones.csv"),
    "schedule": (Schedule, "schedules.csv"),
    "language": (Language, "languages.csv"),
    "service_area": (ServiceArea, "service_areas.csv"),
    "attribute": (Attribute, "attributes.csv"),
}

# HSDS 3.0 columns of those tables, in the standard's order. Columns the
# helpline does not keep (tax_id, program_id, ...) are reported on import.
HSDS_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status",
        "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ),
    "service": (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url",
        "email", "status", "interpretation_services", "application_process", "fees_description",
        "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age",
        "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified",
    ),
    "attribute": (
        "id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "location": (
        "id", "location_type", "url", "organization_id", "name", "alternate_name",
        "description", "transportation", "latitude", "longitude", "external_identifier",
        "external_identifier_type",
    ),
    "phone": (
        "id", "location_id", "service_id", "organization_id", "contact_id",
        "service_at_location_id", "number", "extension", "type", "description",
    ),
    "address": (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region",
        "state_province", "postal_code", "country", "address_type",
    ),
    "schedule": (
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
        "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday",
        "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at",
        "schedule_link", "attending_type", "notes",
    ),
    "service_area": ("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
    "language": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "taxonomy_term": (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
        "term_uri",
    ),
    "taxonomy": ("id", "name", "description", "uri", "version"),
}  # fmt: skip

# Helpline columns: not HSDS columns, carried as attributes (see the module doc).
HELPLINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "service": ("trafficking_specialist", "gender", "confidential"),
    "location": ("timezone",),
}

NEEDS_TAXONOMY_ID = "helpline-needs"
FIELDS_TAXONOMY_ID = "helpline-fields"
NEED_TERM_PREFIX = "helpline-need-"
FIELD_TERM_PREFIX = "helpline-field-"
HELPLINE_TAXONOMIES = (NEEDS_TAXONOMY_ID, FIELDS_TAXONOMY_ID)


def need_term_id(need: str) -> str:
    return f"{NEED_TERM_PREFIX}{need}"


def field_term_id(column: str) -> str:
    return f"{FIELD_TERM_PREFIX}{column}"


def is_helpline_term(term_id: str) -> bool:
    return term_id.startswith((NEED_TERM_PREFIX, FIELD_TERM_PREFIX))


# Biggest file read from a package or a .zip (a zip bomb stops here).
MAX_FILE_BYTES = 200 * 1024 * 1024


# --- Raw rows and problems ------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One error or warning, said so that a person can find and fix it."""

    file: str
    where: str  # "row 7" (as a spreadsheet numbers it, header = row 1), "item 2 > phones 1", ""
    message: str

    def __str__(self) -> str:
        place = f"{self.file} {self.where}".strip()
        return f"{place}: {self.message}" if place else self.message


class FormatError(Exception):
    """A file that cannot be read at all (not UTF-8, no header, no datapackage.json)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class RawRow:
    where: str
    # The values given. CSV: every column of the header, as text. JSON: the keys
    # of the object, as JSON values; a key that is absent was not given.
    values: dict[str, Any]


@dataclass
class RawTable:
    name: str  # the HSDS table name ("service")
    file: str  # where it came from, for messages ("services.csv", "services.json")
    columns: list[str]
    rows: list[RawRow] = field(default_factory=list)


@dataclass
class RawPackage:
    source: str
    nested: bool = False  # JSON: the same row may be nested more than once
    tables: dict[str, RawTable] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def table(self, name: str, file: str) -> RawTable:
        if name not in self.tables:
            self.tables[name] = RawTable(name, file, [])
        return self.tables[name]


# --- CSV cells ---------------------------------------------------------------------------

_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def guard_cell(text: str) -> str:
    """A cell that a spreadsheet will not run as a formula (see the module doc)."""
    if _FORMULA_START.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def unguard_cell(text: str) -> str:
    """Undo `guard_cell`: "'=SUM(A1)" is the text "=SUM(A1)", "'+66..." is "+66..."."""
    if text.startswith("'") and _FORMULA_START.match(text[1:]):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A Python value as CSV text (before `guard_cell`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def json_value(value: Any) -> Any:
    """A Python value as a JSON value (dates and times as ISO text)."""
    if isinstance(value, date | time | datetime):
        return cell_text(value)
    return value


# --- Reading CSV -------------------------------------------------------------------------


def read_csv_bytes(data: bytes, file: str) -> tuple[list[str], list[RawRow]]:
    """The header (lower case, trimmed) and rows of a CSV file, numbered as a
    spreadsheet numbers them (the header is row 1). Blank rows are skipped."""
    if not data.strip():
        raise FormatError(Problem(file, "", "the file is empty"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(
            Problem(
                file,
                f"line {line}",
                "the file is not UTF-8 text; save it as 'CSV UTF-8' "
                "(in LibreOffice: character set 'Unicode (UTF-8)')",
            )
        ) from None
    if "\x00" in text:
        raise FormatError(Problem(file, "", "the file is not a CSV text file"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as error:
        raise FormatError(
            Problem(file, f"row {reader.line_num}", f"the file is not valid CSV ({error})")
        ) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise FormatError(Problem(file, "row 1", "the first row must be the column names"))
    header = [name.strip().lstrip("\ufeff").lower() for name in records[0]]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise FormatError(Problem(file, "row 1", f"the column '{name}' appears twice"))
        seen.add(name)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        extra = [cell for cell in record[len(header) :] if cell.strip()]
        if extra:
            raise FormatError(
                Problem(
                    file,
                    f"row {number}",
                    f"the row has {len(record)} cells but the header only {len(header)} "
                    "columns (a comma inside a value must be in double quotes)",
                )
            )
        values = {
            name: unguard_cell(record[i]) if i < len(record) else ""
            for i, name in enumerate(header)
            if name
        }
        rows.append(RawRow(f"row {number}", values))
    return [name for name in header if name], rows


# --- Reading a tabular data package ------------------------------------------------------


class _Folder:
    """The files of a package: a folder, or a .zip read in memory (never extracted)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.base = PurePosixPath()
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError):
                raise FormatError(
                    Problem(path.name, "", "is neither a folder nor a .zip file")
                ) from None
            names = [
                PurePosixPath(n) for n in self.zip.namelist() if n.endswith("datapackage.json")
            ]
            names = [n for n in names if n.name == "datapackage.json"]
            if not names:
                raise FormatError(
                    Problem(
                        path.name,
                        "",
                        "the .zip has no datapackage.json: an HSDS package lists its "
                        "tables in datapackage.json",
                    )
                )
            self.base = min(names, key=lambda n: len(n.parts)).parent
        elif not (path / "datapackage.json").is_file():
            raise FormatError(
                Problem(
                    path.name,
                    "",
                    "the folder has no datapackage.json: an HSDS package lists its "
                    "tables in datapackage.json",
                )
            )

    def read(self, relative: str) -> bytes:
        """The bytes of a file of the package; `relative` may not leave the package."""
        inner = PurePosixPath(relative.replace("\\", "/"))
        if inner.is_absolute() or ".." in inner.parts or not inner.parts:
            raise FormatError(
                Problem("datapackage.json", "", f"the path '{relative}' leaves the package")
            )
        if self.zip is not None:
            name = str(self.base / inner)
            try:
                info = self.zip.getinfo(name)
            except KeyError:
                raise FormatError(Problem(relative, "", "is listed but not in the .zip")) from None
            if info.file_size > MAX_FILE_BYTES:
                raise FormatError(Problem(relative, "", "is too big (200 MB at most)"))
            return self.zip.read(info)
        target = self.path / Path(*inner.parts)
        if not target.is_file():
            raise FormatError(Problem(relative, "", "is listed in datapackage.json but missing"))
        if target.stat().st_size > MAX_FILE_BYTES:
            raise FormatError(Problem(relative, "", "is too big (200 MB at most)"))
        return target.read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def read_package(path: Path) -> RawPackage:
    """The tables of an HSDS tabular data package (a folder or a .zip)."""
    if path.name == "datapackage.json":
        path = path.parent
    package = RawPackage(source=path.name)
    try:
        folder = _Folder(path)
    except FormatError as error:
        package.errors.append(error.problem)
        return package
    try:
        _read_resources(folder, package)
    finally:
        folder.close()
    return package


def _read_resources(folder: _Folder, package: RawPackage) -> None:
    try:
        descriptor = _json_document(folder.read("datapackage.json"), "datapackage.json")
    except FormatError as error:
        package.errors.append(error.problem)
        return
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        package.errors.append(
            Problem("datapackage.json", "", "has no list of 'resources' (the tables)")
        )
        return
    ignored = []
    for number, resource in enumerate(resources, start=1):
        if not isinstance(resource, dict):
            package.errors.append(
                Problem("datapackage.json", f"resource {number}", "is not an object")
            )
            continue
        name = str(resource.get("name") or "").strip().lower()
        resource_path = resource.get("path")
        if name not in TABLES:
            ignored.append(name or f"resource {number}")
            continue
        if not isinstance(resource_path, str) or not resource_path.strip():
            package.errors.append(
                Problem(
                    "datapackage.json",
                    f"resource '{name}'",
                    "needs a 'path' naming one CSV file",
                )
            )
            continue
        if name in package.tables:
            package.errors.append(
                Problem("datapackage.json", f"resource '{name}'", "is listed twice")
            )
            continue
        try:
            header, rows = read_csv_bytes(folder.read(resource_path), resource_path)
        except FormatError as error:
            package.errors.append(error.problem)
            continue
        package.tables[name] = RawTable(name, resource_path, header, rows)
    if ignored:
        package.warnings.append(
            Problem(
                "datapackage.json",
                "",
                "tables the helpline does not keep, not imported: " + ", ".join(sorted(ignored)),
            )
        )
    if not package.tables and not package.errors:
        package.errors.append(
            Problem("datapackage.json", "", "lists none of the HSDS tables the helpline keeps")
        )


def _json_document(data: bytes, file: str) -> Any:
    if not data.strip():
        raise FormatError(Problem(file, "", "the file is empty"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(Problem(file, "", "the file is not UTF-8 text")) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            Problem(file, f"line {error.lineno}", f"is not valid JSON ({error.msg})")
        ) from None


# --- Reading HSDS JSON -------------------------------------------------------------------

# Nested lists of an HSDS 3.0 object: (key, table, the parent's reference column).
_NESTED: dict[str, tuple[tuple[str, str, str], ...]] = {
    "service": (
        ("phones", "phone", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("service_areas", "service_area", "service_id"),
        ("languages", "language", "service_id"),
        ("service_at_locations", "service_at_location", "service_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "organization": (
        ("phones", "phone", "organization_id"),
        ("locations", "location", "organization_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "service_at_location": (
        ("phones", "phone", "service_at_location_id"),
        ("schedules", "schedule", "service_at_location_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "location": (
        ("addresses", "address", "location_id"),
        ("phones", "phone", "location_id"),
        ("schedules", "schedule", "location_id"),
        ("languages", "language", "location_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "phone": (("languages", "language", "phone_id"),),
    "taxonomy_term": (),
    "attribute": (),
}
# Nested objects: (key, table, the column of this row that references it).
_NESTED_ONE: dict[str, tuple[tuple[str, str, str], ...]] = {
    "service": (("organization", "organization", "organization_id"),),
    "service_at_location": (("location", "location", "location_id"),),
    "attribute": (("taxonomy_term", "taxonomy_term", "taxonomy_term_id"),),
    "taxonomy_term": (("taxonomy_detail", "taxonomy", "taxonomy_id"),),
}


def read_json(path: Path) -> RawPackage:
    """The rows of HSDS JSON: a list of service objects (or {"contents": [...]}, as
    a paged HSDS API response, or one service object)."""
    package = RawPackage(source=path.name, nested=True)
    file = path.name
    try:
        document = _json_document(path.read_bytes(), file)
    except FormatError as error:
        package.errors.append(error.problem)
        return package
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        document = document["contents"]
    elif isinstance(document, dict) and "id" in document:
        document = [document]
    if not isinstance(document, list):
        package.errors.append(
            Problem(file, "", "expected a list of HSDS service objects (or one service object)")
        )
        return package
    if not document:
        package.errors.append(Problem(file, "", "the list of services is empty"))
        return package
    ignored: set[str] = set()
    for number, item in enumerate(document, start=1):
        _flatten(package, file, "service", item, f"item {number}", {}, ignored)
    if ignored:
        package.warnings.append(
            Problem(
                file,
                "",
                "parts the helpline does not keep, not imported: " + ", ".join(sorted(ignored)),
            )
        )
    return package


def _flatten(
    package: RawPackage,
    file: str,
    table: str,
    item: Any,
    where: str,
    defaults: dict[str, Any],
    ignored: set[str],
) -> Any:
    """Add `item` and what is nested in it to `package`; returns its id."""
    if not isinstance(item, dict):
        package.errors.append(
            Problem(file, where, f"a {table.replace('_', ' ')} must be an object")
        )
        return None
    values = {k: v for k, v in item.items() if not isinstance(v, dict | list)}
    for key, value in defaults.items():
        if values.get(key) in (None, ""):
            values[key] = value
    for key, child_table, column in _NESTED_ONE.get(table, ()):
        child = item.get(key)
        if child is None:
            continue
        child_id = _flatten(package, file, child_table, child, f"{where} > {key}", {}, ignored)
        if child_id is not None and values.get(column) in (None, ""):
            values[column] = child_id
    own_id = values.get("id")
    raw = package.table(table, file)
    raw.rows.append(RawRow(where, values))
    for name in values:
        if name not in raw.columns:
            raw.columns.append(name)
    nested = {key: (t, c) for key, t, c in _NESTED.get(table, ())}
    for key, value in item.items():
        if key in values or key in {k for k, _, _ in _NESTED_ONE.get(table, ())}:
            continue
        if key not in nested:
            if isinstance(value, dict | list) and value:
                ignored.add(f"{table}.{key}")
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            package.errors.append(Problem(file, f"{where} > {key}", "must be a list"))
            continue
        child_table, column = nested[key]
        child_defaults: dict[str, Any] = {}
        if own_id not in (None, ""):
            child_defaults[column] = own_id
        if child_table == "attribute":
            child_defaults["link_entity"] = table
        for n, child in enumerate(value, start=1):
            _flatten(
                package, file, child_table, child, f"{where} > {key} {n}", child_defaults, ignored
            )
    return own_id


# --- Writing -----------------------------------------------------------------------------


def export_columns(table: str) -> list[str]:
    """The CSV columns the helpline writes for `table`: the HSDS 3.0 columns it
    keeps, in the standard's order, without the helpline's own columns."""
    model = TABLES[table][0]
    kept = [c.name for c in model.__table__.columns]
    helpline = HELPLINE_COLUMNS.get(table, ())
    columns = [c for c in HSDS_FIELDS[table] if c in kept]
    return columns + [c for c in kept if c not in columns and c not in helpline]


def _field_type(column: Any) -> str:
    kind = column.type
    for sql_type, name in (
        (Boolean, "boolean"),
        (Integer, "integer"),
        (Float, "number"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Time, "time"),
    ):
        if isinstance(kind, sql_type):
            return name
    return "string"


def _resource(table: str) -> dict[str, Any]:
    model, path = TABLES[table]
    columns = {c.name: c for c in model.__table__.columns}
    fields = []
    for name in export_columns(table):
        spec: dict[str, Any] = {"name": name, "type": _field_type(columns[name])}
        if not columns[name].nullable and not columns[name].primary_key:
            spec["constraints"] = {"required": True}
        fields.append(spec)
    foreign_keys = [
        {"fields": column.name, "reference": {"resource": fk.column.table.name, "fields": "id"}}
        for column in columns.values()
        if column.name in export_columns(table)
        for fk in column.foreign_keys
    ]
    schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return {
        "name": table,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def csv_bytes(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], *, bom: bool) -> bytes:
    """A CSV file (RFC 4180, UTF-8), every cell guarded against formulas."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([guard_cell(cell_text(row.get(column))) for column in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def package_files(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, bytes]:
    """datapackage.json and one CSV per table, by file name."""
    descriptor = {
        "name": "helpline_services",
        "title": "Services directory of the helpline (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": "3.0.0",
        "homepage": "https://docs.openreferral.org",
        "resources": [_resource(table) for table in TABLES],
    }
    files = {"datapackage.json": (json.dumps(descriptor, indent=2) + "\n").encode("utf-8")}
    for table, (_, path) in TABLES.items():
        files[path] = csv_bytes(export_columns(table), tables.get(table, ()), bom=False)
    return files


def write_package(tables: Mapping[str, Sequence[Mapping[str, Any]]], dest: Path) -> list[Path]:
    """Write a tabular data package to the folder `dest`, or to a .zip when `dest`
    ends in .zip. Returns what was written."""
    files = package_files(tables)
    if dest.suffix.lower() == ".zip":
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return [dest]
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        (dest / name).write_bytes(data)
        written.append(dest / name)
    return written


def json_services(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """HSDS JSON: one object per service, with what belongs to it nested inside.

    Every row of the tables that a service reaches is nested once, at the most
    specific place (a phone of a service at a location under that
    service_at_location); rows no service reaches (an organization with no
    services) are not in HSDS JSON.
    """

    def clean(row: Mapping[str, Any]) -> dict[str, Any]:
        return {k: json_value(v) for k, v in row.items()}

    def by(table: str, column: str) -> dict[Any, list[Mapping[str, Any]]]:
        index: dict[Any, list[Mapping[str, Any]]] = {}
        for row in tables.get(table, ()):
            if row.get(column) is not None:
                index.setdefault(row[column], []).append(row)
        return index

    organizations = {row["id"]: row for row in tables.get("organization", ())}
    locations = {row["id"]: row for row in tables.get("location", ())}
    terms = {row["id"]: row for row in tables.get("taxonomy_term", ())}
    taxonomies = {row["id"]: row for row in tables.get("taxonomy", ())}
    attributes = by("attribute", "link_id")
    addresses = by("address", "location_id")
    sals = by("service_at_location", "service_id")

    def attrs(row_id: Any, entity: str) -> list[dict[str, Any]]:
        found = []
        for attribute in attributes.get(row_id, []):
            if attribute.get("link_entity") != entity:
                continue
            item = clean(attribute)
            term = terms.get(attribute.get("taxonomy_term_id"))
            if term is not None:
                term_item = clean(term)
                taxonomy = taxonomies.get(term.get("taxonomy_id"))
                if taxonomy is not None:
                    term_item["taxonomy_detail"] = clean(taxonomy)
                item["taxonomy_term"] = term_item
            found.append(item)
        return found

    def placed(table: str, **where: Any) -> list[dict[str, Any]]:
        """Rows of `table` whose reference columns are exactly `where` (others None)."""
        references = ("service_id", "location_id", "service_at_location_id", "organization_id")
        result = []
        for row in tables.get(table, ()):
            keys = {k: row.get(k) for k in references if k in row}
            if all(keys.get(k) == v for k, v in where.items()) and _most_specific(keys, where):
                result.append(clean(row))
        return result

    services = []
    for service in tables.get("service", ()):
        item = clean(service)
        organization = organizations.get(service.get("organization_id"))
        if organization is not None:
            item["organization"] = clean(organization)
        item["phones"] = placed("phone", service_id=service["id"])
        for phone in item["phones"]:
            phone["languages"] = [
                clean(lang)
                for lang in tables.get("language", ())
                if lang.get("phone_id") == phone["id"]
                and lang.get("service_id") is None
                and lang.get("location_id") is None
            ]
        item["schedules"] = placed("schedule", service_id=service["id"])
        item["service_areas"] = [
            clean(a) for a in tables.get("service_area", ()) if a.get("service_id") == service["id"]
        ]
        item["languages"] = placed("language", service_id=service["id"])
        item["attributes"] = attrs(service["id"], "service")
        item["service_at_locations"] = []
        for sal in sals.get(service["id"], []):
            sal_item = clean(sal)
            sal_item["phones"] = placed("phone", service_at_location_id=sal["id"])
            sal_item["schedules"] = placed("schedule", service_at_location_id=sal["id"])
            location = locations.get(sal.get("location_id"))
            if location is not None:
                loc_item = clean(location)
                loc_item["addresses"] = [clean(a) for a in addresses.get(location["id"], [])]
                loc_item["phones"] = placed("phone", location_id=location["id"])
                loc_item["schedules"] = placed("schedule", location_id=location["id"])
                loc_item["languages"] = placed("language", location_id=location["id"])
                loc_item["attributes"] = attrs(location["id"], "location")
                sal_item["location"] = loc_item
            item["service_at_locations"].append(sal_item)
        services.append(item)
    return services


def _most_specific(keys: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """A row is nested where its most specific reference points: a SAL, else a
    service, else a location, else an organization."""
    order = ("service_at_location_id", "service_id", "location_id", "organization_id")
    for column in order:
        if keys.get(column) is not None:
            return column in where
    return False


def write_json(tables: Mapping[str, Sequence[Mapping[str, Any]]], dest: Path) -> list[Path]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_services(tables), indent=2, ensure_ascii=False)
    dest.write_text(text + "\n", encoding="utf-8")
    return [dest]
