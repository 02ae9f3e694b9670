"""Statistics the helpline may keep: counts per day, never text, pseudonyms or ids.

One row per (day, event, language, need, country) with a count. Every value is
checked against a closed shape (an event from EVENTS, a language code, a need
word, a country code), so nothing a person typed can end up here. Counts have
no personal data and are kept (docs/privacy.md).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime

from sqlalchemy import Date, Integer, String, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.db.base import Base

log = logging.getLogger(__name__)

EVENTS = frozenset(
    {
        "conversation_started",  # /start
        "service_search",  # a search of the services directory
        "emergency",  # the crisis lexicon fired (need: its category)
        "handoff_requested",
        "forget",
    }
)

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z]{2,4})?$")
_NEED = re.compile(r"^[a-z][a-z_]{0,31}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class DailyCount(Base):
    """How many times something happened on a day: counts only, no one in them."""

    __tablename__ = "daily_count"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    # "" rather than NULL: NULLs never conflict in a unique key, so upserts would add rows.
    need: Mapped[str] = mapped_column(String(32), primary_key=True, default="")
    country: Mapped[str] = mapped_column(String(2), primary_key=True, default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


_KEY = ("day", "event", "language", "need", "country")
# Databases with INSERT ... ON CONFLICT DO UPDATE: one statement, no race.
UPSERT_DIALECTS = ("sqlite", "postgresql")


def count(
    session_factory: sessionmaker[Session],
    event: str,
    language: str,
    need: str | None = None,
    country: str | None = None,
    day: date | None = None,
) -> None:
    """Add one to today's (or `day`'s) count for this event, in one statement or transaction."""
    row = _checked_row(event, language, need, country, day)
    with session_factory.begin() as session:
        dialect = session.get_bind().dialect.name
        if dialect in UPSERT_DIALECTS:
            session.execute(_upsert(dialect, row))
            return
        # Any other database: select, then update or insert, in this one transaction.
        where = [getattr(DailyCount, name) == row[name] for name in _KEY]
        existing = session.scalar(select(DailyCount.count).where(*where).with_for_update())
        if existing is None:
            session.add(DailyCount(**row, count=1))
        else:
            session.execute(update(DailyCount).where(*where).values(count=DailyCount.count + 1))


def _upsert(dialect: str, row: dict[str, object]) -> Insert:
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    statement = insert(DailyCount).values(**row, count=1)
    return statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": DailyCount.count + 1}
    )


def _checked_row(
    event: str, language: str, need: str | None, country: str | None, day: date | None
) -> dict[str, object]:
    if event not in EVENTS:
        raise ValueError(f"unknown statistics event {event!r}; add it to bot.stats.EVENTS")
    language = language.lower()
    if not _LANGUAGE.match(language):
        raise ValueError("statistics take a language code (en, es, ...), nothing else")
    need = need or ""
    if need and not _NEED.match(need):
        raise ValueError("statistics take a need word (shelter, legal, ...), nothing else")
    country = (country or "").upper()
    if country and not _COUNTRY.match(country):
        raise ValueError("statistics take a two-letter country code, nothing else")
    return {
        "day": day or datetime.now(UTC).date(),
        "event": event,
        "language": language,
        "need": need,
        "country": country,
    }


class Stats:
    """`count` for the gateway: a failure is logged, never raised into a conversation."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def count(
        self, event: str, language: str, need: str | None = None, country: str | None = None
    ) -> None:
        try:
            count(self._sessions, event, language, need=need, country=country)
        except Exception:
            log.exception("could not count %s", event)


def totals(session_factory: sessionmaker[Session], event: str | None = None) -> int:
    """The sum of every count (of one event), for reports and tests."""
    from sqlalchemy import func

    query = select(func.coalesce(func.sum(DailyCount.count), 0))
    if event is not None:
        query = query.where(DailyCount.event == event)
    with session_factory() as session:
        return int(session.scalar(query) or 0)
