"""Routing: which services to offer, for a need, a place and a person, best first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.db.session import engine_for, session_factory, upgrade
from bot.directory.hours import OpenState
from bot.directory.models import (
    Address,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceNeed,
)
from bot.directory.search import (
    Match,
    Person,
    Where,
    find_services,
    haversine_km,
    normalize_place,
)

# Wednesday 5 June 2024: 22:00 in Bangkok, 16:00 in London, 11:00 in New York.
NOW = datetime(2024, 6, 5, 15, 0, tzinfo=UTC)

BANGKOK = Where(13.7563, 100.5018, "TH")
PATTAYA = (12.9236, 100.8825)
THAI = Person(language="th")

ALWAYS: dict[str, Any] = {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR,SA,SU"}
OFFICE: dict[str, Any] = {
    "freq": "WEEKLY",
    "byday": "MO,TU,WE,TH,FR",
    "opens_at": time(9),
    "closes_at": time(17),
}


def place(
    id: str, lat: float | None, lon: float | None, tz: str | None, **extra: Any
) -> dict[str, Any]:
    return {"id": id, "lat": lat, "lon": lon, "tz": tz, **extra}


def bangkok(id: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    return place(id, lat, lon, "Asia/Bangkok", city="Bangkok", country="TH", **extra)


class Directory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.later: list[Any] = []  # rows that point at rows of the first flush
        session.add(Organization(id="org", name="Test NGOs"))

    def service(
        self,
        id: str,
        name: str,
        needs: tuple[str, ...] = ("shelter",),
        *,
        areas: tuple[str, ...] = (),
        languages: tuple[str, ...] = (),
        locations: tuple[dict[str, Any], ...] = (),
        schedules: tuple[dict[str, Any], ...] = (),
        specialist: bool = False,
        gender: str = "any",
        status: str = "active",
        **fields: Any,
    ) -> None:
        service = Service(
            id=id,
            organization_id="org",
            name=name,
            status=status,
            gender=gender,
            trafficking_specialist=specialist,
            **fields,
        )
        service.needs = [ServiceNeed(need=need) for need in needs]
        service.areas = [ServiceArea(id=f"{id}-area-{n}", name=a) for n, a in enumerate(areas)]
        service.languages = [Language(id=f"{id}-lang-{code}", code=code) for code in languages]
        service.schedules = [Schedule(id=f"{id}-hours-{n}", **s) for n, s in enumerate(schedules)]
        service.phones = [Phone(id=f"{id}-phone", number="+6620000000")]
        for spot in locations:
            location = Location(
                id=spot["id"],
                name=spot.get("name"),
                latitude=spot["lat"],
                longitude=spot["lon"],
                timezone=spot["tz"],
                location_type=spot.get("type", "physical"),
            )
            if "city" in spot:
                location.addresses = [
                    Address(
                        id=f"{spot['id']}-address",
                        address_1="1 Main Road",
                        city=spot["city"],
                        country=spot["country"],
                    )
                ]
            at = ServiceAtLocation(id=f"{id}@{spot['id']}", location=location)
            service.at_locations.append(at)
            for n, hours in enumerate(spot.get("sal_schedules", ())):
                self.later.append(
                    Schedule(id=f"{at.id}-hours-{n}", service_at_location_id=at.id, **hours)
                )
            for code in spot.get("languages", ()):
                self.later.append(
                    Language(id=f"{spot['id']}-lang-{code}", location_id=location.id, code=code)
                )
        self.session.add(service)

    def commit(self) -> None:
        self.session.flush()
        self.session.add_all(self.later)
        self.session.commit()


def build(directory: Directory) -> None:
    add = directory.service
    # Bangkok shelters, around the person at BANGKOK.
    add(
        "bkk-specialist",
        "Baan Phak Phing",
        specialist=True,
        languages=("en",),
        locations=(bangkok("loc-specialist", 13.80, 100.55),),
        schedules=(OFFICE,),  # closed at 22:00
    )
    add(
        "bkk-thai-open",
        "Sala Thai Shelter",
        # Thai is spoken at the location, not listed for the service.
        locations=(bangkok("loc-thai-open", 13.70, 100.50, languages=("th",)),),
        schedules=(ALWAYS,),
    )
    add(
        "bkk-thai-unknown",
        "Ruen Rak",
        languages=("th",),
        locations=(bangkok("loc-thai-unknown", 13.76, 100.60),),
    )
    add(
        "bkk-thai-closed",
        "Ban Nam Jai",
        languages=("th",),
        locations=(bangkok("loc-thai-closed", 13.757, 100.502),),
        schedules=(OFFICE,),
    )
    add(
        "bkk-english",
        "Riverside Shelter",
        languages=("en", "ZH"),
        locations=(bangkok("loc-english", 13.75, 100.49),),
        schedules=(ALWAYS,),
    )
    add(
        "bkk-women",
        "Women's House",
        gender="women",
        minimum_age=18,
        languages=("th",),
        locations=(bangkok("loc-women", 13.72, 100.53),),
        schedules=(ALWAYS,),
    )
    add(
        "bkk-children",
        "Children's Home",
        ("shelter", "child_protection"),
        maximum_age=17,
        languages=("th",),
        locations=(bangkok("loc-children", 13.74, 100.51),),
        schedules=(ALWAYS,),
    )
    add(
        "bkk-inactive",
        "Old Shelter",
        status="inactive",
        specialist=True,
        languages=("th",),
        locations=(bangkok("loc-inactive", 13.7563, 100.5018),),
        schedules=(ALWAYS,),
    )
    add(
        "bkk-legal",
        "Bangkok Legal Aid",
        ("legal",),
        areas=("Bangkok",),
        locations=(bangkok("loc-legal", 13.76, 100.50),),
    )
    add(
        "pattaya",
        "Pattaya Shelter",
        areas=("Chonburi", "ชลบุรี"),
        languages=("th",),
        locations=(place("loc-pattaya", *PATTAYA, "Asia/Bangkok"),),
        schedules=(ALWAYS,),
    )
    add("th-network", "Thai Shelter Network", specialist=True, areas=("th",))
    add("th-hotline", "1300 Hotline", ("hotline",), areas=("TH",), schedules=(ALWAYS,))
    add(
        "bkk-hotline",
        "Bangkok Helpline",
        ("hotline",),
        areas=("Bangkok", "กรุงเทพมหานคร"),
        # No location: the schedule's own offset gives the time (08:00-20:00 UTC+7).
        schedules=(ALWAYS | {"opens_at": time(8), "closes_at": time(20), "timezone": 7.0},),
    )
    # Chiang Mai: matched by the names of the place.
    add(
        "cm-shelter",
        "Chiang Mai Shelter",
        areas=("Chiang Mai", "เชียงใหม่"),
        languages=("th",),
        locations=(
            place("loc-cm", 18.7883, 98.9853, "Asia/Bangkok", city="Chiang Mai", country="TH"),
        ),
        schedules=(ALWAYS,),
    )
    add(
        "cm-legal",
        "Chiang Mai Legal Clinic",
        ("legal",),
        areas=("Chiang Mai",),  # English only
        locations=(place("loc-cm-legal", 18.79, 98.99, "Asia/Bangkok"),),
        schedules=(OFFICE,),
    )
    # London.
    add(
        "london-women",
        "London Women's Refuge",
        gender="women",
        specialist=True,
        areas=("London",),
        languages=("en",),
        locations=(place("loc-london", 51.5155, -0.0922, "Europe/London"),),
        schedules=(OFFICE,),
    )
    # New York: hours of the service, except at Brooklyn (Saturdays only).
    add(
        "ny-legal",
        "New York Anti-Trafficking Legal Project",
        ("legal",),
        specialist=True,
        areas=("New York",),
        languages=("en", "es"),
        locations=(
            place("loc-manhattan", 40.7128, -74.0060, "America/New_York"),
            place(
                "loc-brooklyn",
                40.6782,
                -73.9442,
                "America/New_York",
                sal_schedules=(
                    {"freq": "WEEKLY", "byday": "SA", "opens_at": time(10), "closes_at": time(14)},
                ),
            ),
        ),
        schedules=(OFFICE,),
    )
    # A national hotline whose only location is virtual: it gives the time zone.
    add(
        "us-hotline",
        "US Trafficking Hotline",
        ("hotline",),
        areas=("US",),
        locations=(place("loc-us-virtual", None, None, "America/New_York", type="virtual"),),
        schedules=(OFFICE,),
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = "sqlite:///" + str(tmp_path / "directory.db")
    upgrade(url)
    factory = session_factory(url)
    with factory() as session:
        directory = Directory(session)
        build(directory)
        directory.commit()
    return url


@pytest.fixture
def session(url: str) -> Iterator[Session]:
    with session_factory(url)() as session:
        yield session


def ids(matches: list[Match]) -> list[str]:
    return [match.service.id for match in matches]


def by_id(matches: list[Match]) -> dict[str, Match]:
    return {match.service.id: match for match in matches}


def test_ranking_order(session: Session) -> None:
    matches = find_services(session, "shelter", BANGKOK, THAI, NOW)
    assert ids(matches) == [
        # Local: the trafficking specialist first, though closed and English-only.
        "bkk-specialist",
        # Then those who speak Thai: open ones by distance, unknown hours, closed.
        "bkk-children",
        "bkk-women",
        "bkk-thai-open",
        "bkk-thai-unknown",
        "bkk-thai-closed",
        # Then those who do not.
        "bkk-english",
        # National last.
        "th-network",
    ]
    found = by_id(matches)
    assert found["bkk-specialist"].open_state is OpenState.CLOSED
    assert found["bkk-thai-open"].open_state is OpenState.OPEN
    assert found["bkk-thai-unknown"].open_state is OpenState.UNKNOWN
    assert found["bkk-thai-closed"].open_state is OpenState.CLOSED
    assert found["bkk-thai-open"].speaks_language  # a Language row of the location
    assert found["bkk-thai-open"].languages == ("th",)
    assert found["bkk-english"].languages == ("en", "ZH")
    assert [s.id for s in found["bkk-specialist"].schedules] == ["bkk-specialist-hours-0"]
    assert found["bkk-thai-unknown"].schedules == ()
    assert not found["bkk-english"].speaks_language
    distances = [match.distance_km for match in matches[1:4]]
    assert distances == sorted(distances)  # type: ignore[type-var]
    assert found["bkk-children"].distance_km == pytest.approx(2.0, abs=0.1)
    assert found["bkk-thai-open"].location is not None
    assert found["bkk-thai-open"].location.id == "loc-thai-open"
    assert not any(match.national for match in matches[:-1])


def test_national_service(session: Session) -> None:
    network = find_services(session, "shelter", BANGKOK, THAI, NOW)[-1]
    assert network.service.id == "th-network"
    assert network.national
    assert network.location is None
    assert network.distance_km is None
    assert network.open_state is OpenState.UNKNOWN  # no schedule


def test_language_preference(session: Session) -> None:
    # Without a known language, distance decides among the open ones.
    assert ids(find_services(session, "shelter", BANGKOK, Person(), NOW))[:3] == [
        "bkk-specialist",
        "bkk-english",
        "bkk-children",
    ]
    # "zh-Hans" is Chinese, as the service's "ZH" is.
    matches = find_services(session, "shelter", BANGKOK, Person(language="zh-Hans"), NOW)
    assert ids(matches)[:2] == ["bkk-specialist", "bkk-english"]
    assert matches[1].speaks_language
    assert not by_id(matches)["bkk-children"].speaks_language


def test_open_before_unknown_before_closed(session: Session) -> None:
    matches = by_id(find_services(session, "shelter", BANGKOK, THAI, NOW))
    order = ids(find_services(session, "shelter", BANGKOK, THAI, NOW))
    # The closed one is the nearest of the three, and still comes last.
    assert matches["bkk-thai-closed"].distance_km < matches["bkk-thai-open"].distance_km  # type: ignore[operator]
    assert (
        order.index("bkk-thai-open")
        < order.index("bkk-thai-unknown")
        < order.index("bkk-thai-closed")
    )
    # At 10:00 on a Monday in Bangkok the office-hours shelter is open, and nearest.
    monday = datetime(2024, 6, 3, 3, 0, tzinfo=UTC)
    order = ids(find_services(session, "shelter", BANGKOK, THAI, monday))
    assert order.index("bkk-thai-closed") < order.index("bkk-children")


def test_inactive_is_excluded(session: Session) -> None:
    # It would be first: a specialist, speaks Thai, open, at distance zero.
    assert "bkk-inactive" not in ids(find_services(session, "shelter", BANGKOK, THAI, NOW))


def test_radius_boundary(session: Session) -> None:
    distance = haversine_km(BANGKOK.latitude, BANGKOK.longitude, *PATTAYA)  # type: ignore[arg-type]
    assert 95 < distance < 110
    assert "pattaya" not in ids(find_services(session, "shelter", BANGKOK, THAI, NOW))
    inside = by_id(find_services(session, "shelter", BANGKOK, THAI, NOW, radius_km=distance + 0.01))
    assert inside["pattaya"].distance_km == pytest.approx(distance)
    assert not inside["pattaya"].national
    assert "pattaya" not in ids(
        find_services(session, "shelter", BANGKOK, THAI, NOW, radius_km=distance - 0.01)
    )


def test_area_name_in_thai_script(session: Session) -> None:
    chiang_mai = Where(None, None, "TH", names=("เชียงใหม่",))
    matches = find_services(session, "shelter", chiang_mai, THAI, NOW)
    assert ids(matches) == ["cm-shelter", "th-network"]
    assert not matches[0].national
    assert matches[0].location is not None
    assert matches[0].location.id == "loc-cm"
    assert matches[0].distance_km is None
    # The legal clinic's area is only written in English: a Thai name does not match it.
    assert find_services(session, "legal", chiang_mai, THAI, NOW) == []


def test_area_name_in_english_any_case(session: Session) -> None:
    for name in ("Chiang Mai", "chiang  MAI", " CHIANG MAI "):
        where = Where(None, None, "TH", names=(name,))
        assert ids(find_services(session, "legal", where, THAI, NOW)) == ["cm-legal"]
    # The gazetteer gives every name it knows; either is enough.
    both = Where(None, None, "TH", names=("เชียงใหม่", "Chiang Mai"))
    assert ids(find_services(session, "legal", both, THAI, NOW)) == ["cm-legal"]


def test_shared_location_in_chiang_mai(session: Session) -> None:
    where = Where(18.79, 98.98, "TH")
    matches = find_services(session, "shelter", where, THAI, NOW)
    assert ids(matches) == ["cm-shelter", "th-network"]
    assert matches[0].distance_km == pytest.approx(0.5, abs=0.3)


def test_local_before_national_even_when_closed(session: Session) -> None:
    where = Where(13.7563, 100.5018, "TH", names=("กรุงเทพมหานคร",))
    matches = find_services(session, "hotline", where, THAI, NOW)
    assert ids(matches) == ["bkk-hotline", "th-hotline"]
    local, national = matches
    assert not local.national and national.national
    assert local.open_state is OpenState.CLOSED  # 22:00, by the schedule's UTC+7
    assert national.open_state is OpenState.OPEN  # 24/7, no time zone needed
    assert local.location is None and national.location is None
    # Without the place's name the Bangkok line has nothing to match on.
    assert ids(find_services(session, "hotline", BANGKOK, THAI, NOW)) == ["th-hotline"]


def test_national_hotline_with_a_virtual_location(session: Session) -> None:
    where = Where(40.7130, -74.0055, "us")
    matches = find_services(session, "hotline", where, Person(), NOW)
    assert ids(matches) == ["us-hotline"]
    assert matches[0].national
    assert matches[0].location is not None and matches[0].location.id == "loc-us-virtual"
    assert matches[0].distance_km is None
    assert matches[0].open_state is OpenState.OPEN  # 11:00 in New York


def test_need_filter(session: Session) -> None:
    shelters = ids(find_services(session, "shelter", BANGKOK, THAI, NOW))
    assert "bkk-legal" not in shelters
    assert "th-hotline" not in shelters
    assert ids(find_services(session, "legal", BANGKOK, THAI, NOW)) == ["bkk-legal"]
    assert ids(find_services(session, "child_protection", BANGKOK, THAI, NOW)) == ["bkk-children"]
    # Shelters are not hotlines, even though they have phones.
    assert ids(find_services(session, "hotline", BANGKOK, THAI, NOW)) == ["th-hotline"]
    assert find_services(session, "medical", BANGKOK, THAI, NOW) == []
    with pytest.raises(ValueError, match="unknown need"):
        find_services(session, "housing", BANGKOK, THAI, NOW)


def test_eligibility(session: Session) -> None:
    def found(person: Person) -> list[str]:
        return ids(find_services(session, "shelter", BANGKOK, person, NOW))

    everyone = found(Person())
    assert {"bkk-children", "bkk-women"} <= set(everyone)
    adult_man = found(Person(age=30, gender="men"))
    assert "bkk-children" not in adult_man and "bkk-women" not in adult_man
    assert set(everyone) - set(adult_man) == {"bkk-children", "bkk-women"}
    girl = found(Person(age=12, gender="women"))
    assert "bkk-children" in girl
    assert "bkk-women" not in girl  # 18 and over
    woman = found(Person(age=25, gender="Women"))
    assert "bkk-women" in woman and "bkk-children" not in woman
    # Only the bounds are excluded: 17 is a child, 18 an adult.
    assert "bkk-children" in found(Person(age=17))
    assert "bkk-children" not in found(Person(age=18))
    assert "bkk-women" in found(Person(age=18))
    # A gender the directory does not record excludes nothing.
    assert found(Person(gender="nonbinary")) == everyone


def test_london_by_gender_and_open_hours(session: Session) -> None:
    london = Where(51.5074, -0.1278, "GB")
    matches = find_services(session, "shelter", london, Person(gender="women"), NOW)
    assert ids(matches) == ["london-women"]
    assert matches[0].open_state is OpenState.OPEN  # 16:00 BST
    assert matches[0].distance_km == pytest.approx(2.6, abs=0.1)
    assert find_services(session, "shelter", london, Person(gender="men"), NOW) == []
    evening = datetime(2024, 6, 5, 16, 30, tzinfo=UTC)  # 17:30 BST
    assert find_services(session, "shelter", london, Person(), evening)[0].open_state is (
        OpenState.CLOSED
    )


def test_service_at_location_hours_win(session: Session) -> None:
    manhattan = find_services(session, "legal", Where(40.7130, -74.0055, "US"), Person(), NOW)
    assert [(m.service.id, m.location.id if m.location else None) for m in manhattan] == [
        ("ny-legal", "loc-manhattan")
    ]
    assert manhattan[0].open_state is OpenState.OPEN  # the service's weekday hours
    brooklyn = find_services(session, "legal", Where(40.6800, -73.9450, "US"), Person(), NOW)
    assert brooklyn[0].location is not None and brooklyn[0].location.id == "loc-brooklyn"
    assert brooklyn[0].open_state is OpenState.CLOSED  # Saturdays only there
    assert [s.byday for s in brooklyn[0].schedules] == ["SA"]
    assert [s.byday for s in manhattan[0].schedules] == ["MO,TU,WE,TH,FR"]
    saturday = datetime(2024, 6, 8, 15, 0, tzinfo=UTC)  # 11:00 EDT
    where = Where(40.6800, -73.9450, "US")
    assert find_services(session, "legal", where, Person(), saturday)[0].open_state is (
        OpenState.OPEN
    )


def test_no_match(session: Session) -> None:
    tokyo = Where(35.6762, 139.6503, "JP", names=("Tokyo", "東京"))
    assert find_services(session, "shelter", tokyo, THAI, NOW) == []
    assert find_services(session, "shelter", Where(None, None, None), THAI, NOW) == []
    # Far from everything in Thailand, only the national service remains.
    assert ids(find_services(session, "shelter", Where(7.88, 98.39, "TH"), THAI, NOW)) == [
        "th-network"
    ]


def test_a_fixed_number_of_queries(url: str, session: Session) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        matches = find_services(session, "shelter", BANGKOK, THAI, NOW)
        many = len(statements)
        # Everything the presenter reads is loaded already.
        for match in matches:
            assert match.service.organization.name
            assert match.service.phones[0].number
            _ = [area.name for area in match.service.areas]
            if match.location is not None:
                _ = [address.city for address in match.location.addresses]
        assert len(statements) == many
        statements.clear()
        find_services(session, "legal", BANGKOK, THAI, NOW)
        assert len(statements) == many
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(matches) == 8
    assert many == 9


def test_normalize_place() -> None:
    assert normalize_place("Zürich") == normalize_place("ZURICH")
    assert normalize_place("  Chiang   Mai ") == "chiang mai"
    assert normalize_place("São Paulo") == "sao paulo"
    assert normalize_place("Hà Nội") == normalize_place("ha noi")
    # Thai vowel and tone marks are letters of the word, not accents.
    assert normalize_place("เชียงใหม่") == "เชียงใหม่"
    assert normalize_place("เชียงใหม่") != normalize_place("เชยงใหม")
    # SARA AM, precomposed or typed as NIKHAHIT + SARA AA, is one spelling.
    assert normalize_place("ลำปาง") == normalize_place("ลําปาง")


def test_haversine() -> None:
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=1)
    assert haversine_km(13.7563, 100.5018, 13.7563, 100.5018) == 0
