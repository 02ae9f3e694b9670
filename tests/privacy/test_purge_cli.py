"""`helpline purge [--dry-run]`: counts per store, from the settings in the environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.db.models import ChatMessage, ChatState
from bot.db.session import session_factory, upgrade
from bot.settings import Settings, get_settings
from tests.privacy.conftest import rasa_senders, write_rasa_events


@pytest.fixture
def env_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The settings `helpline` reads: from HELPLINE_ variables, with no .env file around."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HELPLINE_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("HELPLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HELPLINE_CHAT_IDLE_HOURS", raising=False)
    # The terminal of the test run is not the helpline's: leave logging alone.
    monkeypatch.setattr("bot.logs.configure_logging", lambda *_a, **_k: None)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _seed(settings: Settings) -> None:
    upgrade(settings.resolved_database_url())
    now = datetime.now(UTC)
    with session_factory(settings.resolved_database_url()).begin() as session:
        session.add_all(
            [
                ChatState(
                    pseudonym="a" * 64,
                    language="en",
                    country=None,
                    last_active_at=now - timedelta(days=2),
                ),
                ChatState(pseudonym="b" * 64, language="es", country="MX", last_active_at=now),
                ChatMessage(pseudonym="a" * 64, message_id=7, sent_at=now - timedelta(days=3)),
                ChatMessage(pseudonym="a" * 64, message_id=8, sent_at=now - timedelta(days=3)),
            ]
        )
    day = 86400.0
    write_rasa_events(
        settings.rasa_tracker_db(),
        [
            ("a" * 64, now.timestamp() - 2 * day, "hello"),
            ("a" * 64, now.timestamp() - 2 * day, "again"),
            ("b" * 64, now.timestamp(), "hola"),
        ],
    )


def test_dry_run_prints_counts_and_deletes_nothing(
    env_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(env_settings)

    assert cli.main(["purge", "--dry-run"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "chat_state    would delete 1 idle conversation states",
        "chat_message  would delete 2 message ids older than 48 hours",
        "rasa_tracker  would delete 1 idle conversations (2 events)",
    ]
    assert rasa_senders(env_settings.rasa_tracker_db()) == {"a" * 64: 2, "b" * 64: 1}


def test_purge_deletes_and_prints_counts(
    env_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(env_settings)

    assert cli.main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "chat_state    deleted 1 idle conversation states" in out
    assert "chat_message  deleted 2 message ids" in out
    assert "rasa_tracker  deleted 1 idle conversations (2 events)" in out
    assert rasa_senders(env_settings.rasa_tracker_db()) == {"b" * 64: 1}
    for pseudonym in ("a" * 8, "b" * 8):
        assert pseudonym not in out  # counts only

    assert cli.main(["purge"]) == 0
    assert capsys.readouterr().out.count("deleted 0 ") == 3


def test_the_idle_time_comes_from_the_environment(
    env_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(env_settings)
    monkeypatch.setenv("HELPLINE_CHAT_IDLE_HOURS", "72")
    get_settings.cache_clear()

    assert cli.main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete 0 idle conversation states" in out
    assert "would delete 0 idle conversations (0 events)" in out


def test_a_fresh_machine_has_nothing_to_purge(
    env_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["purge"]) == 0
    assert capsys.readouterr().out.count("deleted 0 ") == 3
    assert not env_settings.rasa_tracker_db().exists()
