"""Catalogs, the supported languages, locale negotiation and bidi isolation.

A message is looked up by its key (the gettext context) in the user's
catalog, falling back to the English source; arguments are filled in after
translating, and in right-to-left languages every argument (phone numbers,
codes, URLs) is wrapped in Unicode isolates so it keeps its own direction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.messages import source_for
from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"

# First strong isolate and pop directional isolate (Unicode TR9).
FSI = "\u2068"
PDI = "\u2069"


@dataclass(frozen=True)
class Language:
    code: str
    autonym: str  # the language's name in itself: what a speaker looks for in a picker
    rtl: bool = False


LANGUAGES_FILE = LOCALES_DIR / "languages.yml"


def _read_languages() -> dict[str, Language]:
    """The helpline's languages, in the picker's order, from locales/languages.yml.

    Names are autonyms, not translations: a person must recognise their own
    language whatever language the screen is in.
    """
    entries = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))
    return {
        str(entry["code"]): Language(
            str(entry["code"]), str(entry["autonym"]), bool(entry.get("rtl"))
        )
        for entry in entries
    }


LANGUAGES: dict[str, Language] = _read_languages()
SOURCE_LANGUAGE = "en"


@lru_cache(maxsize=1)
def available_languages() -> tuple[Language, ...]:
    """Languages with a catalog on disk (English, the source, always).

    Read once per process: catalogs ship with a release, and this is asked on
    every turn that may switch or offer a language.
    """
    return tuple(
        lang
        for lang in LANGUAGES.values()
        if lang.code == SOURCE_LANGUAGE or _po_path(lang.code).exists()
    )


def negotiate(code: str | None, default: str = SOURCE_LANGUAGE) -> str:
    """Pick the supported language for a client's code such as 'pt-BR' or 'zh-hans'."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base == "fil":  # Filipino is written as Tagalog here
            base = "tl"
        if base in {lang.code for lang in available_languages()}:
            return base
    return default


def is_rtl(code: str) -> bool:
    lang = LANGUAGES.get(code)
    return bool(lang and lang.rtl)


def isolate(text: str) -> str:
    """Wrap a left-to-right run (a phone number, a URL) so RTL text cannot reorder it."""
    return f"{FSI}{text}{PDI}"


def _po_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=32)
def translations(code: str) -> NullTranslations:
    """The compiled catalog for `code`; compiled in memory from the .po if not built yet."""
    mo = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = _po_path(code)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with open(mo, "rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if po.exists():
        from io import BytesIO

        with open(po, "rb") as handle:
            catalog = read_po(handle, locale=code.replace("-", "_"))
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


class _Args(dict[str, Any]):
    """Format arguments that render a missing one as empty instead of failing the turn."""

    def __init__(self, values: dict[str, Any], key: str) -> None:
        super().__init__(values)
        self.key = key

    def __missing__(self, name: str) -> str:
        log.warning("message %s asked for an argument it was not given: %s", self.key, name)
        return ""


def translate(key: str, language: str, args: dict[str, Any] | None = None) -> str:
    """The text of message `key` in `language`, with `args` filled in after translating."""
    source = source_for(key)
    catalog = translations(language)
    args = dict(args or {})
    text: str
    if source.plural is not None:
        count = int(args.get("count", 1))
        text = str(catalog.npgettext(key, source.singular, source.plural, count))
    else:
        text = str(catalog.pgettext(key, source.singular))
    if is_rtl(language):
        args = {name: isolate(str(value)) for name, value in args.items()}
    return text.format_map(_Args(args, key))
