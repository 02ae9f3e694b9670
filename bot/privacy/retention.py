"""Minimal retention: delete what the helpline no longer needs, on a schedule.

What goes (docs/privacy.md has the whole inventory):

- chat_state: a conversation idle longer than HELPLINE_CHAT_IDLE_HOURS;
- chat_message: message ids older than 48 hours (Telegram no longer lets a
  bot delete them, so they are useless);
- Rasa's tracker (the single-machine SQLite store): every event of a
  conversation whose last event is older than the idle limit. In production
  Rasa keeps trackers in Redis, which expires them itself (record_exp in
  deploy/rasa/endpoints.redis.yml); this purge does not touch Redis.

Statistics (daily_count) are counts without personal data and are kept.

Deleted rows are overwritten on disk, not left in free pages: our database
runs with `PRAGMA secure_delete=ON` (bot/db/session.py) and so does every
connection this module opens to Rasa's file. So no VACUUM is run: it would only
give the free pages back to the file system, and rewrites the whole file.

`purge` runs in the helpline every HELPLINE_PURGE_INTERVAL_MINUTES (and once
at start, see `purging`) and from `helpline purge [--dry-run]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text

from bot.chat_state import ChatStateStore
from bot.db.models import ChatMessage, ChatState
from bot.db.session import session_factory
from bot.message_log import DELETABLE_FOR, MessageLog
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    """How many rows each store lost (or, on a dry run, would lose)."""

    chat_state: int
    chat_message: int
    rasa_conversations: int
    rasa_events: int
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "dry_run"}

    @property
    def total(self) -> int:
        return self.chat_state + self.chat_message + self.rasa_events

    def summary(self) -> str:
        """One line of counts, for the log: no pseudonyms, nothing else."""
        return " ".join(f"{name}={number}" for name, number in self.counts().items())


def purge(settings: Settings, now: datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Delete everything past its retention time; with dry_run, only count it."""
    now = _utc(now or datetime.now(UTC))
    idle = timedelta(hours=settings.chat_idle_hours)
    sessions = session_factory(settings.resolved_database_url())
    if dry_run:
        with sessions() as session:
            chat_state = session.scalar(
                select(func.count()).where(ChatState.last_active_at < now - idle)
            )
            chat_message = session.scalar(
                select(func.count()).where(ChatMessage.sent_at < now - DELETABLE_FOR)
            )
    else:
        chat_state = ChatStateStore(sessions).expire_idle(idle=idle, now=now)
        chat_message = MessageLog(sessions).expire(now=now)
    conversations, events = purge_rasa_tracker(
        settings.rasa_tracker_db(), before=now - idle, dry_run=dry_run
    )
    return PurgeReport(
        chat_state=int(chat_state or 0),
        chat_message=int(chat_message or 0),
        rasa_conversations=conversations,
        rasa_events=events,
        dry_run=dry_run,
    )


# Conversations whose newest event is older than the cutoff. A conversation
# without any timestamp cannot be shown to be recent, so it counts as old.
_STALE_SENDERS = """
    SELECT sender_id FROM events
    GROUP BY sender_id
    HAVING COALESCE(MAX(timestamp), 0) < :cutoff
"""
_COUNT_STALE_SENDERS = text(f"SELECT COUNT(*) FROM ({_STALE_SENDERS})")  # noqa: S608
_COUNT_STALE_EVENTS = text(f"SELECT COUNT(*) FROM events WHERE sender_id IN ({_STALE_SENDERS})")  # noqa: S608
_DELETE_STALE_EVENTS = text(f"DELETE FROM events WHERE sender_id IN ({_STALE_SENDERS})")  # noqa: S608


def purge_rasa_tracker(
    tracker_db: Path, *, before: datetime, dry_run: bool = False
) -> tuple[int, int]:
    """Delete Rasa's stored conversations whose last event is before `before`.

    Returns (conversations, events). Nothing to do when Rasa has not made its
    file yet (or uses another store).
    """
    if not tracker_db.exists():
        return 0, 0
    engine = create_engine(f"sqlite:///{tracker_db}")
    try:
        if not inspect(engine).has_table("events"):
            return 0, 0
        cutoff = {"cutoff": _utc(before).timestamp()}
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
            conversations = connection.execute(_COUNT_STALE_SENDERS, cutoff).scalar_one()
            if dry_run:
                events = connection.execute(_COUNT_STALE_EVENTS, cutoff).scalar_one()
            else:
                events = connection.execute(_DELETE_STALE_EVENTS, cutoff).rowcount
        return int(conversations or 0), int(events or 0)
    finally:
        engine.dispose()


def _utc(moment: datetime) -> datetime:
    """Aware and in UTC: our tables store UTC, and SQLite compares the text."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


async def purge_periodically(
    settings: Settings,
    *,
    interval: float | None = None,
    run: Callable[[Settings], PurgeReport] | None = None,
) -> None:
    """Purge now, then every `interval` seconds (the setting by default), until cancelled.

    A failed run is logged and the next one happens on time: retention must not
    stop because of one locked file.
    """
    seconds = interval if interval is not None else settings.purge_interval_minutes * 60
    job = run or purge
    while True:
        try:
            report = await asyncio.to_thread(job, settings)
            log.info("retention purge: %s", report.summary())
        except Exception:
            log.exception("retention purge failed; next try in %.0f s", seconds)
        await asyncio.sleep(seconds)


@contextlib.asynccontextmanager
async def purging(
    settings: Settings,
    *,
    interval: float | None = None,
    run: Callable[[Settings], PurgeReport] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run the purge job in the background while the block runs; stop it on the way out."""
    task = asyncio.create_task(
        purge_periodically(settings, interval=interval, run=run), name="retention-purge"
    )
    try:
        yield task
    finally:
        task.cancel()
        # wait(), not `await task`: a cancellation of the caller itself still propagates.
        await asyncio.wait([task])
