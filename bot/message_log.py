"""Which messages of a conversation are still on the person's device (ids only).

/exit deletes them there; /forget and the retention purge delete the ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import ChatMessage, utcnow

# Telegram lets a bot delete messages in a private chat for 48 hours.
DELETABLE_FOR = timedelta(hours=48)


class MessageLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, pseudonym: str, message_ids: list[int]) -> None:
        if not message_ids:
            return
        with self._sessions.begin() as session:
            known = set(
                session.scalars(
                    select(ChatMessage.message_id).where(
                        ChatMessage.pseudonym == pseudonym,
                        ChatMessage.message_id.in_(message_ids),
                    )
                )
            )
            for message_id in dict.fromkeys(message_ids):
                if message_id not in known:
                    session.add(ChatMessage(pseudonym=pseudonym, message_id=message_id))

    def deletable(self, pseudonym: str, *, now: datetime | None = None) -> list[int]:
        cutoff = (now or utcnow()) - DELETABLE_FOR
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ChatMessage.message_id)
                    .where(ChatMessage.pseudonym == pseudonym, ChatMessage.sent_at >= cutoff)
                    .order_by(ChatMessage.message_id)
                )
            )

    def forget(self, pseudonym: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(ChatMessage).where(ChatMessage.pseudonym == pseudonym))

    def expire(self, *, now: datetime | None = None) -> int:
        cutoff = (now or utcnow()) - DELETABLE_FOR
        with self._sessions.begin() as session:
            result = session.execute(delete(ChatMessage).where(ChatMessage.sent_at < cutoff))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
