"""Export the services directory: an HSDS 3.0 package (CSV), HSDS JSON, or the template.

The HSDS export is lossless: importing it into an empty directory gives the
same rows. What the helpline keeps beyond HSDS (needs, trafficking specialist,
gender, confidential, a location's IANA time zone) is written as attributes of
the helpline's own taxonomies (see `bot.directory.hsds`).

The template export is for people: one row per service with its first
location, two phones, and hours the `hours` column can say. What does not fit
is reported as a warning; for everything, export HSDS.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from bot.directory.hsds import (
    FIELDS_TAXONOMY_ID,
    HELPLINE_COLUMNS,
    NEEDS_TAXONOMY_ID,
    TABLES,
    Problem,
    field_term_id,
    need_term_id,
    write_json,
    write_package,
)
from bot.directory.importer import made_up_id
from bot.directory.models import NEEDS, Schedule, ServiceNeed
from bot.directory.template import (
    DAYS,
    END_OF_DAY,
    Opening,
    format_hours,
    write_template,
)

EXPORT_FORMATS = ("auto", "hsds-csv", "hsds-json", "template")


@dataclass
class ExportResult:
    paths: list[Path]
    format: str
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"Exported ({self.format}) to {', '.join(str(p) for p in self.paths)}"]
        lines += [f"  {table:<20} {n} rows" for table, n in self.counts.items()]
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}:")
            lines += [f"  {w}" for w in self.warnings]
        return "\n".join(lines)


def _natural(value: str) -> list[Any]:
    """Sort key: "x-hours-2" before "x-hours-10"."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", value)]


def stored_rows(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of the directory's HSDS tables, as column -> value, by id."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, (model, _) in TABLES.items():
        sql_table = cast(Table, model.__table__)
        found = session.execute(select(sql_table).order_by(sql_table.c.id)).mappings()
        rows[table] = [dict(row) for row in found]
    return rows


def helpline_rows(
    session: Session, rows: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """The helpline's taxonomies, their terms, and the attributes that carry the
    helpline's own columns and needs."""
    taxonomies = [
        {
            "id": NEEDS_TAXONOMY_ID,
            "name": "Helpline needs",
            "description": "The kinds of help a person can ask the helpline for "
            "(shelter, legal, medical, ...). A service meets a need when an attribute "
            "links the need's term to it.",
            "version": "1",
        },
        {
            "id": FIELDS_TAXONOMY_ID,
            "name": "Helpline fields",
            "description": "What the helpline records beyond HSDS 3.0, one term per "
            "field; the attribute's value is the field's value.",
            "version": "1",
        },
    ]
    terms = [
        {
            "id": need_term_id(need),
            "code": need,
            "name": need.replace("_", " "),
            "taxonomy": NEEDS_TAXONOMY_ID,
            "taxonomy_id": NEEDS_TAXONOMY_ID,
            "language": "en",
        }
        for need in NEEDS
    ]
    for entity, columns in HELPLINE_COLUMNS.items():
        for column in columns:
            terms.append(
                {
                    "id": field_term_id(column),
                    "code": column,
                    "name": f"{entity} {column.replace('_', ' ')}",
                    "taxonomy": FIELDS_TAXONOMY_ID,
                    "taxonomy_id": FIELDS_TAXONOMY_ID,
                    "language": "en",
                }
            )

    def attribute(link: str, entity: str, term: str, value: Any) -> dict[str, Any]:
        return {
            "id": made_up_id("helpline-attribute", entity, link, term),
            "link_id": link,
            "taxonomy_term_id": term,
            "link_entity": entity,
            "value": value,
        }

    attributes = []
    needs: dict[str, set[str]] = defaultdict(set)
    for service_id, need in session.execute(select(ServiceNeed.service_id, ServiceNeed.need)):
        needs[service_id].add(need)
    for service in rows.get("service", ()):
        for need in NEEDS:
            if need in needs.get(service["id"], ()):
                attributes.append(attribute(service["id"], "service", need_term_id(need), None))
        for column in HELPLINE_COLUMNS["service"]:
            value = service[column]
            text = ("true" if value else "false") if isinstance(value, bool) else value
            attributes.append(attribute(service["id"], "service", field_term_id(column), text))
    for location in rows.get("location", ()):
        if location.get("timezone"):
            attributes.append(
                attribute(
                    location["id"], "location", field_term_id("timezone"), location["timezone"]
                )
            )
    return {"taxonomy": taxonomies, "taxonomy_term": terms, "attribute": attributes}


def hsds_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    """All tables as an HSDS export writes them."""
    rows = stored_rows(session)
    for table, extra in helpline_rows(session, rows).items():
        rows[table] = extra + rows[table]
    return rows


# --- The template -------------------------------------------------------------------------


def opening(schedule: Schedule | Mapping[str, Any]) -> Opening | None:
    """The `hours` column's reading of a schedule, or None when it says more than
    the column can (dates, ordinals, monthly rules, ...)."""

    def get(name: str) -> Any:
        if isinstance(schedule, Mapping):
            return schedule.get(name)
        return getattr(schedule, name)

    if (get("freq") or "WEEKLY").upper() != "WEEKLY" or get("interval") not in (None, 1):
        return None
    for name in ("count", "byweekno", "bymonthday", "byyearday", "valid_from", "valid_to"):
        if get(name):
            return None
    if get("dtstart") or get("until") or get("timezone") is not None:
        return None
    days = [d.strip().upper() for d in str(get("byday") or "").split(",") if d.strip()]
    if not days or any(d not in DAYS for d in days):
        return None
    opens, closes = get("opens_at"), get("closes_at")
    if opens is None and closes is None:
        opens, closes = time(0), END_OF_DAY
    if opens is None or closes is None or opens == closes:
        return None
    if (closes.hour, closes.minute) == (23, 59):
        closes = END_OF_DAY
    ordered = tuple(d for d in DAYS if d in days)
    return Opening(ordered, opens.replace(second=0), closes)


def template_rows(session: Session) -> tuple[list[dict[str, Any]], list[Problem]]:
    rows = stored_rows(session)
    warnings: list[Problem] = []
    organizations = {r["id"]: r for r in rows["organization"]}
    locations = {r["id"]: r for r in rows["location"]}
    addresses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows["address"]:
        addresses[row["location_id"]].append(row)

    def grouped(table: str, column: str) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in sorted(rows[table], key=lambda r: _natural(r["id"])):
            if row.get(column) is not None:
                found[row[column]].append(row)
        return found

    phones = grouped("phone", "service_id")
    sal_phones = grouped("phone", "service_at_location_id")
    schedules = grouped("schedule", "service_id")
    languages = grouped("language", "service_id")
    areas = grouped("service_area", "service_id")
    sals = grouped("service_at_location", "service_id")
    needs: dict[str, set[str]] = defaultdict(set)
    for service_id, need in session.execute(select(ServiceNeed.service_id, ServiceNeed.need)):
        needs[service_id].add(need)

    result = []
    for service in rows["service"]:
        sid = service["id"]
        label = f"service '{service['name']}' ({sid})"

        def lost(what: str, label: str = label) -> None:
            warnings.append(
                Problem(
                    "template",
                    "",
                    f"{label}: {what}; re-importing this template would drop it "
                    "(export HSDS to keep everything)",
                )
            )

        at = sals.get(sid, [])
        if len(at) > 1:
            lost(f"has {len(at)} locations and the template keeps the first")
        location = locations.get(at[0]["location_id"]) if at else None
        found = addresses.get(location["id"], []) if location else []
        address = found[0] if found else None
        numbers = [p["number"] for p in phones.get(sid, [])]
        if at:
            numbers += [p["number"] for p in sal_phones.get(at[0]["id"], [])]
        numbers = list(dict.fromkeys(numbers))
        if len(numbers) > 2:
            lost(f"has {len(numbers)} phone numbers and the template keeps two")
        # Every schedule of the service: a template row replaces them all.
        own = schedules.get(sid, [])
        openings = [
            opening(s)
            if s.get("service_at_location_id") is None and s.get("location_id") is None
            else None
            for s in own
        ]
        hours = ""
        if any(o is None for o in openings):
            lost("has opening hours the hours column cannot say")
        else:
            hours = format_hours([o for o in openings if o is not None])
        area_names = [a["name"] for a in areas.get(sid, []) if a.get("name")]
        country = address["country"] if address else ""
        if not country:
            country = next((a for a in area_names if len(a) == 2 and a.isupper()), "")
        organization = organizations.get(service["organization_id"], {})
        result.append(
            {
                "id": sid,
                "organization": organization.get("name"),
                "service": service["name"],
                "description": service["description"],
                "needs": " ".join(n for n in NEEDS if n in needs.get(sid, ())),
                "phone": numbers[0] if numbers else None,
                "phone_2": numbers[1] if len(numbers) > 1 else None,
                "email": service["email"],
                "website": service["url"],
                "address": address["address_1"] if address else None,
                "city": address["city"] if address else None,
                "region": (address["region"] or address["state_province"]) if address else None,
                "postal_code": address["postal_code"] if address else None,
                "country": country,
                "latitude": location["latitude"] if location else None,
                "longitude": location["longitude"] if location else None,
                "timezone": location["timezone"] if location else None,
                "languages": " ".join(
                    lang["code"] for lang in languages.get(sid, []) if lang.get("code")
                ),
                "hours": hours,
                "min_age": service["minimum_age"],
                "max_age": service["maximum_age"],
                "gender": service["gender"],
                "trafficking_specialist": "yes" if service["trafficking_specialist"] else "no",
                "confidential": "yes" if service["confidential"] else "no",
                "service_area": "; ".join(area_names),
                "verified_on": service["assured_date"],
                "verified_by": service["assurer_email"],
                "organization_id": service["organization_id"],
                "location_id": location["id"] if location else None,
            }
        )
    return result, warnings


# --- Entry point ----------------------------------------------------------------------------


def detect_export_format(dest: Path) -> str:
    suffix = dest.suffix.lower()
    if suffix == ".csv":
        return "template"
    if suffix == ".json":
        return "hsds-json"
    return "hsds-csv"


def export_path(factory: sessionmaker[Session], dest: Path, *, fmt: str = "auto") -> ExportResult:
    """Write the directory to `dest` (a folder or .zip for hsds-csv, a file otherwise)."""
    chosen = detect_export_format(dest) if fmt == "auto" else fmt
    with factory() as session:
        if chosen == "template":
            if dest.is_dir():
                dest = dest / "services.csv"
            rows, warnings = template_rows(session)
            path = write_template(rows, dest)
            return ExportResult([path], chosen, {"service": len(rows)}, warnings)
        tables = hsds_tables(session)
    counts = {table: len(tables.get(table, [])) for table in TABLES}
    if chosen == "hsds-json":
        if dest.is_dir():
            dest = dest / "services.json"
        return ExportResult(write_json(tables, dest), chosen, counts)
    if dest.exists() and not dest.is_dir() and dest.suffix.lower() != ".zip":
        raise ValueError(f"{dest} is a file: give a folder or a .zip for an HSDS package")
    write_package(tables, dest)
    return ExportResult([dest], chosen, counts)
