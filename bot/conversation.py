"""One user turn, the same for every channel: pseudonym, safety commands, crisis
lexicon, Rasa, and the rendered replies.

Order matters and follows DESIGN.md section 2: safety commands never depend on
Rasa; the crisis lexicon answers before the model; nothing a person types
reaches Rasa as an intent; and if Rasa fails the person still gets the
hotline and emergency numbers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.chat_state import ChatMemory, ChatStateStore
from bot.directory.national import numbers_for
from bot.i18n import available_languages, negotiate
from bot.language_detection import detect_language
from bot.presenter import (
    COMMAND_PAYLOAD_PREFIX,
    LANGUAGE_PAYLOAD_PREFIX,
    Reply,
    button,
    language_name,
    message,
    render,
)
from bot.privacy.forget import forget_person
from bot.privacy.pseudonym import pseudonym_for
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.safety.lexicon import SELF_HARM, detect_crisis
from bot.settings import Settings
from bot.stats import Stats
from bot.user_input import checked_intent_payload, clean_text

log = logging.getLogger(__name__)

SAFETY_COMMANDS = ("start", "help", "language", "forget", "exit")


def is_safety_command(text: str) -> bool:
    name = text.removeprefix("/").split(" ")[0].split("@")[0].lower()
    return text.startswith("/") and name in SAFETY_COMMANDS


def _command_name(text: str) -> str:
    return text.strip().removeprefix("/").split(" ")[0].split("@")[0].lower()


@dataclass(frozen=True)
class Turn:
    """What a person did: exactly one of text, button, command or location."""

    text: str | None = None
    button: str | None = None
    command: str | None = None
    location: tuple[float, float] | None = None
    client_language: str | None = None  # the app's language, a first guess only
    chosen_language: str | None = None  # a choice made outside the chat (console --language)
    notice: str | None = None  # the gateway answers itself with this message key


def is_quick_exit(turn: Turn) -> bool:
    """/exit as a command, typed, or the Quick exit button: the channel acts on it first."""
    if turn.button is not None:
        return turn.button == f"{COMMAND_PAYLOAD_PREFIX}exit"
    if turn.command is not None:
        return _command_name(turn.command) == "exit"
    text = (turn.text or "").strip()
    return text.startswith("/") and _command_name(text) == "exit"


@dataclass
class TurnResult:
    replies: list[Reply] = field(default_factory=list)
    exit: bool = False  # the channel should clear the chat from the device
    language: str = "en"


def safety_check() -> dict[str, Any]:
    return message(
        "safety.check",
        buttons=[button("safety.yes", "/affirm"), button("safety.no", "/deny")],
    )


class Conversations:
    """Handles turns for one channel (`telegram`, `console`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        rasa: RasaClient,
        store: ChatStateStore,
        channel: str,
        stats: Stats | None = None,
    ) -> None:
        self._settings = settings
        self._rasa = rasa
        self._store = store
        self._channel = channel
        self._stats = stats  # counts only (bot/stats.py)
        self._key = settings.secret_key_bytes()

    def pseudonym(self, chat_id: str | int) -> str:
        return pseudonym_for(self._channel, chat_id, key=self._key)

    async def handle(self, chat_id: str | int, turn: Turn) -> TurnResult:
        pseudonym = self.pseudonym(chat_id)
        default = negotiate(turn.client_language, self._settings.default_language)
        memory = self._store.recall(pseudonym, default_language=default)
        if turn.chosen_language:
            memory.language = negotiate(turn.chosen_language, memory.language)
        semantic = await self._respond(pseudonym, memory, turn)
        if semantic is None:  # quick exit: nothing to show, nothing kept
            return TurnResult(exit=True, language=memory.language)
        _learn_country(memory, semantic)
        if not memory.forgotten:
            self._store.remember(pseudonym, memory)
        return TurnResult(replies=self._render(semantic, memory), language=memory.language)

    async def _respond(
        self, pseudonym: str, memory: ChatMemory, turn: Turn
    ) -> list[dict[str, Any]] | None:
        if turn.command is not None:
            return await self._command(pseudonym, memory, turn.command)
        if turn.button is not None:
            return await self._button(pseudonym, memory, turn.button)
        if turn.notice is not None:
            return [message(turn.notice)]
        if turn.location is not None:
            latitude, longitude = turn.location
            payload = f'/share_location{{"latitude": {latitude}, "longitude": {longitude}}}'
            return await self._ask_rasa(pseudonym, memory, payload)
        return await self._text(pseudonym, memory, turn.text or "")

    async def _command(
        self, pseudonym: str, memory: ChatMemory, command: str
    ) -> list[dict[str, Any]] | None:
        name, _, argument = command.strip().removeprefix("/").partition(" ")
        name = name.split("@")[0].lower()  # Telegram appends @botname in some clients
        if name == "exit":
            self._forget(pseudonym, memory)
            return None
        if name == "forget":
            self._forget(pseudonym, memory)
            return [message("forget.done")]
        if name == "language":
            if argument.strip():
                return self._switch_language(memory, argument.strip())
            return [message("language.choose", picker="language")]
        if name == "help":
            return [message("help.commands"), message("menu.prompt", picker="menu")]
        if name == "start":
            self._count("conversation_started", memory)
            welcome = await self._ask_rasa(pseudonym, memory, "/greet", fallback=False)
            if not welcome:
                welcome = [message("greeting.welcome"), safety_check()]
            return [*welcome, message("language.choose", picker="language")]
        return [message("input.unknown_command"), message("menu.prompt", picker="menu")]

    async def _button(
        self, pseudonym: str, memory: ChatMemory, payload: str
    ) -> list[dict[str, Any]] | None:
        if payload.startswith(LANGUAGE_PAYLOAD_PREFIX):
            return self._switch_language(memory, payload.removeprefix(LANGUAGE_PAYLOAD_PREFIX))
        if payload.startswith(COMMAND_PAYLOAD_PREFIX):
            name = payload.removeprefix(COMMAND_PAYLOAD_PREFIX)
            if name in SAFETY_COMMANDS:
                return await self._command(pseudonym, memory, name)
        elif checked_intent_payload(payload) is not None:
            return await self._ask_rasa(pseudonym, memory, payload)
        return [message("input.unknown_button"), message("menu.prompt", picker="menu")]

    async def _text(
        self, pseudonym: str, memory: ChatMemory, raw: str
    ) -> list[dict[str, Any]] | None:
        cleaned = clean_text(raw, max_chars=self._settings.max_message_chars)
        if is_safety_command(cleaned.text):
            # Typed "/exit" is the quick exit on every channel, not text.
            return await self._command(pseudonym, memory, cleaned.text)
        # The lexicon reads the cleaned text even when it is cut: danger said
        # early in a long message must not wait for anything else.
        crisis = detect_crisis(cleaned.text, language=memory.language) if cleaned.text else None
        notes = [message("input.too_long")] if cleaned.truncated else []
        if crisis is not None:
            log.info("crisis lexicon hit: %s (%s)", crisis.category, crisis.language)
            self._count("emergency", memory, need=crisis.category)
            key = "self_harm.support" if crisis.category == SELF_HARM else "emergency.call_now"
            # Tell Rasa the intent, so the dialogue knows; its echo of the same
            # answer is dropped (it would be in the chat's language, not theirs).
            followup = await self._ask_rasa(pseudonym, memory, f"/{crisis.intent}", fallback=False)
            followup = [reply for reply in followup if reply.get("key") != key]
            offer = await self._offer_language(memory, cleaned.text)
            # The emergency answer goes out in the language the person wrote in,
            # before any switch is accepted: they must be able to read it now.
            # Too short for the detector ("socorro!"), the lexicon that matched says.
            spoken = offer[0]["language"] if offer else crisis.language
            urgent = {**message(key), "language": spoken}
            return [urgent, *notes, *followup, *offer]
        if cleaned.problem is not None:
            return [message(cleaned.problem.value), message("menu.prompt", picker="menu")]
        answer = await self._ask_rasa(pseudonym, memory, cleaned.text)
        return [*notes, *answer, *await self._offer_language(memory, cleaned.text)]

    async def _offer_language(self, memory: ChatMemory, text: str) -> list[dict[str, Any]]:
        """Offer, once, to switch to the language the person writes in."""
        # In a thread: the detector is CPU work, and other people's turns go on meanwhile.
        detected = await asyncio.to_thread(detect_language, text)
        available = {lang.code for lang in available_languages()}
        if (
            detected in (None, memory.language, memory.offered_language)
            or detected not in available
        ):
            return []
        memory.offered_language = detected
        offer = message(
            "language.offer_switch",
            buttons=[
                {
                    "title": language_name(detected),
                    "payload": f"{LANGUAGE_PAYLOAD_PREFIX}{detected}",
                },
                button("language.keep", f"{LANGUAGE_PAYLOAD_PREFIX}{memory.language}"),
            ],
        )
        # Written in the detected language: that is the one the person reads.
        return [{**offer, "language": detected}]

    async def _ask_rasa(
        self, pseudonym: str, memory: ChatMemory, text: str, *, fallback: bool = True
    ) -> list[dict[str, Any]]:
        metadata = {
            "language": memory.language,
            "country": memory.country or self._settings.country,
        }
        try:
            return await self._rasa.send(pseudonym, text, metadata)
        except RasaUnavailable as error:
            log.warning("Rasa engine unavailable (%s); answering with the fallback", error)
            return [message("fallback.unavailable")] if fallback else []

    def _switch_language(self, memory: ChatMemory, code: str) -> list[dict[str, Any]]:
        if code not in {lang.code for lang in available_languages()}:
            return [message("language.choose", picker="language")]
        memory.language = code
        return [message("language.changed"), message("menu.prompt", picker="menu")]

    def _count(self, event: str, memory: ChatMemory, *, need: str | None = None) -> None:
        if self._stats is not None:
            self._stats.count(event, memory.language, need=need, country=memory.country)

    def _forget(self, pseudonym: str, memory: ChatMemory) -> None:
        memory.forgotten = True
        forget_person(
            pseudonym,
            store=self._store,
            tracker_db=self._settings.rasa_tracker_db(),
            redis_url=self._settings.redis_url.get_secret_value(),
        )

    def _render(self, semantic: list[dict[str, Any]], memory: ChatMemory) -> list[Reply]:
        numbers = numbers_for(memory.country or self._settings.country)
        context = {
            "hotline": numbers.hotline,
            "emergency": numbers.emergency,
            "crisis_line": numbers.crisis_line,
        }
        replies: list[Reply] = []
        seen: set[tuple[str, str]] = set()
        for item in semantic:
            reply = render(item, memory.language, context)
            # The same message twice in one turn is an echo (the lexicon answered and
            # Rasa said it again); three service cards share a key but not their words.
            if reply is None or (reply.key, reply.text) in seen:
                continue
            seen.add((reply.key, reply.text))
            replies.append(reply)
        return replies


def _learn_country(memory: ChatMemory, semantic: list[dict[str, Any]]) -> None:
    """The country of the place the person named or shared, when an action found one:
    from then on the emergency number and hotline are that country's."""
    for item in semantic:
        country = item.get("country")
        if isinstance(country, str) and len(country) == 2 and country.isalpha():
            memory.country = country.upper()
