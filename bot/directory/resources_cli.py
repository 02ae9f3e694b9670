"""`helpline resources`: the services directory tools for NGO staff.

    helpline resources import FILE [--dry-run] [--format auto|hsds-csv|hsds-json|template]
    helpline resources export DEST [--format auto|hsds-csv|hsds-json|template]
    helpline resources list [--need NEED] [--country CC] [--stale]
    helpline resources show ID
    helpline resources add --organization ... --service ... --needs ... --country ... [...]
    helpline resources verify ID --by NAME [--on YYYY-MM-DD]
    helpline resources stale [--months 12]
    helpline resources seed [--file countries.csv] [--dry-run]

Messages are for people, not programmers: no stack traces; exit code 1 when
an import is rejected or a service is not found. See docs/ngo-guide.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

# Only the standard library at import time: `helpline` builds this parser for
# every command, and the directory's modules (SQLAlchemy, phonenumbers) are
# loaded when a `resources` task runs.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.directory.models import Service
    from bot.settings import Settings

# Rows the project's seed loaded that nobody has checked yet say so in `checked_by`.
UNCHECKED_PREFIX = "machine-drafted"
SEED_FILE = Path(__file__).parent / "seed" / "countries.csv"
# Kept in step with importer.FORMATS, exporter.EXPORT_FORMATS and models.NEEDS
# (tests/directory/test_resources_cli.py checks it).
IMPORT_FORMATS = ("auto", "hsds-csv", "hsds-json", "template")
EXPORT_FORMATS = ("auto", "hsds-csv", "hsds-json", "template")
NEED_NAMES = (
    "shelter",
    "legal",
    "medical",
    "counselling",
    "labour",
    "immigration",
    "child_protection",
    "hotline",
)


def add_parser(commands: Any) -> None:
    """Register `resources` on the `helpline` command's subparsers."""
    resources = commands.add_parser(
        "resources",
        help="the services directory: import, export, list, verify",
        description="Tools for the services directory (Open Referral HSDS 3.0). "
        "See docs/ngo-guide.md.",
    )
    tasks = resources.add_subparsers(dest="resources_command", required=True, metavar="TASK")

    task = tasks.add_parser(
        "import",
        help="check a file and load it, all or nothing",
        description="Check every row of FILE and, if there is no error, load it in one go. "
        "FILE is the helpline's template (.csv), an HSDS 3.0 package (a folder or .zip "
        "with datapackage.json) or HSDS JSON (.json). Importing the same file again "
        "changes nothing.",
    )
    task.add_argument("file", type=Path, metavar="FILE")
    task.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    task.add_argument("--format", choices=IMPORT_FORMATS, default="auto", help="default: from FILE")
    task.add_argument(
        "--country",
        metavar="CC",
        help="country of phone numbers written without +country code and without an "
        "address (default: HELPLINE_COUNTRY)",
    )

    task = tasks.add_parser(
        "export",
        help="write the directory to a file",
        description="Write the directory as an HSDS 3.0 package (a folder, or DEST.zip), "
        "HSDS JSON (DEST.json) or the helpline's template (DEST.csv).",
    )
    task.add_argument("dest", type=Path, metavar="DIR_OR_FILE")
    task.add_argument(
        "--format", choices=EXPORT_FORMATS, default="auto", help="default: from DIR_OR_FILE"
    )

    task = tasks.add_parser("list", help="list services", description="List services.")
    task.add_argument("--need", choices=NEED_NAMES, help="only services that meet this need")
    task.add_argument("--country", metavar="CC", help="only services in this country")
    task.add_argument(
        "--stale", action="store_true", help="only services not verified in 12 months"
    )

    task = tasks.add_parser(
        "show", help="everything about one service", description="Show one service."
    )
    task.add_argument("id", metavar="ID")

    task = tasks.add_parser(
        "add",
        help="add or update one service",
        description="Add one service, checked exactly like a row of the template "
        "(docs/ngo-guide.md). With --id of an existing service, it is updated.",
    )
    task.add_argument("--id", default="", help="the service's id (default: made from the names)")
    task.add_argument("--organization", required=True)
    task.add_argument("--service", required=True, help="the service's name")
    task.add_argument("--description", default="")
    task.add_argument(
        "--needs", nargs="+", required=True, metavar="NEED", help=" ".join(NEED_NAMES)
    )
    task.add_argument("--country", required=True, metavar="CC", help="two-letter code (TH)")
    for flag in ("phone", "phone-2", "email", "website", "address", "city", "region"):
        task.add_argument(f"--{flag}", default="")
    task.add_argument("--postal-code", default="")
    task.add_argument("--latitude", default="")
    task.add_argument("--longitude", default="")
    task.add_argument("--timezone", default="", help="IANA zone, e.g. Asia/Bangkok")
    task.add_argument("--languages", nargs="+", default=[], metavar="CODE", help="e.g. th en my")
    task.add_argument(
        "--hours", default="", help="e.g. 'Mo-Fr 09:00-17:00; Sa 10:00-14:00' or 24/7"
    )
    task.add_argument("--min-age", default="")
    task.add_argument("--max-age", default="")
    task.add_argument("--gender", default="", help="any (default), women or men")
    task.add_argument("--trafficking-specialist", action="store_true")
    task.add_argument("--confidential", action="store_true")
    task.add_argument("--service-area", action="append", default=[], metavar="AREA")
    task.add_argument("--verified-on", default="", metavar="YYYY-MM-DD")
    task.add_argument("--verified-by", default="", metavar="NAME")
    task.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    task = tasks.add_parser(
        "verify",
        help="record that a person checked a service",
        description="Record who checked a service's details, and when (HSDS assured_date "
        "and assurer_email).",
    )
    task.add_argument("id", metavar="ID")
    task.add_argument("--by", required=True, metavar="NAME", help="who checked it")
    task.add_argument("--on", metavar="YYYY-MM-DD", help="when (default: today)")

    task = tasks.add_parser(
        "stale",
        help="services nobody has verified lately",
        description="Services not verified in the last MONTHS months, or never (rows the "
        "project's seed loaded that no person has checked count as never).",
    )
    task.add_argument("--months", type=int, default=12)

    task = tasks.add_parser(
        "seed",
        help="load the national hotlines of countries.csv",
        description="Load (or refresh) each country's national hotline from the project's "
        "countries.csv. Hotlines an NGO has verified since are left as they are.",
    )
    task.add_argument("--file", type=Path, default=SEED_FILE, help=argparse.SUPPRESS)
    task.add_argument("--dry-run", action="store_true", help="check only; write nothing")


def run(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """Run a `helpline resources` task; the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.session import session_factory, upgrade

    out = out or sys.stdout
    url = settings.resolved_database_url()
    try:
        upgrade(url)
        factory = session_factory(url)
        return _TASKS[args.resources_command](args, settings, factory, out)
    except SQLAlchemyError as error:
        print(
            f"helpline resources: the database failed: {getattr(error, 'orig', error)}",
            file=sys.stderr,
        )
        return 1
    except (OSError, ValueError) as error:
        print(f"helpline resources: {error}", file=sys.stderr)
        return 1


def _import(
    args: argparse.Namespace, settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    from bot.directory.importer import import_path

    report = import_path(
        factory,
        args.file,
        fmt=args.format,
        dry_run=args.dry_run,
        default_country=(args.country or settings.country or "").upper() or None,
    )
    print(report.text(), file=out)
    return 0 if report.ok else 1


def _export(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    from bot.directory.exporter import export_path

    result = export_path(factory, args.dest, fmt=args.format)
    print(result.text(), file=out)
    return 0


def _add(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    row = {
        "id": args.id,
        "organization": args.organization,
        "service": args.service,
        "description": args.description,
        "needs": " ".join(args.needs),
        "phone": args.phone,
        "phone_2": args.phone_2,
        "email": args.email,
        "website": args.website,
        "address": args.address,
        "city": args.city,
        "region": args.region,
        "postal_code": args.postal_code,
        "country": args.country,
        "latitude": args.latitude,
        "longitude": args.longitude,
        "timezone": args.timezone,
        "languages": " ".join(args.languages),
        "hours": args.hours,
        "min_age": args.min_age,
        "max_age": args.max_age,
        "gender": args.gender,
        "trafficking_specialist": "yes" if args.trafficking_specialist else "no",
        "confidential": "yes" if args.confidential else "no",
        "service_area": "; ".join(args.service_area),
        "verified_on": args.verified_on,
        "verified_by": args.verified_by,
    }
    from bot.directory.importer import import_rows

    report = import_rows(factory, [row], dry_run=args.dry_run)
    print(report.text(), file=out)
    if report.ok and report.services:
        print(f"service id: {report.services[0]}", file=out)
    return 0 if report.ok else 1


def _seed(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    from bot.directory.seed import seed_hotlines

    report = seed_hotlines(factory, args.file, dry_run=args.dry_run)
    print(report.text(), file=out)
    return 0 if report.ok else 1


# --- Reading the directory -------------------------------------------------------------------


def _services(session: Session) -> list[Service]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from bot.directory.models import Location, Service, ServiceAtLocation

    statement = (
        select(Service)
        .options(
            selectinload(Service.organization),
            selectinload(Service.needs),
            selectinload(Service.phones),
            selectinload(Service.areas),
            selectinload(Service.languages),
            selectinload(Service.schedules),
            selectinload(Service.at_locations)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
        )
        .order_by(Service.id)
    )
    return list(session.scalars(statement))


def _countries(service: Service) -> list[str]:
    found = [
        address.country
        for at in service.at_locations
        for address in at.location.addresses
        if address.country
    ]
    found += [area.name for area in service.areas if area.name and len(area.name) == 2]
    return sorted({code.upper() for code in found})


def _months_ago(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_stale(service: Service, months: int = 12, today: date | None = None) -> bool:
    """Not verified in `months` months, or never (an unchecked seed row counts as never)."""
    if service.assured_date is None:
        return True
    if (service.assurer_email or "").lower().startswith(UNCHECKED_PREFIX):
        return True
    return service.assured_date < _months_ago(today or date.today(), months)


def _verified(service: Service) -> str:
    if service.assured_date is None:
        return "never"
    if (service.assurer_email or "").lower().startswith(UNCHECKED_PREFIX):
        return f"{service.assured_date} (unchecked)"
    return str(service.assured_date)


def _table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        print("  ".join(cells).rstrip(), file=out)


def _list(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    from bot.directory.models import NEEDS

    with factory() as session:
        services = _services(session)
        shown = []
        for service in services:
            needs = sorted((n.need for n in service.needs), key=NEEDS.index)
            countries = _countries(service)
            if args.need and args.need not in needs:
                continue
            if args.country and args.country.upper() not in countries:
                continue
            if args.stale and not is_stale(service):
                continue
            shown.append(
                [
                    service.id,
                    ",".join(needs) or "(none)",
                    ",".join(countries) or "-",
                    _verified(service),
                    service.name
                    if service.status == "active"
                    else f"{service.name} [{service.status}]",
                ]
            )
    if not shown:
        print("No services match.", file=out)
        return 0
    _table([["ID", "NEEDS", "COUNTRY", "VERIFIED", "NAME"], *shown], out)
    print(f"{len(shown)} service{'s' if len(shown) != 1 else ''}.", file=out)
    return 0


def _stale(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    with factory() as session:
        rows = [
            [service.id, _verified(service), service.assurer_email or "-", service.name]
            for service in _services(session)
            if is_stale(service, args.months)
        ]
    if not rows:
        print(f"Every service was verified in the last {args.months} months.", file=out)
        return 0
    _table([["ID", "VERIFIED", "BY", "NAME"], *rows], out)
    print(
        f"{len(rows)} service{'s' if len(rows) != 1 else ''} not verified in the last "
        f"{args.months} months. After checking one: helpline resources verify ID --by NAME",
        file=out,
    )
    return 0


def _show(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    with factory() as session:
        service = next((s for s in _services(session) if s.id == args.id), None)
        if service is None:
            print(f"No service with id '{args.id}'. See: helpline resources list", file=out)
            return 1
        lines = _describe(service)
    print("\n".join(lines), file=out)
    return 0


def _describe(service: Service) -> list[str]:
    from bot.directory.exporter import opening
    from bot.directory.models import NEEDS
    from bot.directory.national import readable_phone
    from bot.directory.template import format_hours

    def field(label: str, value: Any) -> None:
        if value not in (None, "", []):
            lines.append(f"{label + ':':<24}{value}")

    lines: list[str] = [service.name, "=" * min(len(service.name), 70)]
    field("id", service.id)
    field("organization", f"{service.organization.name} ({service.organization_id})")
    field("status", service.status)
    field(
        "needs",
        " ".join(sorted((n.need for n in service.needs), key=NEEDS.index)) or "(none: not offered)",
    )
    field("description", service.description)
    field("phones", ", ".join(readable_phone(p.number) for p in service.phones))
    field("email", service.email)
    field("website", service.url)
    openings = [opening(s) for s in service.schedules]
    if openings and all(o is not None for o in openings):
        field("hours", format_hours([o for o in openings if o is not None]))
    elif service.schedules:
        field("hours", f"{len(service.schedules)} schedules (see the HSDS export)")
    field("languages", " ".join(lang.code or lang.name or "" for lang in service.languages))
    field("service area", "; ".join(a.name for a in service.areas if a.name))
    ages = (service.minimum_age, service.maximum_age)
    if ages != (None, None):
        low = ages[0] if ages[0] is not None else 0
        field("ages", f"{low} to {ages[1] if ages[1] is not None else 'any'}")
    field("for", service.gender)
    field("trafficking specialist", "yes" if service.trafficking_specialist else "no")
    field("confidential", "yes" if service.confidential else "no")
    for at in service.at_locations:
        location = at.location
        parts = []
        for address in location.addresses:
            parts += [
                address.address_1,
                address.city,
                address.region,
                address.postal_code,
                address.country,
            ]
        place = ", ".join(p for p in parts if p) or "(no address)"
        coords = (
            f" at {location.latitude}, {location.longitude}"
            if location.latitude is not None
            else ""
        )
        field(f"location ({location.location_type})", f"{place}{coords} [{location.id}]")
        field("  time zone", location.timezone or "unknown")
    field("verified", _verified(service))
    field("verified by", service.assurer_email)
    return lines


def _verify(
    args: argparse.Namespace, _settings: Settings, factory: sessionmaker[Session], out: TextIO
) -> int:
    from bot.directory.importer import parse_date
    from bot.directory.models import Service

    try:
        on = parse_date(args.on, future_ok=False) if args.on else date.today()
    except ValueError as error:
        print(f"helpline resources verify: --on: {error}", file=out)
        return 1
    name = args.by.strip()
    if not name:
        print("helpline resources verify: --by needs the name of who checked it", file=out)
        return 1
    with factory() as session:
        service = session.get(Service, args.id)
        if service is None:
            print(f"No service with id '{args.id}'. See: helpline resources list", file=out)
            return 1
        service.assured_date = on
        service.assurer_email = name
        session.commit()
        print(f"Verified '{service.name}' ({service.id}): by {name} on {on}.", file=out)
    return 0


_TASKS: dict[str, Callable[[argparse.Namespace, Settings, sessionmaker[Session], TextIO], int]] = {
    "import": _import,
    "export": _export,
    "list": _list,
    "show": _show,
    "add": _add,
    "verify": _verify,
    "stale": _stale,
    "seed": _seed,
}
