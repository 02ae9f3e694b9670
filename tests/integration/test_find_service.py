"""The find-service flow through the real Rasa engine and action server.

A small directory is written to the stack's database first: shelters and legal
help in Bangkok and Chiang Mai, a London service, and the Thai national hotline.
Then people ask for help in several languages, for several cities, and by
sharing a location.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from sqlalchemy import select

from bot.db.session import session_factory
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
from bot.stats import DailyCount
from tests.integration.conftest import Stack, replies

pytestmark = pytest.mark.integration

BANGKOK = (13.7563, 100.5018)
CHIANG_MAI = (18.7883, 98.9853)
LONDON = (51.5072, -0.1276)


def _service(
    session,  # type: ignore[no-untyped-def]
    key: str,
    name: str,
    need: str,
    at: tuple[float, float],
    *,
    city: str,
    country: str,
    phone: str,
    languages: tuple[str, ...] = ("en",),
    timezone: str = "Asia/Bangkok",
    specialist: bool = False,
) -> None:
    org = Organization(id=f"org-{key}", name=f"{name} organisation")
    session.add(org)
    session.flush()  # the location names its organisation by id, not by relationship
    service = Service(
        id=f"svc-{key}",
        organization=org,
        name=name,
        description=f"{name}: free and confidential.",
        status="active",
        trafficking_specialist=specialist,
        assured_date=date(2026, 10, 1),
        assurer_email="partner NGO",
    )
    service.needs = [ServiceNeed(need=need)]
    location = Location(
        id=f"loc-{key}",
        name=name,
        latitude=at[0],
        longitude=at[1],
        timezone=timezone,
        organization_id=org.id,
    )
    location.addresses = [
        Address(id=f"adr-{key}", address_1="1 Main Road", city=city, country=country)
    ]
    service.at_locations = [ServiceAtLocation(id=f"sal-{key}", location=location)]
    service.phones = [Phone(id=f"ph-{key}", number=phone)]
    service.languages = [Language(id=f"lang-{key}-{c}", code=c) for c in languages]
    service.schedules = [
        Schedule(
            id=f"sch-{key}-{day}",
            freq="WEEKLY",
            byday=day,
            opens_at=time(0, 0),
            closes_at=time(23, 59),
        )
        for day in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    ]
    session.add_all([org, service, location])


@pytest.fixture(scope="module")
def directory(stack: Stack) -> Iterator[None]:
    make = session_factory(stack.settings.resolved_database_url())
    with make() as session:
        _service(
            session,
            "bkk-shelter-1",
            "Baan Safe Shelter",
            "shelter",
            BANGKOK,
            city="Bangkok",
            country="TH",
            phone="+6621234567",
            languages=("th", "en"),
            specialist=True,
        )
        for n in range(2, 6):  # more than a page: the "more" button has work to do
            lat, lon = BANGKOK[0] + n * 0.01, BANGKOK[1]
            _service(
                session,
                f"bkk-shelter-{n}",
                f"Bangkok Shelter {n}",
                "shelter",
                (lat, lon),
                city="Bangkok",
                country="TH",
                phone=f"+662123456{n}",
            )
        _service(
            session,
            "cm-legal",
            "Chiang Mai Legal Aid",
            "legal",
            CHIANG_MAI,
            city="Chiang Mai",
            country="TH",
            phone="+6653123456",
            languages=("th", "en", "my"),
        )
        _service(
            session,
            "ldn-legal",
            "London Migrant Law Centre",
            "legal",
            LONDON,
            city="London",
            country="GB",
            phone="+442071234567",
            timezone="Europe/London",
        )
        hotline = Organization(id="org-th-hotline", name="Thai national hotline")
        national = Service(
            id="svc-th-hotline",
            organization=hotline,
            name="Hotline 1300",
            status="active",
            assured_date=date(2026, 9, 1),
        )
        national.needs = [ServiceNeed(need="hotline"), ServiceNeed(need="shelter")]
        national.areas = [ServiceArea(id="area-th", name="TH")]
        national.phones = [Phone(id="ph-th-1300", number="1300")]
        session.add_all([hotline, national])
        session.commit()
    yield
    with make() as session:
        for org in session.query(Organization).all():
            session.delete(org)
        session.commit()


@pytest.mark.usefixtures("directory")
def test_need_and_place_in_one_message(stack: Stack) -> None:
    [turn] = stack.chat("I need a shelter in Bangkok", user="one-message")
    keys = replies(turn)
    assert keys[0] == "services.found"
    assert keys[1:] == ["services.card"] * 3
    first = turn["replies"][1]
    # A trafficking specialist speaking Thai ranks first; the card says how to reach it.
    assert first["text"].startswith("Baan Safe Shelter")
    assert "+66 2 123 4567" in first["text"]
    assert first["place"]["latitude"] == pytest.approx(BANGKOK[0])
    assert "/more_services" in [b["payload"] for b in turn["replies"][-1]["buttons"]]
    # Counted, as a need in a country and language: nothing else.
    with session_factory(stack.settings.resolved_database_url())() as session:
        rows = session.execute(
            select(DailyCount.language, DailyCount.need, DailyCount.country).where(
                DailyCount.event == "service_search"
            )
        ).all()
    assert ("en", "shelter", "TH") in [tuple(row) for row in rows]


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("th", "ต้องการที่พักพิงในกรุงเทพ"),
        ("zh", "我在曼谷，需要一个庇护所"),
        ("es", "necesito un refugio en Bangkok"),
        ("ru", "мне нужен приют в Бангкоке"),
    ],
)
def test_asked_in_other_languages(stack: Stack, language: str, text: str) -> None:
    [turn] = stack.chat(text, user=f"lang-{language}", language=language)
    assert replies(turn)[0] == "services.found", turn
    assert "Baan Safe Shelter" in turn["replies"][1]["text"]


@pytest.mark.usefixtures("directory")
def test_asks_for_what_is_missing_one_thing_at_a_time(stack: Stack) -> None:
    turns = stack.chat(
        "where can I get help?",
        '{"button": "/choose_need{\\"service_type\\": \\"legal\\"}"}',
        "Chiang Mai",
        user="step-by-step",
    )
    assert replies(turns[0]) == ["services.ask_need"]
    payloads = [b["payload"] for b in turns[0]["replies"][0]["buttons"]]
    assert '/choose_need{"service_type": "shelter"}' in payloads
    assert replies(turns[1]) == ["services.ask_place"]
    assert replies(turns[2])[:2] == ["services.found", "services.card"]
    assert "Chiang Mai Legal Aid" in turns[2]["replies"][1]["text"]


@pytest.mark.usefixtures("directory")
def test_an_unknown_place_is_asked_again_then_found(stack: Stack) -> None:
    turns = stack.chat("I need a lawyer", "qwzxv", "London", user="unknown-place")
    assert replies(turns[0]) == ["services.ask_place"]
    assert replies(turns[1]) == ["services.place_unknown"]
    assert "London Migrant Law Centre" in turns[2]["replies"][1]["text"]


@pytest.mark.usefixtures("directory")
def test_an_ambiguous_place_is_asked_back(stack: Stack) -> None:
    turns = stack.chat("I need a lawyer in San Jose", user="ambiguous")
    assert replies(turns[0]) == ["services.which_place"]
    buttons = turns[0]["replies"][0]["buttons"]
    assert len(buttons) >= 2
    assert all(b["payload"].startswith("/choose_place") for b in buttons)
    [chosen] = stack.chat(f'{{"button": {json_string(buttons[0]["payload"])}}}', user="ambiguous")
    # Nothing is known there: say so, never invent a service.
    assert replies(chosen)[0] == "services.none_local"


@pytest.mark.usefixtures("directory")
def test_nothing_local_gives_the_national_hotline_and_emergency(stack: Stack) -> None:
    turns = stack.chat("I need a doctor in Tokyo", "help, they are coming", user="tokyo")
    [none] = turns[0]["replies"][:1]
    assert none["key"] == "services.none_local"
    # Japan's numbers now, not the deployment's (GB): the place told us the country.
    assert "110" in none["text"]
    assert "999" not in none["text"]
    assert replies(turns[1])[0] == "emergency.call_now"
    assert "110" in turns[1]["replies"][0]["text"]


@pytest.mark.usefixtures("directory")
def test_a_shared_location_asks_only_for_the_need(stack: Stack) -> None:
    turns = stack.chat(
        f'{{"location": [{BANGKOK[0]}, {BANGKOK[1]}]}}',
        '{"button": "/choose_need{\\"service_type\\": \\"shelter\\"}"}',
        user="shared-location",
    )
    assert replies(turns[0]) == ["services.ask_need"]
    assert replies(turns[1])[0] == "services.found"
    assert "Baan Safe Shelter" in turns[1]["replies"][1]["text"]


@pytest.mark.usefixtures("directory")
def test_a_shared_location_gives_that_countrys_numbers_at_once(stack: Stack) -> None:
    turns = stack.chat(
        f'{{"location": [{BANGKOK[0]}, {BANGKOK[1]}]}}',
        "help me now they are coming",
        user="shared-location-danger",
    )
    assert replies(turns[0]) == ["services.ask_need"]
    danger = turns[1]["replies"][0]
    assert danger["key"] == "emergency.call_now"
    assert "191" in danger["text"]  # Thailand's police, not the deployment's 999


@pytest.mark.usefixtures("directory")
def test_more_shows_the_next_results_then_says_that_is_all(stack: Stack) -> None:
    turns = stack.chat(
        "I need a shelter in Bangkok",
        '{"button": "/more_services"}',
        '{"button": "/more_services"}',
        user="more",
    )
    first = [r["text"].splitlines()[0] for r in turns[0]["replies"][1:]]
    second = [r["text"].splitlines()[0] for r in turns[1]["replies"]]
    assert len(first) == 3 and len(second) == 3  # 5 local shelters + the national hotline
    assert not set(first) & set(second)
    assert "Hotline 1300" in second  # national after local
    assert replies(turns[2])[0] == "services.no_more"


@pytest.mark.usefixtures("directory")
def test_danger_during_a_search_ends_it(stack: Stack) -> None:
    turns = stack.chat("I need a shelter", "they are hitting me help", "Bangkok", user="leave")
    assert replies(turns[0]) == ["services.ask_place"]
    assert replies(turns[1])[0] == "emergency.call_now"
    # The search ended: "Bangkok" is not taken as the answer to a question no longer asked.
    assert "services.found" not in replies(turns[2])


def json_string(text: str) -> str:
    import json

    return json.dumps(text)
