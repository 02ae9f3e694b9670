"""The gateway's own tables. Directory and handoff models live with their features."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class ChatState(Base):
    """Short-lived state of one conversation, keyed by pseudonym, never by a Telegram id.

    Expires after the configured idle time (privacy rules, DESIGN.md section 6).
    """

    __tablename__ = "chat_state"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    # The language last offered to switch to, so the offer is made once, not every turn.
    offered_language: Mapped[str | None] = mapped_column(String(8))
    last_active_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatMessage(Base):
    """The id of a message on a person's device, so /exit can delete it there.

    Ids only, never content, keyed by pseudonym; Telegram lets a bot delete
    messages for 48 hours, so older rows are useless and purged.
    """

    __tablename__ = "chat_message"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
