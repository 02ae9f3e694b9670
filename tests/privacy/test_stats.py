"""Statistics: counts that add up, and nowhere to put a person's words or ids."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from bot import stats
from bot.chat_state import ChatStateStore
from bot.conversation import Conversations, Turn
from bot.db.session import engine_for, session_factory
from bot.settings import Settings
from bot.stats import DailyCount, Stats, count, totals
from tests.conftest import RecordingRasa

DAY = date(2026, 12, 1)


@pytest.fixture
def sessions(settings: Settings, store: ChatStateStore) -> sessionmaker[Session]:
    """The migrated database of the `store` fixture."""
    return session_factory(settings.resolved_database_url())


def _rows(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with sessions() as session:
        return [
            (r.day, r.event, r.language, r.need, r.country, r.count)
            for r in session.scalars(select(DailyCount).order_by(DailyCount.event))
        ]


def test_the_table_has_no_column_for_text_pseudonyms_or_ids(
    settings: Settings, store: ChatStateStore
) -> None:
    columns = inspect(engine_for(settings.resolved_database_url())).get_columns("daily_count")
    names = {column["name"] for column in columns}

    assert names == {"day", "event", "language", "need", "country", "count"}
    for name in names:
        for forbidden in ("text", "message", "pseudonym", "sender", "chat", "user", "id", "name"):
            assert forbidden not in name, name
    # Short, closed-shape values only: no room for a sentence.
    widths = {c["name"]: getattr(c["type"], "length", None) for c in columns}
    assert widths == {
        "day": None,
        "event": 32,
        "language": 8,
        "need": 32,
        "country": 2,
        "count": None,
    }


def test_counts_add_up(sessions: sessionmaker[Session]) -> None:
    for _ in range(3):
        count(sessions, "conversation_started", "en", day=DAY)
    count(sessions, "conversation_started", "es", country="mx", day=DAY)
    count(sessions, "emergency", "en", need="immediate_danger", country="GB", day=DAY)
    count(sessions, "emergency", "en", need="immediate_danger", country="GB", day=DAY)
    count(sessions, "service_search", "en", need="shelter", day=date(2026, 12, 2))

    assert _rows(sessions) == [
        (DAY, "conversation_started", "en", "", "", 3),
        (DAY, "conversation_started", "es", "", "MX", 1),
        (DAY, "emergency", "en", "immediate_danger", "GB", 2),
        (date(2026, 12, 2), "service_search", "en", "shelter", "", 1),
    ]
    assert totals(sessions) == 7
    assert totals(sessions, "emergency") == 2


def test_without_a_day_it_counts_today(sessions: sessionmaker[Session]) -> None:
    count(sessions, "conversation_started", "en")
    assert _rows(sessions)[0][0] is not None
    assert totals(sessions) == 1


def test_the_fallback_for_other_databases_adds_up_too(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats, "UPSERT_DIALECTS", ())  # select, then update or insert
    for _ in range(3):
        count(sessions, "emergency", "fr", need="held", day=DAY)
    assert _rows(sessions) == [(DAY, "emergency", "fr", "held", "", 3)]


def test_postgresql_gets_one_upsert_statement() -> None:
    statement = stats._upsert("postgresql", stats._checked_row("emergency", "en", None, "GB", DAY))
    sql = str(statement.compile(dialect=postgresql.dialect()))
    assert "ON CONFLICT (day, event, language, need, country) DO UPDATE" in sql
    assert "count = (daily_count.count + " in sql


@pytest.mark.parametrize(
    ("event", "language", "need", "country"),
    [
        ("they took my passport", "en", None, None),  # not an event
        ("emergency", "I am scared", None, None),  # not a language code
        ("emergency", "en", "my boss hits me", None),  # not a need word
        ("emergency", "en", None, "Manchester"),  # not a country code
        ("emergency", "en", None, "+447911123456"),
    ],
)
def test_nothing_but_closed_shapes_is_accepted(
    sessions: sessionmaker[Session], event: str, language: str, need: str, country: str
) -> None:
    with pytest.raises(ValueError) as error:
        count(sessions, event, language, need=need, country=country)
    # The refusal does not repeat what it refused (it may be logged).
    for value in (language, need, country):
        if value and value not in ("en",):
            assert value not in str(error.value)
    assert totals(sessions) == 0


def test_the_gateway_wrapper_never_raises(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    Stats(sessions).count("emergency", "not a language")
    assert totals(sessions) == 0
    assert caplog.records and "not a language" not in caplog.text


async def test_the_gateway_counts_start_and_crisis_without_the_person(
    settings: Settings, store: ChatStateStore, rasa: RecordingRasa, sessions: sessionmaker[Session]
) -> None:
    conversations = Conversations(
        settings,
        rasa=rasa,  # type: ignore[arg-type]
        store=store,
        channel="telegram",
        stats=Stats(sessions),
    )
    await conversations.handle(123456789, Turn(command="/start"))
    await conversations.handle(123456789, Turn(text="please help me now they are coming"))
    await conversations.handle(555000111, Turn(command="/start"))

    assert totals(sessions, "conversation_started") == 2
    assert totals(sessions, "emergency") == 1
    rows = _rows(sessions)
    assert {row[1:4] for row in rows} == {
        ("conversation_started", "en", ""),
        ("emergency", "en", "immediate_danger"),
    }
    stored = repr(rows)
    for trace in ("123456789", conversations.pseudonym(123456789)[:8], "help me"):
        assert trace not in stored


@pytest.mark.postgres
def test_counts_add_up_on_postgresql(scratch_postgres: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(scratch_postgres)
    DailyCount.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    try:
        pg_sessions = sessionmaker(engine)
        with pg_sessions.begin() as session:
            session.query(DailyCount).delete()
        for _ in range(4):
            count(pg_sessions, "service_search", "en", need="legal", day=DAY)
        assert totals(pg_sessions) == 4
    finally:
        DailyCount.__table__.drop(engine, checkfirst=True)  # type: ignore[attr-defined]
        engine.dispose()
