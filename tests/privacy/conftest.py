"""Helpers for the privacy tests: a stand-in for Rasa's SQLite tracker file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

# The table Rasa's SQLTrackerStore creates (Rasa 3.6), column for column.
RASA_EVENTS_SCHEMA = """
CREATE TABLE events (
    id INTEGER NOT NULL,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT,
    PRIMARY KEY (id)
);
CREATE INDEX ix_events_sender_id ON events (sender_id);
"""


def write_rasa_events(tracker_db: Path, events: Iterable[tuple[str, float | None, str]]) -> None:
    """Add (sender_id, timestamp, text) user events to a Rasa-shaped tracker file."""
    tracker_db.parent.mkdir(parents=True, exist_ok=True)
    fresh = not tracker_db.exists()
    with sqlite3.connect(tracker_db) as connection:
        if fresh:
            connection.executescript(RASA_EVENTS_SCHEMA)
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) "
            "VALUES (?, 'user', ?, 'greet', ?)",
            [
                (sender, stamp, f'{{"event": "user", "text": "{text}"}}')
                for sender, stamp, text in events
            ],
        )
    connection.close()


def rasa_senders(tracker_db: Path) -> dict[str, int]:
    """Events per sender in the tracker file."""
    with sqlite3.connect(tracker_db) as connection:
        rows = connection.execute(
            "SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id"
        ).fetchall()
    connection.close()
    return {sender: number for sender, number in rows}
