"""Forgetting a person: everything linked to their pseudonym, at once.

Covers the gateway's chat state and Rasa's tracker (the single-machine SQL
store, a file of its own). Handoff cases join here when they land.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from bot.chat_state import ChatStateStore

log = logging.getLogger(__name__)


def forget_rasa_tracker(tracker_db: Path, pseudonym: str) -> int:
    """Delete every event Rasa stored for `pseudonym`; returns how many rows went."""
    if not tracker_db.exists():
        return 0
    engine = create_engine(f"sqlite:///{tracker_db}")
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
            result = connection.execute(
                text("DELETE FROM events WHERE sender_id = :sender"), {"sender": pseudonym}
            )
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


# Rasa's RedisTrackerStore keys: "<key_prefix>:tracker:<sender>" (deploy/rasa/).
REDIS_TRACKER_KEY = "helpline:tracker:{pseudonym}"


def forget_redis_tracker(redis_url: str, pseudonym: str) -> int:
    """Delete the conversation Rasa keeps in Redis (production); returns keys removed."""
    import redis  # only production deployments talk to Redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        return int(client.delete(REDIS_TRACKER_KEY.format(pseudonym=pseudonym)))
    finally:
        client.close()


def forget_person(
    pseudonym: str, *, store: ChatStateStore, tracker_db: Path, redis_url: str = ""
) -> None:
    store.forget(pseudonym)
    removed = forget_rasa_tracker(tracker_db, pseudonym)
    if redis_url:
        removed += forget_redis_tracker(redis_url, pseudonym)
    log.info("forgot pseudonym %s… (%d tracker rows or keys)", pseudonym[:8], removed)
