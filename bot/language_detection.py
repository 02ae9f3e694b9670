"""Which supported language a message is written in, offline (lingua).

Used only to offer a switch: the person's own choice always wins, and when
the detector is unsure it says nothing.
"""

from __future__ import annotations

import threading

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# Too short a message says little about its language ("ok", "si", "hello").
MIN_LETTERS = 12
_load_lock = threading.Lock()


_loaded: list[LanguageDetector] = []


def _detector() -> LanguageDetector:
    """Built once, under a lock: the warm-up thread and a first turn may ask together."""
    with _load_lock:
        if not _loaded:
            from bot.i18n import LANGUAGES

            languages = [
                Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                for code in LANGUAGES
            ]
            _loaded.append(
                LanguageDetectorBuilder.from_languages(*languages)
                # Below this distance between the two likeliest languages, say nothing:
                # Russian and Ukrainian, Spanish and Portuguese share many short phrases.
                .with_minimum_relative_distance(0.25)
                .build()
            )
        return _loaded[0]


def warm_up() -> None:
    """Load the detector's models in the background, so the first person does not wait."""
    threading.Thread(target=_detector, name="language-detector", daemon=True).start()


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of a supported language, or None when unsure."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    found = _detector().detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found is not None else None
