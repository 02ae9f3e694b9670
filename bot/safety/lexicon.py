"""The deterministic crisis lexicon: phrases of immediate danger and self-harm, per language.

It runs before the NLU model, so a person in danger gets the emergency answer
even when the model is unsure or not running. Every language's lexicon is
checked on every message: people often write in a language other than the
one they chose, and a missed crisis costs more than a rare false alarm.

Files: `bot/safety/lexicon/<lang>.yml` (format in docs/nlu-data.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_DIR = Path(__file__).parent / "lexicon"

SELF_HARM = "self_harm"
CATEGORIES = ("immediate_danger", "held", "violence", SELF_HARM)

_APOSTROPHES = re.compile(r"['\u2019\u02bc`´]")


@dataclass(frozen=True)
class CrisisHit:
    category: str
    language: str

    @property
    def intent(self) -> str:
        """The intent Rasa is told about: self-harm has its own flow."""
        return SELF_HARM if self.category == SELF_HARM else "emergency"


@dataclass(frozen=True)
class Lexicon:
    language: str
    by_characters: bool
    phrases: dict[str, tuple[str, ...]]  # category -> normalized phrases

    def find(self, text: str) -> str | None:
        """The first category whose phrase occurs in `text`, or None."""
        haystack = normalize(text, by_characters=self.by_characters)
        for category in CATEGORIES:
            for phrase in self.phrases.get(category, ()):
                if phrase and phrase in haystack:
                    return category
        return None


# Arabic-script letters people type interchangeably: Persian on an Arabic
# keyboard (ي for ی, ك for ک), alef with or without hamza, alef maqsura for ya,
# ta marbuta for ha. Folded to one form in phrases and messages alike.
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh -> ی Farsi yeh
        "\u0649": "\u06cc",  # ى alef maqsura -> ی
        "\u0643": "\u06a9",  # ك Arabic kaf -> ک keheh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0629": "\u0647",  # ta marbuta -> heh
        "\u0640": None,  # tatweel (letter stretching)
        "\u200c": None,  # zero-width non-joiner: می‌خوام -> میخوام
    }
)
# Persian writes the verb prefix می/نمی with a zero-width non-joiner, joined or
# with a space ("می‌خوان منو بکشن", "میخوان", "می خوان"): all become the joined
# form. nlu/components/helpline_tokenizer.py does the same for the model.
_PERSIAN_PREFIX = re.compile(r"(?<= )(ن?می) (?=[\u0600-\u06ff])")
# Arabic short vowels and other harakat (U+064B-U+065F, U+0670): rarely typed,
# never in the phrase lists; unlike Thai marks, dropping them merges no words.
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")


def normalize(text: str, *, by_characters: bool) -> str:
    """The form phrases and messages are compared in (also used for service terms)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _HARAKAT.sub("", text.translate(_ARABIC_FOLD))
    text = _APOSTROPHES.sub("", text)  # "can't" and "cant" are the same words
    # Letters, marks and digits are words; everything else separates them. Marks
    # must stay: Thai vowels and tones, Arabic and Persian diacritics are marks,
    # and without them different words collide.
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    if by_characters:
        return kept.replace(" ", "")
    # Spaces around every word, so " kill myself " never matches inside "skill myselfie".
    return _PERSIAN_PREFIX.sub(r"\1", " " + " ".join(kept.split()) + " ")


def load_lexicon(path: Path) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_characters = data.get("match", "words") == "characters"
    phrases = {
        category: tuple(
            normalize(str(p), by_characters=by_characters)
            for p in data["categories"].get(category) or []
        )
        for category in CATEGORIES
    }
    if not by_characters:
        # A phrase that normalizes to nothing would match every message.
        phrases = {c: tuple(p for p in ps if p.strip()) for c, ps in phrases.items()}
    return Lexicon(language=data["language"], by_characters=by_characters, phrases=phrases)


@lru_cache(maxsize=1)
def all_lexicons() -> tuple[Lexicon, ...]:
    return tuple(load_lexicon(path) for path in sorted(LEXICON_DIR.glob("*.yml")))


def detect_crisis(text: str, *, language: str) -> CrisisHit | None:
    """Check the user's own language first, then every other one."""
    lexicons = sorted(all_lexicons(), key=lambda lex: lex.language != language)
    for lexicon in lexicons:
        category = lexicon.find(text)
        if category is not None:
            return CrisisHit(category=category, language=lexicon.language)
    return None
