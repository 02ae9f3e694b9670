"""Adding a language is one command: it makes every file the language needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.language_scaffold import add_language
from bot.messages import MESSAGES
from bot.settings import PROJECT_ROOT


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for part in (
        "locales/messages.pot",
        "locales/languages.yml",
        "nlu/data/nlu/en.yml",
        "tests/nlu/en.yml",
        "bot/safety/lexicon/en.yml",
    ):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / part, tmp_path / part)
    return tmp_path


def test_add_language_scaffolds_everything(tree: Path) -> None:
    created = add_language("my", "မြန်မာ", root=tree)
    assert len(created) == 4 and all(path.exists() for path in created)
    languages = yaml.safe_load((tree / "locales/languages.yml").read_text(encoding="utf-8"))
    assert {"code": "my", "autonym": "မြန်မာ"} in languages
    with open(tree / "locales/my/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    assert {m.context for m in catalog if m.id} == set(MESSAGES)
    lexicon = yaml.safe_load((tree / "bot/safety/lexicon/my.yml").read_text(encoding="utf-8"))
    assert lexicon["language"] == "my"
    assert "TODO: translate" in (tree / "nlu/data/nlu/my.yml").read_text(encoding="utf-8")


def test_add_language_never_overwrites(tree: Path) -> None:
    with pytest.raises(FileExistsError):
        add_language("en", "English", root=tree)
    with pytest.raises(ValueError):
        add_language("../x", "x", root=tree)
