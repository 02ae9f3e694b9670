"""Shared fixtures: settings in a temporary data folder, a migrated database,
and a stand-in for the Rasa engine for tests of the gateway's own logic."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.chat_state import ChatStateStore
from bot.conversation import Conversations
from bot.db.session import session_factory, upgrade
from bot.rasa_client import RasaUnavailable
from bot.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "var",
        secret_key="test-secret-key",
        rasa_token="test-rasa-token",
        country="GB",
    )


@pytest.fixture
def store(settings: Settings) -> ChatStateStore:
    url = settings.resolved_database_url()
    upgrade(url)
    return ChatStateStore(session_factory(url))


class RecordingRasa:
    """Answers like the Rasa engine's gateway channel, and records what it was sent.

    Only for the gateway's own logic; the real engine runs in tests/integration.
    """

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answers: dict[str, list[dict[str, Any]]] = {}
        self.down = False
        self.delay = 0.0  # seconds each answer takes, like a slow engine

    async def send(
        self, pseudonym: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.sent.append({"sender": pseudonym, "message": message, "metadata": metadata})
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            raise RasaUnavailable("ConnectError")
        return self.answers.get(message, [{"key": "fallback.rephrase"}])


@pytest.fixture
def rasa() -> RecordingRasa:
    return RecordingRasa()


@pytest.fixture
def conversations(
    settings: Settings, rasa: RecordingRasa, store: ChatStateStore
) -> Iterator[Conversations]:
    yield Conversations(settings, rasa=rasa, store=store, channel="console")  # type: ignore[arg-type]


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL database on 127.0.0.1:5432 (trust auth), dropped after the
    test; the test is skipped, saying why, when no PostgreSQL answers there."""
    import uuid

    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        )
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432 as postgres: {error}")
    name = f"helpline_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        from bot.db.session import engine_for

        engine_for.cache_clear()  # close pooled connections before dropping
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
