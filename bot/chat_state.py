"""The gateway's memory of a conversation: its language and country, nothing else.

Keyed by pseudonym; forgotten by /forget and /exit, and expired after the
configured idle time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import ChatMessage, ChatState, utcnow


@dataclass
class ChatMemory:
    language: str
    country: str | None
    is_new: bool
    offered_language: str | None = None
    forgotten: bool = False  # set by /forget and /exit: nothing of this turn is kept


class ChatStateStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def recall(self, pseudonym: str, *, default_language: str) -> ChatMemory:
        with self._sessions() as session:
            state = session.get(ChatState, pseudonym)
            if state is None:
                return ChatMemory(language=default_language, country=None, is_new=True)
            return ChatMemory(
                language=state.language,
                country=state.country,
                is_new=False,
                offered_language=state.offered_language,
            )

    def remember(self, pseudonym: str, memory: ChatMemory) -> None:
        with self._sessions.begin() as session:
            state = session.get(ChatState, pseudonym)
            if state is None:
                state = ChatState(pseudonym=pseudonym)
                session.add(state)
            state.language = memory.language
            state.country = memory.country
            state.offered_language = memory.offered_language
            state.last_active_at = utcnow()

    def forget(self, pseudonym: str) -> None:
        """Delete the state and the message ids of this conversation."""
        with self._sessions.begin() as session:
            session.execute(delete(ChatState).where(ChatState.pseudonym == pseudonym))
            session.execute(delete(ChatMessage).where(ChatMessage.pseudonym == pseudonym))

    def expire_idle(self, *, idle: timedelta, now: datetime | None = None) -> int:
        """Delete conversations idle longer than `idle`; returns how many."""
        cutoff = (now or utcnow()) - idle
        with self._sessions.begin() as session:
            result = session.execute(delete(ChatState).where(ChatState.last_active_at < cutoff))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
