"""Shared fixtures: settings in a temporary data folder, a migrated database,
and a stand-in for the Rasa engine for tests of the gateway's own logic."""

from __future__ import annotations

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

    async def send(
        self, pseudonym: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.sent.append({"sender": pseudonym, "message": message, "metadata": metadata})
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
