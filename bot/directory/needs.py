"""Which kind of help a message asks for, from the lexicons' `service_terms`.

The NLU model tells us *that* someone looks for help (`find_service`); the words
that say *which* help (a lawyer, a bed for tonight) are listed per language next
to the crisis phrases, so NGOs and translators can extend them without retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.directory.models import NEEDS
from bot.safety.lexicon import LEXICON_DIR, normalize


@dataclass(frozen=True)
class NeedTerms:
    language: str
    by_characters: bool
    terms: tuple[tuple[str, str], ...]  # (normalized term, need), longest terms first


@lru_cache(maxsize=1)
def _all_terms() -> tuple[NeedTerms, ...]:
    found = []
    for path in sorted(LEXICON_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        by_characters = data.get("match", "words") == "characters"
        pairs = [
            (normalize(str(term), by_characters=by_characters), need)
            for need, terms in (data.get("service_terms") or {}).items()
            if need in NEEDS
            for term in terms or []
        ]
        # Longest first: "child protection" must win over a shorter term inside it.
        pairs = sorted((p for p in pairs if p[0].strip()), key=lambda p: -len(p[0]))
        found.append(NeedTerms(data["language"], by_characters, tuple(pairs)))
    return tuple(found)


def find_need(text: str, *, language: str) -> str | None:
    """The need named in `text`, checking the person's language first, then all others."""
    for lexicon in sorted(_all_terms(), key=lambda lex: lex.language != language):
        haystack = normalize(text, by_characters=lexicon.by_characters)
        for term, need in lexicon.terms:
            needle = term if lexicon.by_characters else f" {term.strip()} "
            if needle in haystack:
                return need
    return None
