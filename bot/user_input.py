"""What a person sent, made safe to pass on: cleaned text and validated button payloads.

Nothing typed by a person reaches Rasa as an intent: Rasa reads text that
starts with "/" as `/intent{entities}`, so such text is answered by the
gateway, and button payloads are checked against what the bot can offer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Intents a button may trigger directly (DESIGN.md section 4, plus the
# gateway's own `share_location`, which is never predicted from text).
BUTTON_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thanks",
        "affirm",
        "deny",
        "emergency",
        "self_harm",
        "request_human",
        "find_service",
        "report_exploitation",
        "job_offer_check",
        "know_rights",
        "privacy_info",
        "change_language",
        "bot_challenge",
        "out_of_scope",
        "share_location",
        "choose_need",
        "choose_place",
        "more_services",
    }
)
BUTTON_ENTITIES = frozenset({"service_type", "place", "language", "latitude", "longitude"})
_PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]{1,40})(?P<entities>\{.{0,400}\})?$", re.DOTALL)
_KEEP_CONTROLS = {"\n", "\t"}


class TextProblem(StrEnum):
    EMPTY = "input.empty"
    NO_WORDS = "input.no_words"
    LOOKS_LIKE_COMMAND = "input.unknown_command"


@dataclass(frozen=True)
class CleanText:
    text: str
    truncated: bool
    problem: TextProblem | None


def clean_text(raw: str, *, max_chars: int) -> CleanText:
    """Normalize, drop control characters, cut to `max_chars`, and name any problem."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(
        ch
        for ch in text
        if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in {"Cc", "Cs", "Co", "Cn"}
    ).strip()
    truncated = len(text) > max_chars
    text = text[:max_chars].strip()
    # Format characters stay (Persian needs the zero-width non-joiner, emoji the
    # joiner), but on their own they are nothing to read.
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text):
        return CleanText(text, truncated, TextProblem.EMPTY)
    if text.startswith("/"):
        return CleanText(text, truncated, TextProblem.LOOKS_LIKE_COMMAND)
    if not any(unicodedata.category(ch)[0] in {"L", "N"} for ch in text):
        return CleanText(text, truncated, TextProblem.NO_WORDS)
    return CleanText(text, truncated, None)


def checked_intent_payload(payload: str) -> str | None:
    """The payload if it is a well-formed `/intent{entities}` the bot can offer, else None."""
    match = _PAYLOAD.match(payload)
    if not match or match["intent"] not in BUTTON_INTENTS:
        return None
    if match["entities"]:
        try:
            entities = json.loads(match["entities"])
        except ValueError:
            return None
        if not isinstance(entities, dict) or not set(entities) <= BUTTON_ENTITIES:
            return None
        if not all(isinstance(v, str | int | float) for v in entities.values()):
            return None
    return payload
