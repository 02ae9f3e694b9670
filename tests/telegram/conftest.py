"""The Telegram gateway against the fake Bot API server, over real HTTP on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot.conversation import Conversations
from bot.settings import Settings
from bot.telegram.app import ALLOWED_UPDATES, build_application, start_application
from bot.telegram.gateway import Gateway
from tests.fakes.telegram_api import Call, FakeBotAPI


@dataclass
class Telegram:
    api: FakeBotAPI
    app: Application  # type: ignore[type-arg]

    @property
    def gateway(self) -> Gateway:
        gateway = self.app.bot_data["gateway"]
        assert isinstance(gateway, Gateway)
        return gateway

    def texts(self, chat_id: int, since: int = 0) -> list[str]:
        return [c.params["text"] for c in self.api.sent(chat_id, "sendMessage")[since:]]

    async def answered(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until the bot has sent `count` messages to the chat in all; return them."""
        await self.api.wait_for(
            lambda _c: len(self.api.sent(chat_id, "sendMessage")) >= count, timeout=timeout
        )
        return self.api.sent(chat_id, "sendMessage")


def telegram_settings(settings: Settings, api: FakeBotAPI, **changes: Any) -> Settings:
    return settings.model_copy(
        update={"telegram_token": SecretStr(api.token), "telegram_api_url": api.url, **changes}
    )


async def start_polling(
    settings: Settings, conversations: Conversations, api: FakeBotAPI
) -> Application:  # type: ignore[type-arg]
    app = build_application(telegram_settings(settings, api), conversations)
    await start_application(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    return app


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    await app.stop()
    await app.shutdown()


@contextlib.asynccontextmanager
async def polling_bot(
    settings: Settings, conversations: Conversations, *, token: str
) -> AsyncIterator[Telegram]:
    """The gateway polling a fake Bot API on loopback, stopped on the way out."""
    with FakeBotAPI(token=token) as api:
        app = await start_polling(settings, conversations, api)
        try:
            yield Telegram(api=api, app=app)
        finally:
            await stop(app)


@pytest.fixture
async def telegram(settings: Settings, conversations: Conversations) -> AsyncIterator[Telegram]:
    async with polling_bot(settings, conversations, token="123456:TEST-TOKEN") as bot:
        yield bot
