"""The national hotlines of countries.csv, loaded into the directory."""

from __future__ import annotations

import csv
from datetime import date, time
from pathlib import Path

import pytest

from bot.directory.models import Service
from bot.directory.national import SEED_FILE
from bot.directory.seed import seed_hotlines, seed_id
from bot.directory.template import END_OF_DAY
from tests.directory.test_import import Factory, dump, new_db


@pytest.fixture
def db(tmp_path: Path) -> Factory:
    return new_db(tmp_path / "h.db")


def seed_rows(path: Path = SEED_FILE) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_seed(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def with_hotline(row: dict[str, str]) -> bool:
    return bool(row["hotline_name"].strip() and (row["hotline_phone"] or row["hotline_url"]))


def test_every_hotline_of_the_seed_file_loads(db: Factory) -> None:
    report = seed_hotlines(db)
    assert report.ok, report.text()
    rows = [row for row in seed_rows() if with_hotline(row)]
    assert report.counts["service"].added == len(rows)
    with db() as session:
        for row in rows:
            code = row["country_code"]
            service = session.get(Service, seed_id(code))
            assert service is not None, code
            assert service.name == row["hotline_name"].strip()
            assert [n.need for n in service.needs] == ["hotline"]
            assert [a.name for a in service.areas] == [code]  # offered in the whole country
            assert service.assured_date == date.fromisoformat(row["checked_on"])
            assert service.assurer_email == row["checked_by"]
            assert service.trafficking_specialist == (
                row["hotline_is_trafficking_specific"] == "true"
            )
            if row["hotline_phone"]:
                assert service.phones[0].id == f"seed-hotline-{code}-phone"


def test_short_codes_and_hours(db: Factory) -> None:
    seed_hotlines(db)
    with db() as session:
        thailand = session.get(Service, "seed-hotline-TH")
        assert thailand is not None
        assert [p.number for p in thailand.phones] == ["1300"]
        assert [lang.code for lang in thailand.languages] == ["th"]
        [always] = thailand.schedules
        assert (always.byday, always.opens_at, always.closes_at) == (
            "MO,TU,WE,TH,FR,SA,SU",
            time(0),
            END_OF_DAY,
        )
        assert thailand.at_locations == []  # 24/7 needs no time zone
        usa = session.get(Service, "seed-hotline-US")
        assert usa is not None
        assert [(p.number, p.type) for p in usa.phones] == [
            ("+18883737888", "voice"),
            ("233733", "text"),
        ]
        france = session.get(Service, "seed-hotline-FR")
        assert france is not None and [p.number for p in france.phones] == ["116006"]
        [at] = france.at_locations  # daily 09:00-19:00 in the country's one time zone
        assert at.location.location_type == "virtual"
        assert at.location.timezone == "Europe/Paris"


def test_seeding_again_changes_nothing(db: Factory) -> None:
    seed_hotlines(db)
    before = dump(db)
    again = seed_hotlines(db)
    total = again.total()
    assert (total.added, total.changed, total.removed) == (0, 0, 0)
    assert "0 added, 0 changed" in again.text()
    assert dump(db) == before


def test_a_hotline_an_ngo_verified_since_is_kept(db: Factory, tmp_path: Path) -> None:
    rows = [r for r in seed_rows() if r["country_code"] in ("TH", "GB")]
    seed_hotlines(db, write_seed(tmp_path / "countries.csv", rows))
    with db() as session:
        thailand = session.get(Service, "seed-hotline-TH")
        assert thailand is not None
        thailand.assured_date = date(2026, 11, 27)
        thailand.assurer_email = "Example NGO, by phone"
        thailand.name = "Prachabodi Center 1300 (checked)"
        session.commit()

    for row in rows:
        row["hotline_phone"] = "1111" if row["country_code"] == "TH" else "+448000121701"
        row["checked_on"] = "2026-11-26"
    report = seed_hotlines(db, write_seed(tmp_path / "countries.csv", rows))
    assert report.ok
    assert any(
        "TH: kept the directory's hotline, verified by Example NGO, by phone on 2026-11-27"
        in w.message
        for w in report.warnings
    )
    with db() as session:
        thailand = session.get(Service, "seed-hotline-TH")
        assert thailand is not None and thailand.name == "Prachabodi Center 1300 (checked)"
        assert [p.number for p in thailand.phones] == ["1300"]
        britain = session.get(Service, "seed-hotline-GB")
        assert britain is not None and [p.number for p in britain.phones] == ["+448000121701"]

    # A newer check in the file wins over the NGO's older one.
    for row in rows:
        row["checked_on"], row["checked_by"] = "2026-12-01", "La Strada, by phone"
    assert seed_hotlines(db, write_seed(tmp_path / "countries.csv", rows)).ok
    with db() as session:
        thailand = session.get(Service, "seed-hotline-TH")
        assert thailand is not None and [p.number for p in thailand.phones] == ["1111"]
        assert thailand.assurer_email == "La Strada, by phone"


def test_a_bad_seed_file_writes_nothing(db: Factory, tmp_path: Path) -> None:
    rows = seed_rows()
    # The last row with a hotline (rows with only an emergency number are not seeded).
    last = max(
        i for i, row in enumerate(rows) if row.get("hotline_phone") or row.get("hotline_url")
    )
    rows[last]["checked_on"] = "26/11/2026"
    report = seed_hotlines(db, write_seed(tmp_path / "countries.csv", rows))
    assert not report.ok
    assert report.errors[0].where == f"row {last + 2}"
    assert "checked_on '26/11/2026'" in report.errors[0].message
    assert all(not table for table in dump(db).values())


def test_the_helpline_starts_with_the_national_hotlines_findable(tmp_path: Path) -> None:
    """`make run` -> conversations_for -> load_seed: a person in Thailand asking for a
    hotline finds the Thai one from the first run, before any NGO imported anything."""
    from datetime import UTC, datetime

    from bot.db.session import session_factory, upgrade
    from bot.directory.search import Person, Where, find_services
    from bot.runner import load_seed

    url = f"sqlite:///{tmp_path}/fresh.db"
    upgrade(url)
    sessions = session_factory(url)
    load_seed(url)
    load_seed(url)  # every start seeds again: nothing doubles
    with sessions() as session:
        where = Where(latitude=13.75, longitude=100.5, country="TH", names=("Bangkok",))
        found = find_services(session, "hotline", where, Person(language="th"), datetime.now(UTC))
        assert [m.service.id for m in found] == ["seed-hotline-TH"]
        assert found[0].national
