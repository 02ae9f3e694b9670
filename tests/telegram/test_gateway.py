"""What a person on Telegram sees, through the fake Bot API over real HTTP.

The Rasa engine is stood in for by tests.conftest.RecordingRasa here; the whole
stack with the real engine is in tests/integration/test_telegram_stack.py.
"""

from __future__ import annotations

import asyncio
import json
import time

from bot.chat_state import ChatStateStore
from bot.directory.national import numbers_for
from bot.telegram.flood import FloodGate
from tests.conftest import RecordingRasa
from tests.telegram.conftest import Telegram

ALICE = 4242001
BOB = 4242002


def buttons(call) -> list[str]:  # type: ignore[no-untyped-def]
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_start_welcomes_with_safety_check_language_picker_and_quick_exit(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    rasa.answers["/greet"] = [
        {"key": "greeting.welcome"},
        {"key": "safety.check", "buttons": [{"key": "safety.yes", "payload": "/affirm"}]},
    ]
    telegram.api.send_command(ALICE, "/start", language_code="en")
    sent = await telegram.answered(ALICE, 3)
    assert "confidential helpline" in sent[0].params["text"]
    assert "/affirm" in buttons(sent[1])
    assert "lang:es" in buttons(sent[2]) or "lang:en" in buttons(sent[2])
    # The quick exit is one tap away on the last message of the turn.
    assert buttons(sent[-1])[-1] == "cmd:exit"
    for call in sent:
        assert call.params.get("protect_content") in (True, "true")
        assert call.params.get("parse_mode") == "HTML"


async def test_text_reaches_rasa_under_a_pseudonym_only(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    telegram.api.send_text(
        ALICE,
        "my boss keeps my passport",
        user={"id": ALICE, "first_name": "Alice", "username": "alice_real", "is_bot": False},
    )
    await telegram.answered(ALICE)
    sent = rasa.sent[0]
    assert sent["message"] == "my boss keeps my passport"
    wire = json.dumps(sent)
    assert str(ALICE) not in wire and "alice_real" not in wire and "Alice" not in wire


async def test_a_button_press_is_acknowledged_and_passed_on(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    telegram.api.send_command(ALICE, "/help")
    sent = await telegram.answered(ALICE, 2)
    menu = sent[1]
    assert "/find_service" in buttons(menu)
    telegram.api.press_button(ALICE, menu.result["message_id"], "/find_service")
    await telegram.api.wait_for("answerCallbackQuery")
    await telegram.answered(ALICE, 3)
    assert rasa.sent[-1]["message"] == "/find_service"


async def test_a_shared_location_is_passed_on(telegram: Telegram, rasa: RecordingRasa) -> None:
    telegram.api.send_location(ALICE, 13.7563, 100.5018)
    await telegram.answered(ALICE)
    assert rasa.sent[0]["message"].startswith("/share_location{")
    assert json.loads(rasa.sent[0]["message"].removeprefix("/share_location")) == {
        "latitude": 13.7563,
        "longitude": 100.5018,
    }


async def test_media_and_edits_get_a_kind_answer_and_never_reach_rasa(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    api = telegram.api
    api.send_sticker(ALICE)
    await telegram.answered(ALICE, 1)
    api.send_voice(ALICE)
    await telegram.answered(ALICE, 2)
    api.send_photo(ALICE)
    await telegram.answered(ALICE, 3)
    api.send_document(ALICE)
    await telegram.answered(ALICE, 4)
    first = api.send_text(ALICE, "hello")
    await telegram.answered(ALICE, 5)
    api.edit_text(ALICE, first.message_id, "hello again")
    texts = [c.params["text"] for c in await telegram.answered(ALICE, 6)]
    assert "only read words" in texts[0]
    assert "voice" in texts[1]
    assert "pictures" in texts[2]
    assert "files" in texts[3]
    assert "new message" in texts[5]
    assert [s["message"] for s in rasa.sent] == ["hello"]


async def test_exit_deletes_the_whole_chat_and_sends_nothing(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    rasa.answers["/greet"] = [{"key": "greeting.welcome"}, {"key": "safety.check"}]
    api = telegram.api
    api.send_command(ALICE, "/start")
    await telegram.answered(ALICE, 3)
    api.send_text(ALICE, "they took my passport")
    await telegram.answered(ALICE, 4)
    api.send_location(ALICE, 51.5, -0.12)
    await telegram.answered(ALICE, 5)
    before = len(api.calls)
    exit_update = api.send_command(ALICE, "/exit")
    await api.wait_for("deleteMessages", since=before)
    await telegram.api.wait_for(lambda _c: not api.messages(ALICE), timeout=5)
    assert api.messages(ALICE) == []
    assert exit_update.message_id in api.deleted(ALICE)
    # Nothing was sent after the exit: no notification, no chat-list preview.
    assert [c.method for c in api.sent(ALICE)[-1:]] == ["deleteMessages"]


async def test_exit_does_not_wait_for_the_turns_before_it(
    telegram: Telegram, rasa: RecordingRasa, store: ChatStateStore
) -> None:
    """Someone is coming: the chat must go now, not after three slow answers."""
    api = telegram.api
    rasa.delay = 2.0  # each answer takes 2 s; three queued turns would take 6 s
    for text in ("they took my passport", "i cannot leave", "what can i do"):
        api.send_text(ALICE, text)
    await api.wait_for(lambda _c: len(rasa.sent) == 1, timeout=5)  # the first one runs
    started = time.monotonic()
    api.send_command(ALICE, "/exit")
    await api.wait_for("deleteMessages", timeout=5)
    assert time.monotonic() - started < 1.5
    # Once the turn that was running ends, nothing of the chat is left anywhere.
    await asyncio.sleep(rasa.delay + 1.0)
    await api.wait_for(lambda _c: not api.messages(ALICE), timeout=5)
    assert api.sent(ALICE, "sendMessage") == []
    assert len(rasa.sent) == 1  # the queued turns were never sent to the engine
    assert store.recall(
        telegram.gateway.conversations.pseudonym(ALICE), default_language="en"
    ).is_new


async def test_exit_by_button_deletes_in_batches_of_100(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    telegram.gateway.flood = FloodGate(burst=1000)  # 60 quick messages are the point here
    api = telegram.api
    for number in range(60):
        api.send_text(ALICE, f"message {number}")
    await telegram.answered(ALICE, 60, timeout=60)
    last = api.sent(ALICE, "sendMessage")[-1]
    api.press_button(ALICE, last.result["message_id"], "cmd:exit")
    await api.wait_for(lambda _c: not api.messages(ALICE), timeout=10)
    batches = [c.params["message_ids"] for c in api.sent(ALICE, "deleteMessages")]
    batches = [json.loads(b) if isinstance(b, str) else b for b in batches]
    assert [len(b) for b in batches] == [100, 20]


async def test_group_chats_are_refused_and_left(telegram: Telegram, rasa: RecordingRasa) -> None:
    group = -100777
    telegram.api.add_to_group(group)
    telegram.api.send_text(group, "hello bot", chat_type="supergroup", title="Workers")
    await telegram.api.wait_for("leaveChat", timeout=10)
    assert "private" in telegram.texts(group)[0]
    assert rasa.sent == []


async def test_rasa_down_still_answers_with_numbers_and_recovers(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    rasa.down = True
    telegram.api.send_text(ALICE, "i need help")
    [down] = await telegram.answered(ALICE, 1)
    gb = numbers_for("GB")
    assert gb.emergency in down.params["text"]
    assert gb.hotline in down.params["text"]
    rasa.down = False
    rasa.answers["hello"] = [{"key": "greeting.welcome"}]
    telegram.api.send_text(ALICE, "hello")
    sent = await telegram.answered(ALICE, 2)
    assert "confidential helpline" in sent[1].params["text"]


async def test_telegram_errors_are_retried(telegram: Telegram, rasa: RecordingRasa) -> None:
    api = telegram.api
    api.fail_next("sendMessage", 429, retry_after=1)
    api.send_text(ALICE, "one")
    await telegram.answered(ALICE, 1, timeout=15)
    api.fail_next("sendMessage", 500, count=2)
    api.send_text(ALICE, "two")
    await telegram.answered(ALICE, 2, timeout=15)
    statuses = [c.status for c in api.calls if c.method == "sendMessage"]
    assert statuses == [429, 200, 500, 500, 200]


async def test_a_repeated_update_is_handled_once(telegram: Telegram, rasa: RecordingRasa) -> None:
    update = telegram.api.send_text(ALICE, "hello")
    await telegram.answered(ALICE, 1)
    telegram.api.push_update(dict(update))
    telegram.api.send_text(ALICE, "second")
    await telegram.answered(ALICE, 2)
    assert [s["message"] for s in rasa.sent] == ["hello", "second"]


async def test_one_flood_does_not_hold_up_others(telegram: Telegram, rasa: RecordingRasa) -> None:
    telegram.gateway.flood = FloodGate(burst=3, window=10.0, pause=0.3)
    api = telegram.api
    for number in range(12):
        api.send_text(ALICE, f"flood {number}")
    api.send_text(BOB, "hello")
    await telegram.answered(BOB, 1, timeout=10)
    # Bob was answered while Alice's flood was still being worked through.
    assert len(api.sent(ALICE, "sendMessage")) < 12
    await telegram.answered(ALICE, 12, timeout=30)
    # Nothing of the flood was dropped, and it stayed in order.
    assert [s["message"] for s in rasa.sent if s["message"].startswith("flood")] == [
        f"flood {n}" for n in range(12)
    ]


async def test_replies_are_escaped_and_numbers_sent_for_telegram_to_link(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    rasa.answers["<b>hi</b>"] = [{"key": "bot_challenge.reply"}]
    telegram.api.send_text(ALICE, "<b>hi</b>")
    [sent] = await telegram.answered(ALICE, 1)
    text = sent.params["text"]
    # International numbers as text: Telegram makes them tappable itself; a tel:
    # anchor is not a documented link scheme and could get the reply refused.
    assert "<a " not in text
    assert "&lt;b&gt;" in sent.params["text"] or "<b>" not in text


async def test_commands_are_listed_in_every_language(telegram: Telegram) -> None:
    await telegram.api.wait_for("setMyCommands")
    default = [
        c
        for c in telegram.api.calls
        if c.method == "setMyCommands" and not c.params.get("language_code")
    ]
    commands = default[0].params["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    assert commands[0]["command"] == "exit"


async def test_a_place_is_sent_as_a_venue_after_its_text(
    telegram: Telegram, rasa: RecordingRasa
) -> None:
    rasa.answers["where"] = [
        {
            "key": "services.hotline_only",
            "place": {
                "latitude": 13.75,
                "longitude": 100.5,
                "title": "Shelter",
                "address": "1 Road",
            },
        }
    ]
    telegram.api.send_text(ALICE, "where")
    venue = await telegram.api.wait_for("sendVenue")
    assert float(venue.params["latitude"]) == 13.75
    assert venue.params["title"] == "Shelter"
    assert venue.params.get("protect_content") in (True, "true")
