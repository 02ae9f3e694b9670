"""Odd input gets a clear answer and never reaches Rasa as an intent."""

import pytest

from bot.user_input import TextProblem, checked_intent_payload, clean_text


def test_long_text_is_cut_and_marked() -> None:
    cleaned = clean_text("help " * 2000, max_chars=1000)
    assert cleaned.truncated
    assert len(cleaned.text) <= 1000
    assert cleaned.problem is None


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\x00\x01\x02", "\u200b\x07"])
def test_nothing_to_read_is_empty(raw: str) -> None:
    assert clean_text(raw, max_chars=1000).problem is TextProblem.EMPTY


def test_control_characters_are_removed_and_words_kept() -> None:
    cleaned = clean_text("he\x00lp\x1b[31m me", max_chars=1000)
    assert cleaned.text == "help[31m me"
    assert cleaned.problem is None


@pytest.mark.parametrize("raw", ["🙂", "👍🏽", "?!...", "❤️❤️"])
def test_no_letters_or_digits(raw: str) -> None:
    assert clean_text(raw, max_chars=1000).problem is TextProblem.NO_WORDS


@pytest.mark.parametrize(
    "raw",
    [
        '/request_human{"x":1}',
        "  /emergency",
        "／greet",
        '/find_service{"service_type": "shelter"}',
    ],
)
def test_typed_intent_syntax_is_a_command_not_an_intent(raw: str) -> None:
    # Full-width slash normalizes to "/" too: no way around the check.
    assert clean_text(raw, max_chars=1000).problem is TextProblem.LOOKS_LIKE_COMMAND


@pytest.mark.parametrize(
    "payload",
    ["/affirm", "/find_service", '/find_service{"service_type": "shelter"}', "/request_human"],
)
def test_button_payloads_the_bot_offers_pass(payload: str) -> None:
    assert checked_intent_payload(payload) == payload


@pytest.mark.parametrize(
    "payload",
    [
        "/restart",  # a Rasa default intent the bot never offers
        "/session_start",
        '/request_human{"x":1}',  # unknown entity
        '/find_service{"service_type": {"nested": 1}}',
        "/find_service{not json}",
        "find_service",
        "/" + "a" * 60,
    ],
)
def test_forged_or_unknown_payloads_are_refused(payload: str) -> None:
    assert checked_intent_payload(payload) is None
