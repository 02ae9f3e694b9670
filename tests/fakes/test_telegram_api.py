"""Tests of the fake Bot API, driven mostly by a real PTB Application over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.fakes.telegram_api import FakeBotAPI

pytestmark = pytest.mark.asyncio
TOKEN = "123456:TEST-token_abc"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TOKEN) as fake:
        yield fake


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (PTBDeprecationWarning) while it builds a RetryAfter unless this is set,
    # and with filterwarnings=error that warning replaces the RetryAfter the bot should see.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def builder(api: FakeBotAPI, token: str | None = None) -> ApplicationBuilder:
    return (
        ApplicationBuilder()
        .token(token or api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
    )


@asynccontextmanager
async def polling(api: FakeBotAPI, *handlers: Any) -> AsyncIterator[Application]:
    """A real Application polling the fake with `handlers`, stopped cleanly afterwards."""
    app = builder(api).build()
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


async def test_polling_text_is_answered_with_reply_text(api: FakeBotAPI) -> None:
    async def answer(update: Update, context: Any) -> None:
        await update.message.reply_text(f"We hear you: {update.message.text}")

    async with polling(api, MessageHandler(filters.TEXT, answer)):
        injected = api.send_text(777, "I need help", language_code="ro")
        call = await api.wait_for("sendMessage")
    assert call.params == {"chat_id": 777, "text": "We hear you: I need help"}
    assert api.requests[0][0] == "getMe" and ("sendMessage", call.params) in api.requests
    user_msg, bot_msg = api.messages(777)
    assert user_msg["message_id"] == injected.message_id == 1 and bot_msg["message_id"] == 2
    assert user_msg["from"] == {
        "id": 777,
        "is_bot": False,
        "first_name": "User777",
        "language_code": "ro",
    }
    assert bot_msg["from"]["is_bot"] and bot_msg["from"]["username"] == "fake_helpline_bot"
    assert bot_msg["chat"] == {"id": 777, "type": "private", "first_name": "User777"}
    assert [c.method for c in api.sent(777)] == ["sendMessage"]


async def test_command_button_press_answer_and_edit(api: FakeBotAPI) -> None:
    async def start(update: Update, context: Any) -> None:
        greeting = f"Hello {' '.join(context.args)}".strip()
        await update.message.reply_text(greeting, reply_markup=keyboard("talk", "exit"))

    async def pressed(update: Update, context: Any) -> None:
        await update.callback_query.answer("Connecting")
        await update.callback_query.edit_message_text(f"You chose {update.callback_query.data}")

    handlers = (CommandHandler("start", start), CallbackQueryHandler(pressed))
    async with polling(api, *handlers) as app:
        api.send_command(55, "start", "friend")
        menu = (await api.wait_for("sendMessage")).result
        assert menu["text"] == "Hello friend"
        assert menu["reply_markup"] == keyboard("talk", "exit").to_dict()
        with pytest.raises(ValueError, match="no button"):
            api.press_button(55, menu["message_id"], "not-a-button")
        press = api.press_button(55, menu["message_id"], "talk")
        edit = await api.wait_for("editMessageText")
        answer = await api.wait_for("answerCallbackQuery")
        with pytest.raises(BadRequest, match="Query is too old"):  # a query is answered once
            await app.bot.answer_callback_query(press.callback_query_id)
    assert answer.ok and answer.params["text"] == "Connecting"
    assert edit.ok and edit.result["text"] == "You chose talk" and "edit_date" in edit.result
    assert "reply_markup" not in api.messages(55)[-1]  # an edit without the keyboard drops it
    assert press.message_id == menu["message_id"]


async def test_edit_errors_like_telegram(api: FakeBotAPI) -> None:
    api.send_text(3, "hi")
    async with builder(api).build() as app:
        sent = await app.bot.send_message(3, "<b>Safe</b> &amp; sound", parse_mode="HTML")
        assert sent.text == "Safe & sound"
        with pytest.raises(BadRequest, match="Message is not modified"):
            await app.bot.edit_message_text("Safe & sound", chat_id=3, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="Message can't be edited"):
            await app.bot.edit_message_text("x", chat_id=3, message_id=1)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await app.bot.edit_message_text("x", chat_id=3, message_id=99)
        markup = keyboard("ok")
        edited = await app.bot.edit_message_reply_markup(3, sent.message_id, reply_markup=markup)
        assert edited.reply_markup == markup and edited.text == "Safe & sound"
        reply = await app.bot.send_message(3, "re", reply_parameters={"message_id": 1})
        assert reply.reply_to_message.text == "hi"
        with pytest.raises(BadRequest, match="Message to be replied not found"):
            await app.bot.send_message(3, "re", reply_parameters={"message_id": 99})


async def test_delete_messages_of_three_ids(api: FakeBotAPI) -> None:
    api.send_text(5, "hello")
    async with builder(api).build() as app:
        ids = [(await app.bot.send_message(5, f"step {i}")).message_id for i in range(3)]
        assert await app.bot.delete_messages(5, ids) is True
        assert api.deleted(5) == ids
        assert [m["text"] for m in api.messages(5)] == ["hello"]
        assert await app.bot.delete_messages(5, [*ids, 999]) is True  # unknown ones: skipped
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await app.bot.delete_message(5, ids[0])
        with pytest.raises(BadRequest, match="Too many message identifiers specified"):
            await app.bot.delete_messages(5, list(range(1, 102)))
        assert await app.bot.delete_message(5, 1) is True  # an incoming private message
    assert api.deleted(5) == [*ids, 1]


async def test_429_raises_retry_after_then_recovers(api: FakeBotAPI) -> None:
    api.send_text(8, "hi")
    api.fail_next("sendMessage", status=429, retry_after=3)
    async with builder(api).build() as app:
        with pytest.raises(RetryAfter) as raised:
            await app.bot.send_message(8, "first try")
        assert raised.value.retry_after.total_seconds() == 3
        assert (await app.bot.send_message(8, "second try")).text == "second try"
    failed = api.calls[-2]
    assert (failed.method, failed.status) == ("sendMessage", 429)
    assert failed.result == "Too Many Requests: retry after 3"
    assert [c.params["text"] for c in api.sent(8, "sendMessage")] == ["second try"]


async def test_429_is_retried_by_ptb_rate_limiter(api: FakeBotAPI) -> None:
    api.send_text(8, "hi")
    api.fail_next("sendMessage", status=429, retry_after=1)
    async with builder(api).rate_limiter(AIORateLimiter(max_retries=1)).build() as app:
        started = time.monotonic()
        assert (await app.bot.send_message(8, "after waiting")).text == "after waiting"
        assert time.monotonic() - started >= 1
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [429, 200]


async def test_500_raises_network_error_count_times(api: FakeBotAPI) -> None:
    api.send_text(8, "hi")
    api.fail_next("sendmessage", status=500, count=2)  # names are case-insensitive
    async with builder(api).build() as app:
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await app.bot.send_message(8, "x")
        await app.bot.send_message(8, "x")
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [500, 500, 200]


async def test_late_answer_times_out_but_still_takes_effect(api: FakeBotAPI) -> None:
    api.send_text(8, "hi")
    api.fail_next("sendMessage", delay=1.0)
    async with builder(api).build() as app:
        with pytest.raises(TimedOut):
            await app.bot.send_message(8, "slow", read_timeout=0.2)
        late = await api.wait_for("sendMessage", timeout=5)
    # As on Telegram the message went out although the client gave up: a retry duplicates it.
    assert late.ok and api.messages(8)[-1]["text"] == "slow"


async def test_duplicate_update_id_is_delivered_again(api: FakeBotAPI) -> None:
    seen: list[int] = []

    async def record(update: Update, context: Any) -> None:
        seen.append(update.update_id)
        await context.bot.send_message(update.effective_chat.id, "ok")

    async with polling(api, MessageHandler(filters.TEXT, record)):
        first = api.send_text(9, "hello")
        await api.wait_for("sendMessage")
        api.push_update(dict(first))  # Telegram re-sending an update the bot already handled
        await api.wait_for(lambda c: len(api.sent(9)) == 2)
        later = api.send_text(9, "again")
        await api.wait_for(lambda c: len(api.sent(9)) == 3)
    assert seen == [first.update_id, first.update_id, later.update_id]
    assert later.update_id == first.update_id + 1


async def test_wrong_token_is_rejected(api: FakeBotAPI) -> None:
    app = builder(api, token="999:WRONG").build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    await app.bot.request.shutdown()  # a failed initialize() leaves PTB's HTTP client open
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{api.url}/bot999:WRONG/getMe")
        malformed = await client.get(f"{api.url}/botnonsense/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert malformed.status_code == 404 and malformed.json()["description"] == "Not Found"


async def test_json_form_and_multipart_bodies(api: FakeBotAPI) -> None:
    api.send_text(5, "hi")
    url = f"{api.base_url}{api.token}"
    form = {"chat_id": "5", "text": "42", "reply_markup": '{"inline_keyboard": []}'}
    upload = {"document": ("a.txt", b"file-bytes", "text/plain")}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "json"})
        as_form = await client.post(f"{url}/sendMessage", data=form)
        multipart = await client.post(
            f"{url}/sendDocument", data={"chat_id": "5", "caption": "c"}, files=upload
        )
        by_query = await client.get(f"{url}/getMe")
    assert as_json.json()["ok"] and as_json.json()["result"]["text"] == "json"
    assert as_form.json()["result"]["text"] == "42"  # text stays text; chat_id is a number
    assert api.calls[-3].params == {
        "chat_id": 5,
        "text": "42",
        "reply_markup": {"inline_keyboard": []},
    }
    assert multipart.json() == {"ok": True, "result": True}  # unmodelled: recorded, accepted
    assert api.calls[-2].params == {"chat_id": 5, "caption": "c", "document": b"file-bytes"}
    assert by_query.json()["result"]["is_bot"] is True


async def test_get_updates_long_poll_offset_limit_allowed_updates(api: FakeBotAPI) -> None:
    async with builder(api).build() as app:
        bot = app.bot
        started = time.monotonic()
        assert await bot.get_updates(timeout=0.5) == ()
        assert time.monotonic() - started >= 0.45  # it blocked for the timeout
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)  # let the long poll reach the fake and wait there
        pushed = api.send_text(1, "wake up")
        assert [u.update_id for u in await asyncio.wait_for(poll, 2)] == [pushed.update_id]
        assert len(await bot.get_updates()) == 1  # not confirmed yet: handed out again
        assert await bot.get_updates(offset=pushed.update_id + 1) == ()
        pushed = [api.send_text(1, f"m{i}") for i in range(4)]
        assert len(await bot.get_updates(limit=2)) == 2
        newest = await bot.get_updates(offset=pushed[2].update_id)  # confirms all below it
        assert [u.message.text for u in newest] == ["m2", "m3"]
        assert await bot.get_updates(offset=pushed[3].update_id + 1) == ()
        api.push_update({"chat_member": {}})  # an opt-in type: dropped unless asked for
        menu = await bot.send_message(1, "menu", reply_markup=keyboard("a"))
        api.press_button(1, menu.message_id, "a")
        only = await bot.get_updates(allowed_updates=["callback_query"])
        assert [u.callback_query.data for u in only] == ["a"]
        last = await bot.get_updates(offset=-1, allowed_updates=[])  # -1: the newest survives
        assert [u.callback_query.data for u in last] == ["a"]


async def test_webhook_registration_and_delivery(api: FakeBotAPI) -> None:
    secret = "s3cret_Token-1"
    received: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return web.Response(status=403)
        received.append(await request.json())
        return web.Response()

    webhook_app = web.Application()
    webhook_app.router.add_post("/hook", hook)
    runner = web.AppRunner(webhook_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with builder(api).build() as tg:
            with pytest.raises(BadRequest, match=r"(?i)an https url must be provided"):
                await tg.bot.set_webhook("http://example.org/hook")
            with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed"):
                await tg.bot.set_webhook("https://example.org/hook", secret_token="a+b=")
            await tg.bot.set_webhook("https://example.org/hook", secret_token=secret)
            assert api.webhook["url"] == "https://example.org/hook"
            assert api.webhook["secret_token"] == secret
            update = api.send_text(4, "via webhook")
            info = await tg.bot.get_webhook_info()
            assert (info.url, info.pending_update_count) == ("https://example.org/hook", 1)
            with pytest.raises(Conflict):
                await tg.bot.get_updates()
            assert await api.deliver_to_webhook(hook_url, update) == 403
            assert await api.deliver_to_webhook(hook_url, update, secret_token=secret) == 200
            assert (await tg.bot.get_webhook_info()).pending_update_count == 0
            await tg.bot.delete_webhook()
            assert api.webhook == {"url": ""} and await tg.bot.get_updates() == ()
    finally:
        await runner.cleanup()
    assert received == [dict(update)]


async def test_commands_per_scope_and_language(api: FakeBotAPI) -> None:
    async with builder(api).build() as app:
        bot, counsellors = app.bot, BotCommandScopeChat(-100)
        await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Get help")])
        await bot.set_my_commands([BotCommand("ajutor", "Ajutor")], language_code="ro")
        await bot.set_my_commands([BotCommand("close", "Close case")], scope=counsellors)
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        assert [c.command for c in await bot.get_my_commands(language_code="ro")] == ["ajutor"]
        assert [c.command for c in await bot.get_my_commands(scope=counsellors)] == ["close"]
        await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()


async def test_venue_location_action_and_chat_errors(api: FakeBotAPI) -> None:
    api.send_text(6, "where can I go?")
    async with builder(api).build() as app:
        bot = app.bot
        venue = await bot.send_venue(6, 44.43, 26.10, "Safe house", "Str. Exemplu 1")
        assert venue.venue.title == "Safe house" and venue.location.latitude == 44.43
        assert (await bot.send_location(6, 1.5, 2.5)).location.longitude == 2.5
        assert await bot.send_chat_action(6, "typing") is True
        with pytest.raises(BadRequest, match="Wrong parameter action"):
            await bot.send_chat_action(6, "dancing")
        chat = await bot.get_chat(6)
        assert (chat.id, chat.type, chat.first_name) == (6, "private", "User6")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(404, "to a stranger")
        assert await bot.set_chat_menu_button(6) is True  # unmodelled: recorded, accepted
        api.block_bot(6)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(6, "still there?")
        api.add_to_group(-1001, title="Counsellors")
        assert await bot.leave_chat(-1001) is True
        with pytest.raises(Forbidden):
            await bot.send_message(-1001, "after leaving")


async def test_media_edits_and_group_updates_reach_handlers(api: FakeBotAPI) -> None:
    got: dict[str, Any] = {}
    kinds = ("photo", "voice", "sticker", "document", "location", "text", "new_chat_members")

    async def remember(update: Update, context: Any) -> None:
        msg = update.effective_message
        if update.edited_message or update.my_chat_member:
            kind = "edited" if update.edited_message else "member"
        else:
            kind = next(k for k in kinds if getattr(msg, k))
        got[f"group {kind}" if update.effective_chat.id < 0 else kind] = update
        if kind == "photo":
            file = await context.bot.get_file(msg.photo[-1].file_id)
            got["photo bytes"] = bytes(await file.download_as_bytearray())
        await context.bot.send_chat_action(update.effective_chat.id, "typing")  # "handled"

    async with polling(api, TypeHandler(Update, remember)):
        api.send_photo(1, caption="proof", content=b"jpeg!")
        api.send_voice(1)
        api.send_sticker(1, emoji="🙏")
        api.send_document(1, file_name="contract.pdf")
        api.send_location(1, 45.0, 25.0)
        text = api.send_text(1, "original")
        api.edit_text(1, text.message_id, "edited")
        api.add_to_group(-100200, title="Team")
        api.send_text(-100200, "hello team", user=31)  # the chat is known to be a supergroup
        await api.wait_for(lambda c: len(api.sent(method="sendChatAction")) == 10)
    assert got["photo bytes"] == b"jpeg!" and got["photo"].message.caption == "proof"
    assert got["voice"].message.voice.mime_type == "audio/ogg"
    assert got["sticker"].message.sticker.emoji == "🙏"
    assert got["document"].message.document.file_name == "contract.pdf"
    assert got["location"].message.location.latitude == 45.0
    assert (got["text"].message.text, got["edited"].edited_message.text) == ("original", "edited")
    assert got["group member"].my_chat_member.new_chat_member.status == "member"
    assert got["group new_chat_members"].message.new_chat_members[0].is_bot
    group_text = got["group text"].message
    assert (group_text.chat.type, group_text.chat.title) == ("supergroup", "Team")
    assert (group_text.from_user.id, group_text.text) == (31, "hello team")
    assert api.send_text(-100200, "anyone?")["message"]["from"]["id"] == 5550001  # a default member
    assert api.send_text(-5, "hi", chat_type="group")["message"]["chat"]["type"] == "group"


async def test_wait_for_sync_from_another_thread_and_timeout(api: FakeBotAPI) -> None:
    api.send_text(2, "hi")
    result: list = []
    waiter = threading.Thread(target=lambda: result.append(api.wait_for_sync("sendMessage")))
    waiter.start()
    async with builder(api).build() as app:
        await app.bot.send_message(2, "from the bot")
    await asyncio.to_thread(waiter.join, 5)
    assert result and result[0].params["text"] == "from the bot"
    with pytest.raises(TimeoutError, match="no request matched"):
        await api.wait_for("sendMessage", timeout=0.2, since=len(api.calls))


async def test_standalone_command_line() -> None:
    command = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--token", "1:X"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL}
    with subprocess.Popen(command, cwd=ROOT, env=env, text=True, **pipes) as proc:
        try:
            line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 10)
            base_url = line.split("base_url=")[1].split()[0]
            proc.stdin.write("77 hello from the terminal\n")
            proc.stdin.flush()
            async with httpx.AsyncClient() as client:
                me = (await client.get(f"{base_url}1:X/getMe")).json()
                updates = await client.post(f"{base_url}1:X/getUpdates", json={"timeout": 5})
        finally:
            proc.terminate()
    assert me["result"]["id"] == 1
    assert updates.json()["result"][0]["message"]["text"] == "hello from the terminal"
