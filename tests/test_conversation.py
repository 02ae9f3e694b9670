"""One turn through the gateway's own logic: commands, crisis lexicon, fallback, privacy."""

from __future__ import annotations

import pytest

from bot.chat_state import ChatStateStore
from bot.conversation import Conversations, Turn
from bot.directory.national import numbers_for, readable_phone
from bot.i18n import translate
from tests.conftest import RecordingRasa


def keys(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [reply.key for reply in result.replies]


async def test_text_goes_to_rasa_under_a_pseudonym(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.answers["hello"] = [{"key": "greeting.welcome"}]
    result = await conversations.handle(987654321, Turn(text="hello"))
    assert keys(result) == ["greeting.welcome"]
    sent = rasa.sent[0]
    assert sent["message"] == "hello"
    assert sent["sender"] == conversations.pseudonym(987654321)
    assert "987654321" not in str(sent)
    assert sent["metadata"]["language"] == "en"


async def test_rasa_down_still_answers_with_the_numbers(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.down = True
    result = await conversations.handle(1, Turn(text="i need help"))
    assert keys(result) == ["fallback.unavailable"]
    gb = numbers_for("GB")
    assert gb.emergency in result.replies[0].text
    assert gb.hotline in result.replies[0].text


async def test_crisis_lexicon_answers_before_rasa_even_when_rasa_is_down(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.down = True
    result = await conversations.handle(1, Turn(text="please help me now they are coming"))
    assert keys(result)[0] == "emergency.call_now"
    assert numbers_for("GB").emergency in result.replies[0].text
    # Rasa was told the intent, not the words.
    assert rasa.sent[0]["message"] == "/emergency"


async def test_crisis_answer_is_not_repeated_when_rasa_agrees(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.answers["/self_harm"] = [{"key": "self_harm.support"}]
    result = await conversations.handle(1, Turn(text="i want to kill myself"))
    assert keys(result) == ["self_harm.support"]


@pytest.mark.parametrize("text", ['/request_human{"x":1}', "/restart", "/emergency"])
async def test_typed_intent_syntax_never_reaches_rasa(
    conversations: Conversations, rasa: RecordingRasa, text: str
) -> None:
    result = await conversations.handle(1, Turn(text=text))
    assert rasa.sent == []
    assert keys(result) == ["input.unknown_command", "menu.prompt"]


@pytest.mark.parametrize(
    ("text", "key"), [("", "input.empty"), ("\x00\x01", "input.empty"), ("🙂", "input.no_words")]
)
async def test_empty_and_wordless_messages_get_a_clear_reply(
    conversations: Conversations, rasa: RecordingRasa, text: str, key: str
) -> None:
    result = await conversations.handle(1, Turn(text=text))
    assert keys(result)[0] == key
    assert result.replies[-1].buttons, "the reply offers a way on"
    assert rasa.sent == []


async def test_a_very_long_message_is_read_in_part_and_said_so(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    result = await conversations.handle(1, Turn(text="my boss took my passport " * 400))
    assert keys(result)[0] == "input.too_long"
    assert len(rasa.sent[0]["message"]) <= 1000


async def test_forged_button_payload_is_refused(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    result = await conversations.handle(1, Turn(button='/restart{"a": 1}'))
    assert keys(result)[0] == "input.unknown_button"
    assert rasa.sent == []


async def test_offered_button_payload_goes_to_rasa(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    await conversations.handle(1, Turn(button="/find_service"))
    assert rasa.sent[0]["message"] == "/find_service"


async def test_help_and_language_work_without_rasa(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.down = True
    help_result = await conversations.handle(1, Turn(command="/help"))
    assert keys(help_result) == ["help.commands", "menu.prompt"]
    assert any(b.payload == "/find_service" for b in help_result.replies[1].buttons)
    picker = await conversations.handle(1, Turn(command="/language"))
    assert any(b.payload == "lang:en" for b in picker.replies[0].buttons)


async def test_start_falls_back_to_a_local_welcome_when_rasa_is_down(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.down = True
    result = await conversations.handle(1, Turn(command="/start"))
    assert keys(result) == ["greeting.welcome", "safety.check", "language.choose"]
    assert [b.payload for b in result.replies[1].buttons] == ["/affirm", "/deny"]


async def test_forget_removes_the_chat_state(
    conversations: Conversations, store: ChatStateStore, rasa: RecordingRasa
) -> None:
    await conversations.handle(5, Turn(text="hello"))
    pseudonym = conversations.pseudonym(5)
    assert not store.recall(pseudonym, default_language="en").is_new
    result = await conversations.handle(5, Turn(command="/forget"))
    assert keys(result) == ["forget.done"]
    assert store.recall(pseudonym, default_language="en").is_new


async def test_exit_says_nothing_and_forgets(
    conversations: Conversations, store: ChatStateStore
) -> None:
    await conversations.handle(6, Turn(text="hello"))
    result = await conversations.handle(6, Turn(text="/exit"))
    assert result.exit
    assert result.replies == []
    assert store.recall(conversations.pseudonym(6), default_language="en").is_new


async def test_users_are_kept_apart(conversations: Conversations, rasa: RecordingRasa) -> None:
    await conversations.handle("alice", Turn(text="hello"))
    await conversations.handle("bob", Turn(text="hello"))
    assert rasa.sent[0]["sender"] != rasa.sent[1]["sender"]


def test_phone_numbers_are_shown_readably() -> None:
    assert readable_phone("+18883737888") == "+1 888-373-7888"
    assert readable_phone("116 006") == "116 006"


async def test_writing_in_another_language_offers_a_switch_once(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    text = "mi jefe me quitó el pasaporte y no me paga nada"
    first = await conversations.handle(8, Turn(text=text))
    offer = first.replies[-1]
    assert offer.key == "language.offer_switch"
    assert [b.payload for b in offer.buttons] == ["lang:es", "lang:en"]
    assert offer.buttons[0].title == "Español"
    second = await conversations.handle(8, Turn(text=text))
    assert "language.offer_switch" not in keys(second)
    # The person's answer decides; the reply then comes in Spanish.
    switched = await conversations.handle(8, Turn(button="lang:es"))
    assert switched.language == "es"


async def test_danger_written_in_another_language_is_answered_in_it(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    # The chat is in English; she writes in Spanish, once, about danger now.
    rasa.answers["/emergency"] = [{"key": "emergency.call_now"}]
    result = await conversations.handle(10, Turn(text="ayúdenme por favor, me tienen encerrada"))
    assert keys(result) == ["emergency.call_now", "language.offer_switch"]
    gb = numbers_for("GB")
    in_spanish = translate(
        "emergency.call_now", "es", {"emergency": gb.emergency, "hotline": gb.hotline}
    )
    assert result.replies[0].text == in_spanish, "the emergency answer is in Spanish, given once"
    assert result.language == "en"  # switching stays her choice


async def test_short_or_same_language_messages_get_no_offer(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    for text in ["ok", "si", "my boss took my passport and i cannot leave"]:
        result = await conversations.handle(9, Turn(text=text))
        assert "language.offer_switch" not in keys(result)


async def test_a_place_in_another_country_switches_the_numbers_for_the_rest_of_the_chat(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    # The actions tag a search's answer with the country of the place found.
    rasa.answers["shelter in Bangkok"] = [
        {"key": "services.none_local", "args": {"place": "Bangkok"}, "country": "TH"}
    ]
    result = await conversations.handle(5, Turn(text="shelter in Bangkok"))
    thailand = numbers_for("TH")
    assert thailand.emergency in result.replies[0].text
    assert rasa.sent[-1]["metadata"]["country"] == "GB"  # what was known when it was sent
    rasa.down = True
    later = await conversations.handle(5, Turn(text="what now"))
    assert thailand.emergency in later.replies[0].text
    assert numbers_for("GB").emergency not in later.replies[0].text


async def test_three_cards_with_one_key_are_all_shown(
    conversations: Conversations, rasa: RecordingRasa
) -> None:
    rasa.answers["shelters"] = [
        {"key": "services.card", "args": {"name": name}} for name in ("A", "B", "A")
    ]
    result = await conversations.handle(6, Turn(text="shelters"))
    # Different cards stay; an exact repeat (an echo) is dropped.
    assert [reply.text for reply in result.replies] == ["A", "B"]


async def test_self_harm_gives_the_national_crisis_line(
    conversations: Conversations, rasa: RecordingRasa, settings
) -> None:  # type: ignore[no-untyped-def]
    rasa.down = True
    result = await conversations.handle(7, Turn(text="i want to kill myself"))
    gb = numbers_for("GB")
    assert gb.crisis_line_phone  # Samaritans
    assert keys(result) == ["self_harm.support"]
    assert gb.crisis_line in result.replies[0].text
    assert gb.emergency in result.replies[0].text


@pytest.mark.parametrize("key", ["report.acknowledge", "fallback.rephrase"])
async def test_answers_that_may_meet_danger_give_the_emergency_number(
    conversations: Conversations, rasa: RecordingRasa, key: str
) -> None:
    # Danger the lexicon and the model miss mostly lands here: read as a report
    # or not understood at all.
    text = "the gate is shut at night and the boss keeps the key"
    rasa.answers[text] = [{"key": key}]
    result = await conversations.handle(11, Turn(text=text))
    assert keys(result) == [key]
    assert numbers_for("GB").emergency in result.replies[0].text
