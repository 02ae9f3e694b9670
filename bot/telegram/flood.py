"""Keeping one person's flood from slowing everyone else, and ignoring repeated updates."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque


class FloodGate:
    """Turns of one chat run one at a time, in order; a chat sending faster than
    `burst` messages per `window` seconds waits a little before each turn.

    Other chats are not held up: updates are processed concurrently and only
    the flooding chat's own turns are slowed. Nothing is dropped.
    """

    def __init__(self, *, burst: int = 5, window: float = 10.0, pause: float = 1.0) -> None:
        self.burst = burst
        self.window = window
        self.pause = pause
        self._locks: dict[int, asyncio.Lock] = {}
        self._recent: dict[int, deque[float]] = {}

    def lock(self, chat_id: int) -> asyncio.Lock:
        return self._locks.setdefault(chat_id, asyncio.Lock())

    def delay_for(self, chat_id: int, *, now: float | None = None) -> float:
        """Record a message and return how long this chat's turn should wait."""
        now = time.monotonic() if now is None else now
        recent = self._recent.setdefault(chat_id, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        recent.append(now)
        excess = len(recent) - self.burst
        return min(self.pause * excess, 5.0) if excess > 0 else 0.0

    def forget(self, chat_id: int) -> None:
        self._recent.pop(chat_id, None)
        lock = self._locks.get(chat_id)
        if lock is not None and not lock.locked():
            self._locks.pop(chat_id, None)


class SeenUpdates:
    """Remembers recent update ids; Telegram may deliver an update twice (webhook retries)."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True
