"""The message registry and the Babel catalogs agree, and every message renders."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import FSI, LOCALES_DIR, PDI, SOURCE_LANGUAGE, available_languages, translate
from bot.messages import MESSAGES

PLACEHOLDER = re.compile(r"\{(\w+)\}")
CATALOGS = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
CONTEXT = {"hotline": "+1 888-373-7888", "emergency": "911"}


def read(path: Path) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle)


def test_the_template_is_current_with_the_registry() -> None:
    template = read(LOCALES_DIR / "messages.pot")
    in_template = {(m.context, m.id) for m in template if m.id}
    in_registry = {
        (key, src.singular if src.plural is None else (src.singular, src.plural))
        for key, src in MESSAGES.items()
    }
    assert in_template == in_registry, "run `make i18n` after changing bot/messages.py"


def test_there_is_a_catalog_for_the_source_language() -> None:
    assert any(path.parts[-3] == SOURCE_LANGUAGE for path in CATALOGS)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_catalog_is_complete_and_placeholders_match(path: Path) -> None:
    language = path.parts[-3]
    catalog = read(path)
    header = path.read_text(encoding="utf-8").split("msgid", 1)[0]
    assert re.search(r"^# Review: .+", header, re.MULTILINE), (
        "say who reviewed it, or machine-drafted"
    )
    entries = {m.context: m for m in catalog if m.id}
    assert set(entries) == set(MESSAGES), "run `make i18n`"
    for key, entry in entries.items():
        if language == SOURCE_LANGUAGE:
            continue
        assert entry.string and all(
            entry.string if isinstance(entry.string, tuple) else [entry.string]
        ), f"{language}: {key} is not translated"
        assert not entry.fuzzy, f"{language}: {key} is fuzzy"
        sources = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(sources[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (
                f"{language}: {key} placeholders differ"
            )


@pytest.mark.parametrize("language", [lang.code for lang in available_languages()])
def test_every_message_renders(language: str) -> None:
    for key, source in MESSAGES.items():
        # Every placeholder gets a value, as the code that sends the message gives it.
        names = {name for _, name, _, _ in Formatter().parse(source.singular) if name}
        args = {**{name: f"<{name}>" for name in names}, **CONTEXT, "count": 2}
        text = translate(key, language, args)
        assert text.strip()
        assert "{" not in text and "}" not in text, f"{language}: {key} left a placeholder"


def test_numbers_are_isolated_in_right_to_left_languages() -> None:
    text = translate("emergency.call_now", "ar", CONTEXT)
    assert f"{FSI}911{PDI}" in text
    assert f"{FSI}+1 888-373-7888{PDI}" in text


def test_numbers_are_not_wrapped_in_left_to_right_languages() -> None:
    text = translate("emergency.call_now", "en", CONTEXT)
    assert FSI not in text and "911" in text
