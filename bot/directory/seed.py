"""Load the national hotlines of `seed/countries.csv` into the services directory.

Each country's hotline becomes an HSDS organization and service (need
"hotline"), its phone numbers, and a service area named by the country's ISO
code, so the bot offers it anywhere in that country. Ids are stable
(`seed-hotline-TH`), so seeding again updates in place and changes nothing
when the file has not changed. The file's `checked_on`/`checked_by` become the
service's `assured_date`/`assurer_email`.

A hotline an NGO has verified since (a later `assured_date` in the directory,
or the same day by someone else) is left as the NGO keeps it.
"""

from __future__ import annotations

import csv
from datetime import date, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.directory.importer import (
    Dataset,
    Record,
    Report,
    derive_timezone,
    language_name,
    normalize_phone,
    parse_bool,
    schedule_values,
    write_dataset,
)
from bot.directory.models import Service
from bot.directory.national import SEED_FILE
from bot.directory.template import DAYS, END_OF_DAY, HoursError, Opening, parse_hours

SEED_PREFIX = "seed-hotline-"


def seed_id(country: str) -> str:
    return f"{SEED_PREFIX}{country.upper()}"


def seed_dataset(session: Session, path: Path = SEED_FILE) -> Dataset:
    """The directory rows for the hotlines of `path`, checked like an import."""
    file = path.name
    data = Dataset(source=file, format="seed")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    data.rows = len(rows)
    ids = [seed_id(row.get("country_code") or "") for row in rows]
    verified = {
        service.id: (service.assured_date, service.assurer_email)
        for service in session.scalars(select(Service).where(Service.id.in_(ids)))
    }
    without: list[str] = []
    kept_short: list[str] = []
    for number, raw in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        where = f"row {number}"
        country = row.get("country_code", "").upper()
        name = row.get("hotline_name", "")
        if not name or not (row.get("hotline_phone") or row.get("hotline_url")):
            without.append(country)
            continue
        sid = seed_id(country)
        try:
            checked_on = date.fromisoformat(row.get("checked_on", ""))
        except ValueError:
            data.error(
                file, where, f"checked_on '{row.get('checked_on')}' is not a YYYY-MM-DD date"
            )
            continue
        checked_by = row.get("checked_by") or None
        have_date, have_by = verified.get(sid, (None, None))
        if have_date is not None and (
            have_date > checked_on or (have_date == checked_on and have_by != checked_by)
        ):
            data.warn(
                file,
                where,
                f"{country}: kept the directory's hotline, verified by {have_by} on "
                f"{have_date} (the file was checked on {checked_on})",
            )
            continue

        def add(table: str, values: dict[str, object], where: str = where) -> None:
            data.add(Record(table, dict(values), file, where))

        add("organization", {"id": sid, "name": name})
        try:
            specialist = parse_bool(row.get("hotline_is_trafficking_specific", ""))
        except ValueError:
            data.error(file, where, "hotline_is_trafficking_specific must be true or false")
            continue
        add(
            "service",
            {
                "id": sid,
                "organization_id": sid,
                "name": name,
                "url": row.get("hotline_url") or None,
                "status": "active",
                "trafficking_specialist": specialist,
                "assured_date": checked_on,
                "assurer_email": checked_by,
            },
        )
        data.needs[sid] = {"hotline"}
        for table in ("phone", "schedule", "language", "service_area", "service_at_location"):
            data.owned.setdefault(table, set()).add(sid)
        add("service_area", {"id": f"{sid}-area", "service_id": sid, "name": country})
        for column, suffix, kind, note in (
            ("hotline_phone", "phone", "voice", None),
            ("hotline_sms", "sms", "text", "SMS"),
            ("hotline_whatsapp", "whatsapp", "text", "WhatsApp"),
        ):
            if not row.get(column):
                continue
            try:
                phone, warning = normalize_phone(row[column], country, lenient=True)
            except ValueError as error:
                data.error(file, where, f"{column}: {error}")
                continue
            if warning:
                kept_short.append(f"{country} {row[column]}")
            add(
                "phone",
                {
                    "id": f"{sid}-{suffix}",
                    "service_id": sid,
                    "number": phone,
                    "type": kind,
                    "description": note,
                },
            )
        for code in row.get("hotline_languages", "").split():
            add(
                "language",
                {
                    "id": f"{sid}-language-{code.lower()}",
                    "service_id": sid,
                    "code": code.lower(),
                    "name": language_name(code),
                },
            )
        _hours(data, row.get("hotline_hours", ""), sid, country, file, where)
    if without:
        data.warn(file, "", "no hotline listed (nothing loaded) for " + ", ".join(without))
    if kept_short:
        data.warn(
            file,
            "",
            "kept as written, as national short codes the phone-number library does not "
            "list (check that each can be dialled): " + ", ".join(kept_short),
        )
    return data


def _hours(data: Dataset, text: str, sid: str, country: str, file: str, where: str) -> None:
    try:
        openings = parse_hours(text)
    except HoursError as error:
        data.warn(file, where, f"{country}: {error}; the hours were not loaded")
        return
    for number, opening in enumerate(openings, start=1):
        data.add(Record("schedule", schedule_values(sid, number, opening), file, where))
    if not openings or openings == [Opening(DAYS, time(0), END_OF_DAY)]:
        return  # 24/7 is open whatever the local time
    # Hours need the place's time zone: a virtual location carries it.
    zone = derive_timezone(None, None, country)
    if zone is None:
        data.warn(file, where, f"{country}: no single time zone; 'open now' cannot be told")
        return
    location = f"{sid}-location"
    data.add(
        Record(
            "location",
            {"id": location, "location_type": "virtual", "organization_id": sid, "timezone": zone},
            file,
            where,
        )
    )
    data.add(
        Record(
            "service_at_location",
            {"id": f"{sid}-at-location", "service_id": sid, "location_id": location},
            file,
            where,
        )
    )


def seed_hotlines(
    factory: sessionmaker[Session], path: Path = SEED_FILE, *, dry_run: bool = False
) -> Report:
    """Load (or refresh) the national hotlines; all or nothing, like an import."""
    with factory() as session:
        data = seed_dataset(session, path)
    return write_dataset(factory, data, dry_run=dry_run)


def main() -> int:
    """`python -m bot.directory.seed`, into $HELPLINE_DATABASE_URL: what the helpline
    runs at start (`helpline resources seed` is the same for people)."""
    import os

    from bot.db.session import session_factory

    report = seed_hotlines(session_factory(os.environ["HELPLINE_DATABASE_URL"]))
    if not report.ok:
        print(report.text())
        return 1
    total = report.total()
    print(f"{total.added} added, {total.changed} changed, {total.unchanged} unchanged")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
