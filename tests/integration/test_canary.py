"""The canary: a unique string and a unique Telegram id go through every path of the
running system, then nothing of them may be found anywhere it keeps data.

Paths: chat, finding a service (need, place, "more"), a shared location, a
language switch, the crisis lexicon, bad input (sticker, oversized text, text
that looks like a command) and Rasa's fallback; through the fake Bot API and
through the console. Screening and the handoff to a person are not built yet;
when they land, their paths belong here too.

Searched: every table and column of the helpline's database and of Rasa's
tracker, every file under the data folder (databases with their -wal and
-journal files, logs, keys), every log record of the gateway process, and Redis.
Twice: after /forget, and in a second conversation after the retention period,
purged by the job the helpline runs on a schedule.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.chat_state import ChatStateStore
from bot.conversation import Conversations
from bot.db.session import session_factory
from bot.i18n import translate
from bot.privacy.retention import purge
from bot.rasa_client import RasaClient
from bot.stats import Stats
from tests.integration.conftest import Stack, running_stack
from tests.telegram.conftest import Telegram, polling_bot

pytestmark = pytest.mark.integration


class Canary:
    def __init__(self, tag: str, telegram_id: int) -> None:
        self.text = f"zq{tag}canary"  # one word: survives tokenizing, easy to grep
        self.telegram_id = telegram_id
        self.username = f"canary_{tag}_user"
        self.first_name = f"Kanary{tag}q"

    @property
    def traces(self) -> list[bytes]:
        values = [self.text, str(self.telegram_id), self.username, self.first_name]
        return [value.encode() for value in values]

    @property
    def user(self) -> dict[str, object]:
        return {
            "id": self.telegram_id,
            "username": self.username,
            "first_name": self.first_name,
            "language_code": "en",
        }


@pytest.fixture(scope="module")
def canary_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: its data folder holds nothing but what the canary left."""
    with running_stack(tmp_path_factory.mktemp("canary-var")) as stack:
        yield stack


@pytest.fixture
async def telegram(canary_stack: Stack) -> AsyncIterator[Telegram]:
    settings = canary_stack.settings
    rasa = RasaClient(settings.rasa_url(), settings.rasa_token_value(), timeout=30)
    sessions = session_factory(settings.resolved_database_url())
    conversations = Conversations(
        settings,
        rasa=rasa,
        store=ChatStateStore(sessions),
        channel="telegram",
        stats=Stats(sessions),
    )
    try:
        async with polling_bot(settings, conversations, token="4242:CANARY") as bot:
            yield bot
    finally:
        await rasa.aclose()


async def walk_every_path(telegram: Telegram, canary: Canary) -> None:
    """One conversation through everything the helpline can do today."""
    api, chat, who = telegram.api, canary.telegram_id, {"user": canary.user}
    sent = 0

    async def turn(expect: int = 1) -> None:
        nonlocal sent
        sent += expect
        await telegram.answered(chat, sent, timeout=60)

    api.send_command(chat, "/start", **who)
    await turn(3)  # welcome, safety check, language picker
    api.send_text(chat, f"hi, I am {canary.text}", **who)
    await turn()
    api.send_text(chat, f"I need a shelter in Bangkok {canary.text}", **who)
    await turn()  # national hotline of Thailand, from the seed
    api.send_location(chat, 13.7563, 100.5018, **who)
    await turn()
    api.send_text(chat, f"a lawyer please {canary.text}", **who)
    await turn()
    api.send_command(chat, "/language", "es", **who)
    await turn(2)
    api.send_text(chat, f"necesito ayuda con mi pasaporte {canary.text}", **who)
    await turn()
    api.send_text(chat, f"help they are coming {canary.text}", **who)
    await turn()
    api.send_sticker(chat, **who)
    await turn()
    api.send_text(chat, f"{canary.text} " * 2000, **who)  # oversized
    await turn()
    api.send_text(chat, f'/restart{{"x": "{canary.text}"}}', **who)
    await turn()
    api.send_text(chat, f"asdkjh qwe {canary.text}", **who)  # the model's fallback
    await turn()


def where_it_is(stack: Stack, canary: Canary, records: list[logging.LogRecord]) -> list[str]:
    """Every place the canary's traces are found: tables, files, log records, Redis."""
    found: list[str] = []
    data = stack.settings.data_dir
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path.name}: {t.decode()}" for t in canary.traces if t in content]
        if path.suffix == ".db":
            found += _in_tables(path, canary)
    for record in records:
        line = record.getMessage() + (record.exc_text or "")
        found += [f"log {record.name}: {t.decode()}" for t in canary.traces if t.decode() in line]
    found += _in_redis(canary)
    return found


def _in_tables(path: Path, canary: Canary) -> list[str]:
    found = []
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                cells = " ".join(str(cell) for cell in row)
                found += [
                    f"{path.name}:{table}: {t.decode()}"
                    for t in canary.traces
                    if t.decode() in cells
                ]
    return found


def _in_redis(canary: Canary) -> list[str]:
    """Redis is not used by a single-machine helpline; if one runs here, it holds
    nothing of the canary either (production keeps Rasa's tracker there)."""
    redis = pytest.importorskip("redis")
    try:
        client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
        keys = [key for db in range(16) for key in _keys(client, db)]
    except redis.RedisError:
        return []
    found = []
    for db, key, value in keys:
        blob = key + value
        found += [f"redis db {db} {key!r}" for t in canary.traces if t in blob]
    return found


def _keys(client, db: int) -> list[tuple[int, bytes, bytes]]:  # type: ignore[no-untyped-def]
    client.execute_command("SELECT", db)
    out = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        value = client.dump(key) if kind else b""
        out.append((db, key, value or b""))
    return out


async def test_forget_leaves_no_trace_anywhere(
    telegram: Telegram, canary_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    canary = Canary("f0rg3t", 7_312_904_118)
    await walk_every_path(telegram, canary)
    # The path really ran: the canary reached Rasa's tracker before /forget.
    tracker = canary_stack.settings.rasa_tracker_db()
    assert canary.text.encode() in tracker.read_bytes() or any(
        canary.text in " ".join(map(str, row))
        for row in sqlite3.connect(tracker).execute("SELECT data FROM events")
    )
    api = telegram.api
    api.send_command(canary.telegram_id, "/forget", user=canary.user)
    done = translate("forget.done", "es")  # the conversation switched to Spanish
    await api.wait_for(lambda _c: done in telegram.texts(canary.telegram_id), timeout=90)
    # Console too: the same words by a console user, then /forget there.
    console = canary_stack.chat(
        f"I need a lawyer in London {canary.text}",
        '{"command": "/forget"}',
        user=f"console-{canary.telegram_id}",
    )
    assert console[-1]["replies"][0]["key"] == "forget.done"
    found = where_it_is(canary_stack, canary, caplog.records)
    assert not found, "\n".join(found)


async def test_after_the_retention_period_no_trace_is_left(
    telegram: Telegram, canary_stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    canary = Canary("3xp1r3", 7_312_904_555)
    await walk_every_path(telegram, canary)
    canary_stack.chat(
        f"I need a doctor in Tokyo {canary.text}", user=f"console-{canary.telegram_id}"
    )
    # The person simply stops writing. Two days later the scheduled purge has run.
    later = datetime.now(UTC) + timedelta(hours=49)
    report = purge(canary_stack.settings, now=later)
    assert sum(report.counts().values()) > 0
    found = where_it_is(canary_stack, canary, caplog.records)
    assert not found, "\n".join(found)
