"""Semantic messages -> text and buttons in the user's language.

Rasa, the actions and the gateway all speak in semantic messages:
`{"key": "...", "args": {...}, "buttons": [{"key": "...", "payload": "..."}]}`.
This module is the only place that turns them into words, so the console and
Telegram show the same thing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.formats import format_value
from bot.i18n import LANGUAGES, available_languages, translate
from bot.messages import MESSAGES

log = logging.getLogger(__name__)

# Payloads the gateway handles itself; everything else goes to Rasa.
LANGUAGE_PAYLOAD_PREFIX = "lang:"
COMMAND_PAYLOAD_PREFIX = "cmd:"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Place:
    """A point on a map, sent as a venue where the channel can."""

    latitude: float
    longitude: float
    title: str
    address: str = ""


@dataclass(frozen=True)
class Reply:
    key: str
    text: str
    buttons: list[Button] = field(default_factory=list)
    place: Place | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
        }
        if self.place is not None:
            data["place"] = vars(self.place)
        return data


def message(
    key: str, *, buttons: list[dict[str, str]] | None = None, picker: str | None = None, **args: Any
) -> dict[str, Any]:
    """Build a semantic message; the gateway's own replies are made with this too."""
    built: dict[str, Any] = {"key": key, "args": args}
    if buttons:
        built["buttons"] = buttons
    if picker:
        built["picker"] = picker
    return built


def button(key: str, payload: str) -> dict[str, str]:
    return {"key": key, "payload": payload}


def language_buttons() -> list[dict[str, str]]:
    """The language picker: each language named in itself."""
    return [
        {"title": lang.autonym, "payload": f"{LANGUAGE_PAYLOAD_PREFIX}{lang.code}"}
        for lang in available_languages()
    ]


def menu_buttons() -> list[dict[str, str]]:
    """The help menu: the main things the helpline does, and a way to a person."""
    return [
        button("menu.find_help", "/find_service"),
        button("menu.rights", "/know_rights"),
        button("menu.job_check", "/job_offer_check"),
        button("menu.talk_to_person", "/request_human"),
        button("menu.privacy", "/privacy_info"),
        button("menu.language", f"{COMMAND_PAYLOAD_PREFIX}language"),
    ]


# A semantic message may name a picker instead of listing buttons, so the
# domain, the actions and the gateway share one definition of each.
PICKERS = {"menu": menu_buttons, "language": language_buttons}


def render(semantic: dict[str, Any], language: str, context: dict[str, Any]) -> Reply | None:
    """Render one semantic message; `context` holds arguments every message may use."""
    key = semantic.get("key")
    if not isinstance(key, str) or key not in MESSAGES:
        # A key the registry lacks is a bug in the domain or an action: never show
        # a raw key to a survivor, drop it and say which key in the log.
        log.error("semantic message with an unknown key dropped: %r", key)
        return None
    # A message may be meant for another language than the conversation's:
    # the offer to switch is written in the language the person just used.
    language = str(semantic.get("language") or language)
    args = {**context, **_formatted(semantic.get("args"), language)}
    text = "\n".join([translate(key, language, args), *_lines(semantic.get("lines"), language)])
    raw_buttons = list(semantic.get("buttons") or [])
    picker = PICKERS.get(str(semantic.get("picker")))
    if picker is not None:
        raw_buttons += picker()
    buttons = [b for b in (_render_button(raw, language) for raw in raw_buttons) if b]
    place = _render_place(semantic.get("place"))
    return Reply(key=key, text=text, buttons=buttons, place=place)


def _formatted(args: Any, language: str) -> dict[str, Any]:
    if not isinstance(args, dict):
        return {}
    return {name: format_value(value, language, translate) for name, value in args.items()}


def _lines(raw_lines: Any, language: str) -> list[str]:
    """Further lines of one message (a service's phone, hours...), each optional.

    A line is a registry key with arguments, or `{"text": ...}` for words an NGO
    wrote (a service's own description), which are shown as written.
    """
    lines: list[str] = []
    for line in raw_lines if isinstance(raw_lines, list) else []:
        if not isinstance(line, dict):
            continue
        if isinstance(line.get("text"), str):
            lines.append(line["text"])
        elif line.get("key") in MESSAGES:
            lines.append(translate(line["key"], language, _formatted(line.get("args"), language)))
        else:
            log.error("message line with an unknown key dropped: %r", line.get("key"))
    return lines


def _render_button(raw: dict[str, Any], language: str) -> Button | None:
    payload = raw.get("payload")
    if not isinstance(payload, str):
        return None
    if "title" in raw:  # already words: language names in the picker
        return Button(title=str(raw["title"]), payload=payload)
    key = raw.get("key")
    if not isinstance(key, str) or key not in MESSAGES:
        log.error("button with an unknown key dropped: %r", key)
        return None
    return Button(title=translate(key, language), payload=payload)


def _render_place(raw: Any) -> Place | None:
    if not isinstance(raw, dict):
        return None
    try:
        return Place(
            latitude=float(raw["latitude"]),
            longitude=float(raw["longitude"]),
            title=str(raw.get("title", "")),
            address=str(raw.get("address", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def language_name(code: str) -> str:
    lang = LANGUAGES.get(code)
    return lang.autonym if lang else code
