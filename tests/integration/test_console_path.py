"""The whole message path: console -> gateway logic -> Rasa engine -> action server -> presenter."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Stack, replies

pytestmark = pytest.mark.integration


def test_hello_is_welcomed_with_the_safety_check(stack: Stack) -> None:
    [turn] = stack.chat("hello")
    assert turn["turn"] == 1
    assert replies(turn) == ["greeting.welcome", "safety.check"]
    assert "confidential helpline" in turn["replies"][0]["text"]
    assert [b["payload"] for b in turn["replies"][1]["buttons"]] == ["/affirm", "/deny"]


def test_a_first_conversation(stack: Stack) -> None:
    turns = stack.chat(
        "hi",
        '{"button": "/affirm"}',
        "are you a robot?",
        "thanks",
        "asdkjh qwe zzzz",
        "bye",
        user="first-conversation",
    )
    assert replies(turns[0]) == ["greeting.welcome", "safety.check"]
    assert replies(turns[1]) == ["safety.safe"]
    assert "/find_service" in [b["payload"] for b in turns[1]["replies"][0]["buttons"]]
    assert replies(turns[2]) == ["bot_challenge.reply"]
    assert replies(turns[3]) == ["thanks.reply"]
    fallback = turns[4]["replies"][0]
    assert fallback["key"] == "fallback.rephrase"
    # The fallback offers rephrasing, a person, and the hotline number.
    assert "+44" in fallback["text"] or "0800" in fallback["text"]
    assert "/request_human" in [b["payload"] for b in fallback["buttons"]]
    assert replies(turns[5]) == ["goodbye.reply"]


def test_not_safe_to_chat_offers_the_quick_exit(stack: Stack) -> None:
    turns = stack.chat("hello", "no", user="not-safe")
    assert replies(turns[1]) == ["safety.not_safe"]
    assert [b["payload"] for b in turns[1]["replies"][0]["buttons"]] == ["cmd:exit"]


def test_language_is_offered_and_can_be_chosen(stack: Stack) -> None:
    turns = stack.chat('{"command": "/start"}', '{"button": "lang:en"}', user="language")
    assert replies(turns[0]) == ["greeting.welcome", "safety.check", "language.choose"]
    assert "lang:en" in [b["payload"] for b in turns[0]["replies"][2]["buttons"]]
    assert replies(turns[1])[0] == "language.changed"


def test_bad_input_gets_a_clear_answer_and_breaks_nothing(stack: Stack) -> None:
    turns = stack.chat(
        "x" * 10_000,
        "",
        "\x01\x02\x1b",
        "🙂",
        '/request_human{"x":1}',
        '{"text": "/restart"}',
        "hello",
        user="bad-input",
    )
    assert replies(turns[0])[0] == "input.too_long"
    assert replies(turns[1])[0] == "input.empty"
    assert replies(turns[2])[0] == "input.empty"
    assert replies(turns[3])[0] == "input.no_words"
    assert replies(turns[4])[0] == "input.unknown_command"
    assert replies(turns[5])[0] == "input.unknown_command"
    # Still alive, and nothing above was read as an intent.
    assert replies(turns[6]) == ["greeting.welcome", "safety.check"]


def test_exit_answers_nothing(stack: Stack) -> None:
    turns = stack.chat("hello", '{"command": "/exit"}', user="exit")
    assert turns[1]["replies"] == []
    assert turns[1]["exit"] is True


def test_users_are_separate(stack: Stack) -> None:
    stack.chat("hello", user="alice")
    # Bob's "yes" is not an answer to Alice's safety check.
    [bob] = stack.chat("yes", user="bob")
    assert replies(bob) == ["affirm.reply"]
