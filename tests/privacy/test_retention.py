"""Retention: what is past its time goes, what is not stays, and the job keeps running."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.chat_state import ChatStateStore
from bot.db.models import ChatMessage, ChatState
from bot.db.session import session_factory
from bot.privacy.retention import PurgeReport, purge, purge_rasa_tracker, purging
from bot.settings import Settings
from tests.privacy.conftest import rasa_senders, write_rasa_events

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _state(pseudonym: str, idle: timedelta) -> ChatState:
    return ChatState(pseudonym=pseudonym, language="en", country=None, last_active_at=NOW - idle)


def _message(pseudonym: str, message_id: int, age: timedelta) -> ChatMessage:
    return ChatMessage(pseudonym=pseudonym, message_id=message_id, sent_at=NOW - age)


@pytest.fixture
def seeded(settings: Settings, store: ChatStateStore) -> Settings:
    """Two conversations of each kind: past their time, and not yet."""
    sessions = session_factory(settings.resolved_database_url())
    with sessions.begin() as session:
        session.add_all(
            [
                _state("a" * 64, timedelta(hours=25)),  # idle past 24 h
                _state("b" * 64, timedelta(hours=23, minutes=59)),
                _message("a" * 64, 1, timedelta(hours=49)),  # past Telegram's 48 h
                _message("a" * 64, 2, timedelta(hours=47)),
                _message("b" * 64, 3, timedelta(minutes=5)),
            ]
        )
    hour = 3600.0
    write_rasa_events(
        settings.rasa_tracker_db(),
        [
            # Old conversation: every event older than the idle limit.
            ("a" * 64, NOW.timestamp() - 30 * hour, "SECRET-OLD-WORDS"),
            ("a" * 64, NOW.timestamp() - 25 * hour, "more old words"),
            # Started long ago, but the LAST event is recent: kept whole.
            ("b" * 64, NOW.timestamp() - 30 * hour, "started long ago"),
            ("b" * 64, NOW.timestamp() - 1 * hour, "still talking"),
            # No timestamps at all: cannot be shown to be recent.
            ("c" * 64, None, "no time"),
        ],
    )
    return settings


def _pseudonyms(settings: Settings) -> tuple[set[str], set[int]]:
    with session_factory(settings.resolved_database_url())() as session:
        states = set(session.scalars(select(ChatState.pseudonym)))
        messages = set(session.scalars(select(ChatMessage.message_id)))
    return states, messages


def test_purge_deletes_what_is_past_its_time_and_keeps_the_rest(seeded: Settings) -> None:
    report = purge(seeded, NOW)

    assert report == PurgeReport(
        chat_state=1, chat_message=1, rasa_conversations=2, rasa_events=3, dry_run=False
    )
    states, messages = _pseudonyms(seeded)
    assert states == {"b" * 64}
    assert messages == {2, 3}
    assert rasa_senders(seeded.rasa_tracker_db()) == {"b" * 64: 2}


def test_a_second_purge_finds_nothing(seeded: Settings) -> None:
    purge(seeded, NOW)
    assert purge(seeded, NOW).counts() == dict.fromkeys(
        ("chat_state", "chat_message", "rasa_conversations", "rasa_events"), 0
    )


def test_dry_run_counts_the_same_and_deletes_nothing(seeded: Settings) -> None:
    before = _pseudonyms(seeded), rasa_senders(seeded.rasa_tracker_db())

    dry = purge(seeded, NOW, dry_run=True)

    assert dry.dry_run
    assert (_pseudonyms(seeded), rasa_senders(seeded.rasa_tracker_db())) == before
    real = purge(seeded, NOW)
    assert dry.counts() == real.counts()


def test_the_idle_limit_is_the_setting(seeded: Settings) -> None:
    seeded.chat_idle_hours = 48
    report = purge(seeded, NOW)
    assert report.chat_state == 0
    assert report.rasa_conversations == 1  # only the one without timestamps
    # Message ids follow Telegram's 48 hours, not the idle setting.
    assert report.chat_message == 1


def test_now_without_a_time_zone_is_utc(seeded: Settings) -> None:
    assert purge(seeded, NOW.replace(tzinfo=None)).chat_state == 1


def test_now_in_another_time_zone_is_the_same_moment(seeded: Settings) -> None:
    elsewhere = NOW.astimezone(datetime.now().astimezone().tzinfo)
    assert purge(seeded, elsewhere).chat_state == 1


def test_deleted_tracker_text_is_overwritten_on_disk(seeded: Settings) -> None:
    """secure_delete: the words are gone from the file, not left in a free page."""
    tracker = seeded.rasa_tracker_db()
    assert b"SECRET-OLD-WORDS" in tracker.read_bytes()
    purge(seeded, NOW)
    assert b"SECRET-OLD-WORDS" not in tracker.read_bytes()


def test_no_tracker_file_yet_is_not_an_error(settings: Settings, store: ChatStateStore) -> None:
    report = purge(settings, NOW)
    assert (report.rasa_conversations, report.rasa_events) == (0, 0)
    assert not settings.rasa_tracker_db().exists()  # and the purge did not make one


def test_a_tracker_file_without_events_table(tmp_path: Path) -> None:
    empty = tmp_path / "rasa-tracker.db"
    empty.touch()
    assert purge_rasa_tracker(empty, before=NOW) == (0, 0)


def test_summary_names_counts_only(seeded: Settings) -> None:
    summary = purge(seeded, NOW).summary()
    assert summary == "chat_state=1 chat_message=1 rasa_conversations=2 rasa_events=3"
    assert "a" * 8 not in summary


# --- the scheduled job --------------------------------------------------------


class Runs:
    """A stand-in for purge() that fails the first time."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.calls = 0
        self.fail_first = fail_first

    def __call__(self, settings: Settings) -> PurgeReport:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise RuntimeError("database is locked")
        return PurgeReport(chat_state=2, chat_message=0, rasa_conversations=1, rasa_events=4)


async def test_the_job_runs_at_start_and_then_every_interval(settings: Settings) -> None:
    runs = Runs()
    async with purging(settings, interval=3600, run=runs):
        await asyncio.sleep(0.05)
    assert runs.calls == 1  # once at start, the next one an hour away

    runs = Runs()
    async with purging(settings, interval=0.02, run=runs):
        await asyncio.sleep(0.2)
    assert runs.calls >= 3


async def test_the_job_survives_a_failure_and_logs_counts_only(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.privacy.retention")
    runs = Runs(fail_first=True)
    async with purging(settings, interval=0.02, run=runs):
        await asyncio.sleep(0.2)

    assert runs.calls >= 3
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert "retention purge: chat_state=2 chat_message=0 rasa_conversations=1 rasa_events=4" in (
        caplog.messages
    )


async def test_the_job_stops_cleanly(settings: Settings) -> None:
    runs = Runs()
    async with purging(settings, interval=0.01, run=runs) as task:
        await asyncio.sleep(0.05)
    assert task.done() and task.cancelled()
    calls = runs.calls
    await asyncio.sleep(0.05)
    assert runs.calls == calls  # nothing runs after shutdown


async def test_cancelling_the_helpline_still_cancels_it(settings: Settings) -> None:
    """A SIGTERM cancels the serving task: the cancellation must not be swallowed."""
    runs = Runs()
    inner: list[asyncio.Task[None]] = []

    async def serve() -> None:
        async with purging(settings, interval=0.01, run=runs) as task:
            inner.append(task)
            await asyncio.sleep(60)

    serving = asyncio.create_task(serve())
    await asyncio.sleep(0.05)
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving
    assert inner[0].done()


async def test_the_real_purge_on_the_setting_interval(
    settings: Settings, store: ChatStateStore
) -> None:
    """The default job: purge() in a thread, every purge_interval_minutes."""
    sessions = session_factory(settings.resolved_database_url())
    with sessions.begin() as session:
        session.add(
            ChatState(
                pseudonym="d" * 64,
                language="en",
                country=None,
                last_active_at=datetime.now(UTC) - timedelta(days=2),
            )
        )
    settings.purge_interval_minutes = 0.001  # 60 ms
    async with purging(settings):
        for _ in range(100):
            await asyncio.sleep(0.02)
            if not _pseudonyms(settings)[0]:
                break
    assert _pseudonyms(settings)[0] == set()


# --- /forget, the other way data goes ----------------------------------------


async def test_forget_removes_one_person_from_every_store_at_once(
    settings: Settings, store: ChatStateStore
) -> None:
    from bot.conversation import Conversations, Turn
    from bot.message_log import MessageLog
    from tests.conftest import RecordingRasa

    conversations = Conversations(
        settings,
        rasa=RecordingRasa(),  # type: ignore[arg-type]
        store=store,
        channel="telegram",
    )
    me, other = conversations.pseudonym(111), conversations.pseudonym(222)
    await conversations.handle(111, Turn(text="hello"))
    await conversations.handle(222, Turn(text="hello"))
    messages = MessageLog(session_factory(settings.resolved_database_url()))
    messages.record(me, [1, 2])
    messages.record(other, [3])
    now = datetime.now(UTC).timestamp()
    write_rasa_events(
        settings.rasa_tracker_db(), [(me, now, "my words"), (other, now, "their words")]
    )

    await conversations.handle(111, Turn(command="/forget"))

    states, message_ids = _pseudonyms(settings)
    assert states == {other}
    assert message_ids == {3}
    assert rasa_senders(settings.rasa_tracker_db()) == {other: 1}
    assert b"my words" not in settings.rasa_tracker_db().read_bytes()


def test_the_data_folder_is_readable_by_its_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    settings.protect_data_dir()
    assert data.stat().st_mode & 0o777 == 0o700
    fresh = Settings(_env_file=None, data_dir=tmp_path / "new" / "var")  # type: ignore[call-arg]
    fresh.secret_key_bytes()  # the first secret creates the folder
    assert (tmp_path / "new" / "var").stat().st_mode & 0o777 == 0o700
