"""Webhook mode: updates are accepted only with Telegram's secret-token header."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from pydantic import SecretStr

from bot.conversation import Conversations
from bot.settings import Settings, TelegramMode
from bot.telegram.app import run_telegram
from tests.conftest import RecordingRasa
from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.conftest import free_port
from tests.telegram.conftest import telegram_settings


async def listening(port: int, timeout: float = 15.0) -> None:
    """Wait until the gateway's webhook server accepts connections."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def test_webhook_refuses_updates_without_the_secret(
    settings: Settings, conversations: Conversations, rasa: RecordingRasa
) -> None:
    port = free_port()
    with FakeBotAPI(token="123456:TEST-TOKEN") as api:
        webhook = telegram_settings(
            settings,
            api,
            telegram_mode=TelegramMode.WEBHOOK,
            telegram_webhook_url="https://helpline.example/telegram",
            telegram_webhook_secret=SecretStr("s3cret-token"),
            telegram_webhook_port=port,
        )
        gateway = asyncio.create_task(run_telegram(webhook, conversations))
        try:
            await api.wait_for("setWebhook", timeout=15)
            await listening(port)
            assert api.webhook["url"] == "https://helpline.example/telegram"
            assert api.webhook["secret_token"] == "s3cret-token"
            url = f"http://127.0.0.1:{port}/telegram"
            api.register_chat(777)
            update = {
                "update_id": 9001,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 777, "type": "private"},
                    "from": {"id": 777, "is_bot": False, "first_name": "x"},
                    "text": "hello",
                },
            }
            assert await api.deliver_to_webhook(url, update) == 403
            assert await api.deliver_to_webhook(url, update, secret_token="wrong") == 403
            assert rasa.sent == []
            assert await api.deliver_to_webhook(url, update, secret_token="s3cret-token") == 200
            await api.wait_for("sendMessage", timeout=10)
            assert [s["message"] for s in rasa.sent] == ["hello"]
        finally:
            gateway.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gateway


async def test_webhook_mode_needs_a_secret(
    settings: Settings, conversations: Conversations
) -> None:
    with FakeBotAPI(token="123456:TEST-TOKEN") as api:
        webhook = telegram_settings(
            settings,
            api,
            telegram_mode=TelegramMode.WEBHOOK,
            telegram_webhook_url="https://helpline.example/telegram",
        )
        with pytest.raises(ValueError, match="SECRET"):
            await run_telegram(webhook, conversations)
