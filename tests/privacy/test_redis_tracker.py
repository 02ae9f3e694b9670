"""Production's tracker store: the real Rasa engine on deploy/rasa/endpoints.redis.yml.

Rasa keeps each conversation under one Redis key and sets its expiry to
record_exp on every save, so a conversation disappears 24 hours after its
last message. This starts the engine (and the action server) with that file,
against Redis on 127.0.0.1:6379, database 11 (the tests' own), sends a
message, and reads the key's TTL.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from bot.chat_state import ChatStateStore
from bot.conversation import Conversations, Turn
from bot.db.session import session_factory, upgrade
from bot.model import latest_model
from bot.rasa_client import RasaClient
from bot.settings import PROJECT_ROOT, Settings
from bot.supervisor import Supervisor, actions_child, rasa_child

ENDPOINTS = PROJECT_ROOT / "deploy" / "rasa" / "endpoints.redis.yml"
REDIS_DB = 11  # nobody else's: the tests clear only the helpline's keys in it
PSEUDONYM = "5e" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _endpoints() -> dict[str, Any]:
    return dict(yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8")))


def test_the_endpoints_file_expires_trackers_after_the_idle_time() -> None:
    """No Redis needed: what the file asks Rasa for."""
    endpoints = _endpoints()
    tracker = endpoints["tracker_store"]
    assert tracker["type"] == "redis"
    assert tracker["record_exp"] == Settings.model_fields["chat_idle_hours"].default * 3600
    assert isinstance(tracker["record_exp"], int)  # redis-py refuses a string expiry
    assert str(tracker["key_prefix"]).isalnum()  # Rasa ignores other prefixes
    assert endpoints["lock_store"]["type"] == "redis"
    for store in (tracker, endpoints["lock_store"]):
        for name in ("url", "port", "db", "password"):
            value = str(store[name])
            # Rasa expands ${VAR} only when it is the whole value.
            assert value.startswith("${HELPLINE_REDIS_") and value.endswith("}"), value


@pytest.fixture
def redis_db() -> Iterator[Any]:
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379: {error}")
    _clear(client)
    try:
        yield client
    finally:
        _clear(client)
        client.close()


def _clear(client: Any) -> None:
    keys = list(client.scan_iter(match="helpline:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def redis_settings(tmp_path: Path) -> Settings:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "var",
        rasa_port=_free_port(),
        actions_port=_free_port(),
        secret_key=SecretStr("redis-test-secret"),
        rasa_token=SecretStr("redis-test-token"),
        country="GB",
    )
    if not (settings.rasa_venv / "bin" / "rasa").exists():
        pytest.skip(f"no Rasa at {settings.rasa_venv}: run `make setup`")
    if latest_model(settings.model_dir) is None:
        pytest.skip(f"no trained model in {settings.model_dir}: run `make model`")
    return settings


@pytest.mark.redis
@pytest.mark.integration
async def test_rasa_keeps_a_conversation_in_redis_for_the_idle_time_only_and_forget_deletes_it(
    redis_db: Any, redis_settings: Settings
) -> None:
    # HELPLINE_REDIS_URL is all an operator sets: the supervisor picks the Redis
    # endpoints and writes the idle time into record_exp.
    settings = redis_settings.model_copy(
        update={
            "redis_url": SecretStr(f"redis://127.0.0.1:6379/{REDIS_DB}"),
            "chat_idle_hours": 12,
        }
    )
    record_exp = 12 * 3600
    supervisor = Supervisor([actions_child(settings), rasa_child(settings)])
    client = RasaClient(settings.rasa_url(), settings.rasa_token_value(), timeout=60.0)
    store = ChatStateStore(session_factory(settings.resolved_database_url()))
    upgrade(settings.resolved_database_url())
    conversations = Conversations(settings, rasa=client, store=store, channel="telegram")
    key = f"helpline:tracker:{conversations.pseudonym(4242)}"
    try:
        await supervisor.start()
        await conversations.handle(4242, Turn(text="hello"))

        assert redis_db.exists(key), sorted(redis_db.scan_iter(match="helpline:*"))
        assert 0 < redis_db.ttl(key) <= record_exp

        # The expiry counts from the LAST message: a new one sets it back to the full time.
        redis_db.expire(key, 60)
        await conversations.handle(4242, Turn(text="thanks"))
        assert 60 < redis_db.ttl(key) <= record_exp

        # /forget deletes the conversation from Redis at once, not in 12 hours.
        await conversations.handle(4242, Turn(command="/forget"))
        assert not redis_db.exists(key)
    finally:
        await client.aclose()
        await supervisor.stop()

    # Rasa used Redis, not the single-machine SQLite store.
    assert not settings.rasa_tracker_db().exists()
