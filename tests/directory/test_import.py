"""Importing into the services directory: every row checked first, then all or nothing."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.session import session_factory, upgrade
from bot.directory.hsds import TABLES
from bot.directory.importer import Report, import_path, infer_needs, made_up_id
from bot.directory.models import (
    Location,
    Phone,
    Schedule,
    Service,
    ServiceNeed,
)
from bot.directory.template import END_OF_DAY, HoursError, Opening, format_hours, parse_hours

DATA = Path(__file__).parent / "data"
TEMPLATE = DATA / "services.csv"
HSDS = DATA / "hsds"
JSON = DATA / "services.json"
Factory = sessionmaker[Session]


# --- Helpers shared with the other directory tests -----------------------------------------


def new_db(path: Path) -> Factory:
    url = f"sqlite:///{path}"
    upgrade(url)
    return session_factory(url)


@pytest.fixture
def db(tmp_path: Path) -> Factory:
    return new_db(tmp_path / "h.db")


def dump(factory: Factory) -> dict[str, list[dict[str, Any]]]:
    """Every row of every directory table, comparable between databases."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with factory() as session:
        for name, (model, _) in TABLES.items():
            table: Table = model.__table__  # type: ignore[assignment]
            rows = session.execute(select(table)).mappings()
            # Sorted here: PostgreSQL's collation orders ids unlike SQLite.
            found = [{k: _plain(v) for k, v in row.items()} for row in rows]
            tables[name] = sorted(found, key=lambda row: row["id"])
        needs = session.execute(select(ServiceNeed.service_id, ServiceNeed.need))
        tables["service_need"] = [{"service_id": s, "need": n} for s, n in sorted(needs)]
    return tables


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def run(factory: Factory, path: Path, **options: Any) -> Report:
    options.setdefault("default_country", "TH")
    return import_path(factory, path, **options)


def template_rows(path: Path = TEMPLATE) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def edited(tmp_path: Path, edit: Callable[[list[dict[str, str]]], None]) -> Path:
    rows = template_rows()
    edit(rows)
    return write_rows(tmp_path / "services.csv", rows, list(template_rows()[0]))


def copy_package(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HSDS, tmp_path / "package"))


def edit_csv(path: Path, row_id: str, **changes: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    for row in rows:
        if row["id"] == row_id:
            row.update(changes)
    write_rows(path, rows, columns)


def problem(report: Report, where: str, text: str) -> bool:
    return any(p.where == where and text in p.message for p in report.errors)


# --- The template ------------------------------------------------------------------------------


def test_template_import_writes_every_part(db: Factory) -> None:
    report = run(db, TEMPLATE)
    assert report.ok, report.text()
    assert report.written and "Imported." in report.text()
    assert report.counts["service"].added == 5
    assert report.counts["organization"].added == 4  # Example Legal Aid runs two services
    with db() as session:
        shelter = session.get(Service, "th-bkk-shelter")
        assert shelter is not None
        assert shelter.gender == "women" and shelter.trafficking_specialist and shelter.confidential
        assert shelter.minimum_age == 18 and shelter.maximum_age is None
        assert shelter.assured_date == date(2026, 10, 1)
        assert shelter.assurer_email == "Example Safe House Foundation"
        assert {n.need for n in shelter.needs} == {"shelter", "counselling"}
        assert [p.number for p in shelter.phones] == ["+6621234567", "+66812345678"]
        assert sorted(lang.code or "" for lang in shelter.languages) == ["en", "my", "th"]
        assert {lang.name for lang in shelter.languages} == {"Thai", "English", "Burmese"}
        assert [a.name for a in shelter.areas] == ["Bangkok"]
        [at] = shelter.at_locations
        assert at.location.timezone == "Asia/Bangkok"  # from the coordinates
        assert at.location.location_type == "physical"
        assert at.location.addresses[0].city == "Bangkok"
        [always] = shelter.schedules
        assert (always.byday, always.opens_at, always.closes_at) == (
            "MO,TU,WE,TH,FR,SA,SU",
            time(0),
            END_OF_DAY,
        )

        legal_id = made_up_id(
            "Example Legal Aid",
            "Legal advice for migrant workers",
            "45 Example Lane",
            "Chiang Mai",
            "TH",
        )
        legal = session.get(Service, legal_id)
        assert legal is not None and legal.url == "https://legal.example.org"
        assert [(s.byday, s.opens_at, s.closes_at) for s in legal.schedules] == [
            ("MO,TU,WE,TH,FR", time(9), time(17)),
            ("SA", time(10), time(14)),
        ]
        assert [a.name for a in legal.areas] == ["Chiang Mai", "Lamphun"]

        hotline = session.get(Service, "th-hotline")
        assert hotline is not None and [p.number for p in hotline.phones] == ["1300"]
        [at] = hotline.at_locations
        assert at.location.location_type == "virtual"
        assert at.location.timezone == "Asia/Bangkok"  # Thailand has one time zone

        london = session.get(Service, "gb-london-counselling")
        assert london is not None and london.at_locations[0].location.timezone == "Europe/London"
        assert london.at_locations[0].location.longitude == -0.0723
        ny = session.get(Service, "us-ny-legal")
        assert ny is not None and ny.at_locations[0].location.timezone == "America/New_York"
    assert any(w.where == "row 4" and "'1300'" in w.message for w in report.warnings)


def test_reimport_changes_nothing(db: Factory) -> None:
    run(db, TEMPLATE)
    before = dump(db)
    again = run(db, TEMPLATE)
    assert again.ok
    total = again.total()
    assert (total.added, total.changed, total.removed) == (0, 0, 0)
    assert total.unchanged > 0
    assert "0 added, 0 changed" in again.text()
    assert dump(db) == before


def test_rows_without_an_id_keep_theirs(db: Factory, tmp_path: Path) -> None:
    run(db, TEMPLATE)
    path = edited(tmp_path, lambda rows: rows[1].update(description="Now also on Sundays."))
    report = run(db, path)
    assert report.ok and report.counts["service"].changed == 1
    assert report.counts["service"].added == 0


def test_dry_run_writes_nothing(db: Factory) -> None:
    before = dump(db)
    report = run(db, TEMPLATE, dry_run=True)
    assert report.ok and not report.written
    assert report.counts["service"].added == 5
    assert "nothing was written" in report.text()
    assert dump(db) == before


def test_a_row_is_the_whole_service(db: Factory, tmp_path: Path) -> None:
    run(db, TEMPLATE)
    path = edited(tmp_path, lambda rows: rows[0].update(phone_2="", hours="Mo-Fr 08:00-20:00"))
    report = run(db, path)
    assert report.ok
    assert report.counts["phone"].removed == 1
    assert report.counts["schedule"].changed == 1
    with db() as session:
        numbers = session.scalars(select(Phone.number).where(Phone.service_id == "th-bkk-shelter"))
        assert list(numbers) == ["+6621234567"]


def test_a_row_in_excel_shape_is_read(db: Factory, tmp_path: Path) -> None:
    """A spreadsheet's export: BOM, CRLF, quoted cells, a formula guard, blank rows."""
    text = TEMPLATE.read_text(encoding="utf-8").replace("\n", "\r\n")
    text = text.replace("Example national helpline", "'=Example national helpline")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8") + b",,,,\r\n\r\n")
    report = run(db, path)
    assert report.ok, report.text()
    with db() as session:
        hotline = session.get(Service, "th-hotline")
        assert hotline is not None and hotline.name == "=Example national helpline"


BAD_ROWS: list[tuple[str, Callable[[list[dict[str, str]]], None], str, str]] = [
    ("phone", lambda r: r[0].update(phone="12345"), "row 2",
     "phone '12345' is not a valid number for TH"),
    ("country", lambda r: r[1].update(country="XX"), "row 3",
     "country 'XX' is not a two-letter ISO 3166 country code"),
    ("date", lambda r: r[0].update(verified_on="01/10/2026"), "row 2",
     "date '01/10/2026' is not a date written YYYY-MM-DD"),
    ("future date", lambda r: r[0].update(verified_on="2999-01-01"), "row 2", "in the future"),
    ("age", lambda r: r[0].update(min_age="eighteen"), "row 2",
     "min_age 'eighteen' is not an age in whole years"),
    ("min above max", lambda r: r[3].update(min_age="30", max_age="20"), "row 5",
     "min_age 30 is above max_age 20"),
    ("gender", lambda r: r[0].update(gender="female"), "row 2",
     "gender 'female' is not one of any, women, men"),
    ("hours", lambda r: r[1].update(hours="Mo-Fr 9-5"), "row 3", "write times as HH:MM-HH:MM"),
    ("hours day", lambda r: r[1].update(hours="Xx 09:00-10:00"), "row 3", "'Xx' is not a day"),
    ("hours same", lambda r: r[1].update(hours="Mo 09:00-09:00"), "row 3",
     "opens and closes at the same time"),
    ("timezone", lambda r: r[3].update(timezone="Europe/Londres"), "row 5",
     "timezone 'Europe/Londres' is not an IANA time zone"),
    ("duplicate id", lambda r: r[4].update(id="th-bkk-shelter"), "row 6",
     "id 'th-bkk-shelter' is used twice in the service rows (also on row 2)"),
    ("need", lambda r: r[2].update(needs="hotline sheltr"), "row 4",
     "need 'sheltr' is not one of shelter, legal"),
    ("no needs", lambda r: r[2].update(needs=""), "row 4", "needs is empty"),
    ("latitude", lambda r: r[3].update(latitude="95"), "row 5", "are out of range"),
    ("longitude alone", lambda r: r[3].update(latitude=""), "row 5",
     "give both latitude and longitude"),
    ("coordinate text", lambda r: r[3].update(latitude="51,5"), "row 5", "are not numbers"),
    ("language", lambda r: r[0].update(languages="th xx"), "row 2",
     "language 'xx' is not an ISO 639 language code"),
    ("email", lambda r: r[3].update(email="help.example.org"), "row 5",
     "email 'help.example.org' is not an e-mail address"),
    ("website", lambda r: r[4].update(website="javascript:alert(1)"), "row 6",
     "is not a web address"),
    ("yes or no", lambda r: r[0].update(confidential="maybe"), "row 2",
     "confidential 'maybe' is not yes or no"),
    ("verified_by", lambda r: r[3].update(verified_by=""), "row 5",
     "verified_on is given but not verified_by"),
    ("verified_on", lambda r: r[4].update(verified_by="Someone"), "row 6",
     "verified_by is given but not verified_on"),
    ("no contact", lambda r: r[2].update(phone=""), "row 4",
     "there is no way to reach this service"),
    ("organization", lambda r: r[0].update(organization=""), "row 2", "organization is empty"),
    ("no country", lambda r: r[0].update(country=""), "row 2", "country is empty"),
    ("same made-up id", lambda r: r.append(dict(r[1])), "row 7",
     "the same organization, service and address as row 3"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "where", "reason"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS]
)
def test_a_bad_row_is_reported_and_nothing_is_written(
    db: Factory,
    tmp_path: Path,
    edit: Callable[[list[dict[str, str]]], None],
    where: str,
    reason: str,
) -> None:
    before = dump(db)
    report = run(db, edited(tmp_path, edit))
    assert not report.ok and not report.written
    assert problem(report, where, reason), report.text()
    assert f"services.csv {where}: " in report.text()
    assert "Nothing was written" in report.text()
    assert dump(db) == before


def test_an_error_in_the_last_row_only_leaves_the_directory_as_it_was(
    db: Factory, tmp_path: Path
) -> None:
    run(db, TEMPLATE)
    before = dump(db)

    def edit(rows: list[dict[str, str]]) -> None:
        for row in rows:
            row["description"] = "Changed in the new file."
        rows.append({**rows[0], "id": "new-service", "phone": "12345"})

    report = run(db, edited(tmp_path, edit))
    assert [str(e) for e in report.errors] == [
        "services.csv row 7: phone '12345' is not a valid number for TH"
    ]
    assert dump(db) == before


def test_every_error_is_reported_at_once(db: Factory, tmp_path: Path) -> None:
    def edit(rows: list[dict[str, str]]) -> None:
        rows[0].update(phone="12345", gender="female")
        rows[3].update(timezone="Nowhere/City")

    report = run(db, edited(tmp_path, edit))
    assert [e.where for e in report.errors] == ["row 2", "row 2", "row 5"]


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        (b"", "", "the file is empty"),
        (b"\r\n \r\n", "", "the file is empty"),
        (
            b"id,organization,service,country\r\nx,Org,Svc,TH\r\n",
            "row 1",
            "lacks the column 'needs'",
        ),
        (
            "id,organization,service,needs,country,description\r\n"
            "x,Org,Svc,legal,FR,Caf\u00e9\r\n".encode("cp1252"),
            "line 2",
            "not UTF-8",
        ),
        (
            b"id,organization,service,needs,country\r\nx,Org,Svc,legal,TH,extra\r\n",
            "row 2",
            "has 6 cells but the header only 5 columns",
        ),
        ((HSDS / "services.csv").read_bytes(), "row 1", "one table of an HSDS package"),
    ],
    ids=["empty", "blank", "header", "encoding", "extra cell", "hsds table"],
)
def test_a_file_that_cannot_be_read(
    db: Factory, tmp_path: Path, content: bytes, where: str, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = dump(db)
    report = run(db, path)
    assert len(report.errors) == 1 and report.errors[0].where == where, report.text()
    assert reason in report.errors[0].message
    assert dump(db) == before


def test_header_only_is_a_warning(db: Factory, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(TEMPLATE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    report = run(db, path)
    assert report.ok and "no rows below the header" in report.warnings[0].message


def test_unknown_columns_are_reported(db: Factory, tmp_path: Path) -> None:
    rows = template_rows()
    for row in rows:
        row["notes"] = "internal"
    report = run(db, write_rows(tmp_path / "services.csv", rows))
    assert report.ok
    assert any("'notes' is not part of the template" in w.message for w in report.warnings)


def test_a_missing_file_and_an_unknown_format(db: Factory, tmp_path: Path) -> None:
    assert "no such file" in run(db, tmp_path / "nope.csv").errors[0].message
    odd = tmp_path / "services.xlsx"
    odd.write_bytes(b"PK")
    assert "use --format" in run(db, odd).errors[0].message


# --- Hours ---------------------------------------------------------------------------------


def test_hours_read_and_written_alike() -> None:
    for text in (
        "24/7",
        "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
        "Mo-Fr 09:00-12:00,13:00-17:00",
        "Mo,We,Fr 10:00-16:00",
        "Fr-Su 22:00-06:00",
        "Mo-Su 00:00-24:00; Sa 10:00-12:00",
    ):
        assert format_hours(parse_hours(text)) == text
    assert parse_hours("daily 09:00-19:00") == [Opening(tuple("MO TU WE TH FR SA SU".split()),
                                                        time(9), time(19))]  # fmt: skip
    assert parse_hours("Sa-Mo 10:00-12:00")[0].days == ("MO", "SA", "SU")
    assert parse_hours("mon - fri 9:00 - 17:00")[0] == Opening(
        ("MO", "TU", "WE", "TH", "FR"), time(9), time(17)
    )
    assert parse_hours(" ") == []
    for bad in ("sometimes", "Mo-Fr", "Mo 25:00-26:00", "09:00-17:00", "Mo 10:00-24:30"):
        with pytest.raises(HoursError):
            parse_hours(bad)


def test_needs_inferred_from_english_words() -> None:
    assert infer_needs(["Community Counselling", "for mental health conditions"]) == ["counselling"]
    assert infer_needs(["Legal clinic for unpaid wages"]) == ["legal", "labour"]
    assert infer_needs(["Health clinic", "child protection"]) == ["medical", "child_protection"]
    assert infer_needs(["Shelter for women and their children"]) == ["shelter"]
    assert infer_needs(["Safe accommodation", "24-hour helpline"]) == ["shelter", "hotline"]
    assert infer_needs(["A place to rest and talk"]) == []


# --- HSDS packages ---------------------------------------------------------------------------


def test_hsds_package_import(db: Factory) -> None:
    report = run(db, HSDS)
    assert report.ok, report.text()
    warnings = [str(w) for w in report.warnings]
    assert any("funding" in w and "does not keep" in w for w in warnings)
    assert any("organizations.csv" in w and "tax_status" in w for w in warnings)
    assert (
        "services.csv row 3: service 'Safe accommodation': no helpline need given; "
        "inferred shelter from its name, description and taxonomy terms" in warnings
    )
    assert any(
        w.startswith("services.csv row 4: service 'Drop-in centre'") and "will not offer" in w
        for w in warnings
    )
    with db() as session:
        clinic = session.get(Service, "svc-1")
        assert clinic is not None
        assert {n.need for n in clinic.needs} == {"legal", "labour"}
        assert clinic.trafficking_specialist and not clinic.confidential
        assert clinic.assured_date == date(2026, 9, 1)
        assert clinic.last_modified is not None
        assert [p.number for p in clinic.phones] == ["+6655123456"]  # region from its address
        drop_in = session.get(Service, "svc-3")
        assert drop_in is not None and drop_in.needs == []
        assert session.get(Location, "loc-1").timezone == "Asia/Bangkok"  # type: ignore[union-attr]
        assert session.get(Location, "loc-2").timezone == "Asia/Bangkok"  # type: ignore[union-attr]
    tables = dump(db)
    # The helpline's own taxonomy rows and attributes become columns, not rows.
    assert [t["id"] for t in tables["taxonomy"]] == ["tax-1"]
    assert [t["id"] for t in tables["taxonomy_term"]] == ["term-1"]
    assert [a["id"] for a in tables["attribute"]] == ["a-5"]

    again = run(db, HSDS)
    assert (again.total().added, again.total().changed, again.total().removed) == (0, 0, 0)
    assert dump(db) == tables


def test_hsds_zip_imports_like_the_folder(db: Factory, tmp_path: Path) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in HSDS.iterdir():
            zipped.write(path, f"export/{path.name}")
    report = run(db, archive)
    assert report.ok, report.text()
    folder = new_db(tmp_path / "folder.db")
    run(folder, HSDS)
    assert dump(db) == dump(folder)


def test_a_package_is_the_whole_list_of_a_services_rows(db: Factory, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    run(db, package)
    phones = (package / "phones.csv").read_text(encoding="utf-8").splitlines()
    (package / "phones.csv").write_text("\n".join(phones[:2]) + "\n", encoding="utf-8")
    report = run(db, package)
    assert report.ok and report.counts["phone"].removed == 1
    # A package without a table leaves that table alone.
    (package / "datapackage.json").write_text(
        (package / "datapackage.json").read_text().replace('"phone"', '"not-phone"')
    )
    assert run(db, package).counts.get("phone") is None
    with db() as session:
        assert session.scalars(select(Phone.id)).all() == ["ph-1"]


BAD_PACKAGES: list[tuple[str, str, str, dict[str, str], str, str]] = [
    ("reference", "services.csv", "svc-3", {"organization_id": "org-9"}, "row 4",
     "organization_id 'org-9' is not in organizations.csv nor in the directory"),
    ("phone", "phones.csv", "ph-2", {"number": "12345"}, "row 3",
     "phone '12345' is not a valid number for TH"),
    ("need", "attributes.csv", "a-2", {"taxonomy_term_id": "helpline-need-food"}, "row 3",
     "'helpline-need-food' is not a helpline need"),
    ("timezone", "attributes.csv", "a-4", {"value": "Mars/Olympus"}, "row 5",
     "timezone 'Mars/Olympus' is not an IANA time zone"),
    ("flag", "attributes.csv", "a-3", {"value": "perhaps"}, "row 4",
     "trafficking_specialist: 'perhaps' is not yes or no"),
    ("attribute link", "attributes.csv", "a-1", {"link_id": "svc-9"}, "row 2",
     "link_id 'svc-9' is not a service of the package or the directory"),
    ("date", "services.csv", "svc-1", {"assured_date": "yesterday"}, "row 2",
     "assured_date: date 'yesterday' is not a date written YYYY-MM-DD"),
    ("age", "services.csv", "svc-1", {"minimum_age": "x"}, "row 2",
     "minimum_age: 'x' is not a whole number"),
    ("ages", "services.csv", "svc-1", {"maximum_age": "12"}, "row 2",
     "minimum_age 18 is above maximum_age 12"),
    ("status", "services.csv", "svc-2", {"status": "open"}, "row 3",
     "status 'open' is not one of active"),
    ("country", "addresses.csv", "addr-2", {"country": "XX"}, "row 3",
     "country 'XX' is not a two-letter ISO 3166 country code"),
    ("byday", "schedules.csv", "sch-1", {"byday": "MO,XX"}, "row 2",
     "byday 'MO,XX' is not a list of days"),
    ("opens_at", "schedules.csv", "sch-1", {"opens_at": "9am"}, "row 2",
     "opens_at: '9am' is not a time of day"),
    ("location type", "locations.csv", "loc-2", {"location_type": "mobile"}, "row 3",
     "location_type 'mobile' is not one of physical, postal, virtual"),
    ("required", "organizations.csv", "org-2", {"name": ""}, "row 3", "name is empty"),
    ("duplicate", "addresses.csv", "addr-2", {"id": "addr-1"}, "row 3",
     "id 'addr-1' is used twice in the address rows (also on row 2)"),
    ("no id", "languages.csv", "lang-3", {"id": ""}, "row 4", "the language has no id"),
    ("too long", "phones.csv", "ph-1", {"type": "voice" * 10}, "row 2",
     "longer than 16 characters"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "row_id", "changes", "where", "reason"),
    [c[1:] for c in BAD_PACKAGES],
    ids=[c[0] for c in BAD_PACKAGES],
)
def test_a_bad_package_row_is_reported_and_nothing_is_written(
    db: Factory,
    tmp_path: Path,
    file: str,
    row_id: str,
    changes: dict[str, str],
    where: str,
    reason: str,
) -> None:
    package = copy_package(tmp_path)
    edit_csv(package / file, row_id, **changes)
    before = dump(db)
    report = run(db, package)
    assert not report.ok
    assert any(
        e.file == file and e.where == where and reason in e.message for e in report.errors
    ), report.text()
    assert dump(db) == before


def test_hsds_from_elsewhere_keeps_what_it_can(db: Factory, tmp_path: Path) -> None:
    """Out-of-range coordinates and optional links to nothing are warnings, as in
    HSDS's own example."""
    package = copy_package(tmp_path)
    edit_csv(package / "locations.csv", "loc-2", latitude="100", longitude="101",
             organization_id="org-9")  # fmt: skip
    edit_csv(package / "phones.csv", "ph-1", number='"055 123 456"')
    report = run(db, package)
    assert report.ok, report.text()
    assert any(
        w.where == "row 3" and "the coordinates were dropped" in w.message for w in report.warnings
    )
    assert any("organization_id 'org-9'" in w.message and "dropped" in w.message
               for w in report.warnings)  # fmt: skip
    with db() as session:
        location = session.get(Location, "loc-2")
        assert location is not None and location.latitude is None
        assert location.organization_id is None
        assert location.timezone == "Asia/Bangkok"  # Thailand has one zone
        assert session.get(Phone, "ph-1").number == "+6655123456"  # type: ignore[union-attr]


def test_an_error_in_the_last_row_of_the_last_table(db: Factory, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    edit_csv(package / "attributes.csv", "a-5", taxonomy_term_id="term-9")
    report = run(db, package)
    assert [str(e) for e in report.errors] == [
        "attributes.csv row 6: taxonomy_term_id 'term-9' is not in taxonomy_terms.csv nor in "
        "the directory"
    ]
    assert all(not rows for rows in dump(db).values())


def test_package_problems(db: Factory, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "datapackage.json").unlink()
    assert "has no datapackage.json" in run(db, package).errors[0].message

    archive = tmp_path / "no-descriptor.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(HSDS / "services.csv", "services.csv")
    report = run(db, archive)
    assert report.errors[0].message.startswith("the .zip has no datapackage.json")

    package = copy_package(tmp_path / "2")
    (package / "phones.csv").unlink()
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"][8] = {"name": "service_area", "path": "../secrets.csv"}
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    (package / "addresses.csv").write_bytes("id,location_id\r\nx,Caf\u00e9\r\n".encode("cp1252"))
    messages = [str(e) for e in run(db, package).errors]
    assert "phones.csv: is listed in datapackage.json but missing" in messages
    assert any("'../secrets.csv' leaves the package" in m for m in messages)
    assert any(m.startswith("addresses.csv line 2: the file is not UTF-8") for m in messages)

    (package / "datapackage.json").write_text("{not json")
    assert "is not valid JSON" in run(db, package).errors[0].message
    (package / "datapackage.json").write_text('{"resources": []}')
    assert "lists none of the HSDS tables" in run(db, package).errors[0].message
    assert all(not rows for rows in dump(db).values())


# --- HSDS JSON --------------------------------------------------------------------------------


def test_hsds_json_import(db: Factory) -> None:
    report = run(db, JSON, default_country="US")
    assert report.ok, report.text()
    assert report.counts["location"].added == 1  # nested under both services, one row
    assert any("service.contacts" in w.message for w in report.warnings)
    with db() as session:
        outreach = session.get(Service, "json-svc-1")
        assert outreach is not None and outreach.confidential
        assert {n.need for n in outreach.needs} == {"counselling"}
        assert [p.number for p in outreach.phones] == ["+441174960123"]  # GB, from its address
        assert [a.name for a in outreach.areas] == ["Bristol"]
        housing = session.get(Service, "json-svc-2")
        assert housing is not None and {n.need for n in housing.needs} == {"shelter"}
        assert session.get(Location, "json-loc-1").timezone == "Europe/London"  # type: ignore[union-attr]
        assert session.scalars(select(Schedule.id)).all() == ["json-sch-1"]
    again = run(db, JSON, default_country="US")
    assert (again.total().added, again.total().changed) == (0, 0)


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        ('"services"', "", "expected a list of HSDS service objects"),
        ("42", "", "expected a list of HSDS service objects"),
        ("[]", "", "the list of services is empty"),
        ("[{", "line 1", "is not valid JSON"),
        ('[{"id": "a", "name": "A", "organization_id": "o"}, "b"]', "item 2", "must be an object"),
        ('[{"id": "a", "name": "A", "phones": {"id": "p"}}]', "item 1 > phones", "must be a list"),
        (
            '[{"id": "a", "name": "A", "organization": {"id": "o", "name": "O"}},'
            ' {"id": "b", "name": "B", "organization": {"id": "o", "name": "P"}}]',
            "item 2 > organization",
            "organization 'o' is given differently on item 1 > organization (name)",
        ),
    ],
    ids=["string", "number", "empty", "broken", "not an object", "not a list", "conflict"],
)
def test_bad_json(db: Factory, tmp_path: Path, content: str, where: str, reason: str) -> None:
    path = tmp_path / "services.json"
    path.write_text(content, encoding="utf-8")
    report = run(db, path)
    assert problem(report, where, reason), report.text()
    assert all(not rows for rows in dump(db).values())
