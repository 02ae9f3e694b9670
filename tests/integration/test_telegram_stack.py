"""The whole stack on Telegram: fake Bot API -> gateway -> real Rasa engine -> action server.

The engine sits behind a loopback proxy the test can cut, to see what a
person sees when the engine stops mid-conversation, and that the gateway
recovers by itself when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.chat_state import ChatStateStore
from bot.conversation import Conversations
from bot.db.session import session_factory
from bot.directory.national import numbers_for
from bot.rasa_client import RasaClient
from tests.integration.conftest import Stack, free_port
from tests.telegram.conftest import Telegram, polling_bot

pytestmark = pytest.mark.integration

CHAT = 5550123


class CuttableProxy:
    """A TCP proxy on loopback that can refuse connections, like a stopped engine."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def down(self) -> None:
        """Refuse new connections and cut the open ones, as a stopped engine would."""
        if self._server is not None:
            self._server.close()
            self._server = None
        writers, self._open = list(self._open), set()
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._open.add(up_writer)

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        for end in (writer, up_writer):
            self._open.discard(end)
            with contextlib.suppress(ConnectionError):
                await end.wait_closed()


@pytest.fixture
async def telegram_stack(stack: Stack) -> AsyncIterator[tuple[Telegram, CuttableProxy]]:
    proxy = CuttableProxy(stack.settings.rasa_port)
    await proxy.up()
    settings = stack.settings
    rasa = RasaClient(f"http://127.0.0.1:{proxy.port}", settings.rasa_token_value(), timeout=20)
    store = ChatStateStore(session_factory(settings.resolved_database_url()))
    conversations = Conversations(settings, rasa=rasa, store=store, channel="telegram")
    try:
        async with polling_bot(settings, conversations, token="999:STACK") as bot:
            yield bot, proxy
    finally:
        await proxy.down()
        await rasa.aclose()


async def test_a_conversation_on_telegram_end_to_end(
    telegram_stack: tuple[Telegram, CuttableProxy],
) -> None:
    telegram, proxy = telegram_stack
    api = telegram.api
    api.send_command(CHAT, "/start", language_code="en")
    sent = await telegram.answered(CHAT, 3, timeout=60)
    assert "confidential helpline" in sent[0].params["text"]

    api.send_text(CHAT, "are you a bot")
    sent = await telegram.answered(CHAT, 4, timeout=60)
    assert "automated" in sent[3].params["text"]

    # A shared location starts a search near it and asks only what kind of help.
    api.send_location(CHAT, 51.5074, -0.1278)
    sent = await telegram.answered(CHAT, 5, timeout=60)
    assert "What kind of help" in sent[4].params["text"]

    api.send_sticker(CHAT)
    await telegram.answered(CHAT, 6, timeout=30)

    # The engine stops mid-conversation: the next message is still answered.
    await proxy.down()
    api.send_text(CHAT, "i need a lawyer")
    sent = await telegram.answered(CHAT, 7, timeout=60)
    assert numbers_for("GB").emergency in sent[6].params["text"]
    assert numbers_for("GB").hotline in sent[6].params["text"]

    # It comes back, and the gateway uses it again without a restart.
    await proxy.up()
    api.send_text(CHAT, "thank you")
    sent = await telegram.answered(CHAT, 8, timeout=60)
    assert "welcome" in sent[7].params["text"].lower()

    before = len(api.calls)
    api.send_command(CHAT, "/exit")
    await api.wait_for("deleteMessages", since=before, timeout=30)
    await api.wait_for(lambda _c: not api.messages(CHAT), timeout=10)
    assert api.messages(CHAT) == []
    assert not [c for c in api.calls[before:] if c.method.startswith("send")]
