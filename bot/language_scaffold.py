"""`helpline language add`: everything a new language needs, made in one step.

It registers the language, creates its catalog from the template, and starts
its NLU training data, held-out test set and crisis lexicon from the English
ones, each marked as needing translation. What remains is data: translating
those files (docs/adding-a-language.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES_FILE
from bot.settings import PROJECT_ROOT

_CODE = re.compile(r"^[a-z]{2,3}$")
TODO = "# TODO: translate from English; machine-drafted until a native speaker reviews it.\n"


def add_language(
    code: str, autonym: str, *, rtl: bool = False, root: Path = PROJECT_ROOT
) -> list[Path]:
    """Scaffold language `code`; returns the files it created. Refuses to overwrite."""
    if not _CODE.match(code):
        raise ValueError("the code is an ISO 639-1 code such as 'my' or 'km'")
    targets = {
        "catalog": root / "locales" / code / "LC_MESSAGES" / "messages.po",
        "training": root / "nlu" / "data" / "nlu" / f"{code}.yml",
        "test set": root / "tests" / "nlu" / f"{code}.yml",
        "lexicon": root / "bot" / "safety" / "lexicon" / f"{code}.yml",
    }
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing:
        raise FileExistsError(f"already there: {', '.join(existing)}")
    languages = root / LANGUAGES_FILE.relative_to(PROJECT_ROOT)
    if re.search(rf"code: {code}\b", languages.read_text(encoding="utf-8")):
        raise FileExistsError(f"{code} is already listed in {languages}")

    with open(languages, "a", encoding="utf-8") as out:
        rtl_part = ", rtl: true" if rtl else ""
        out.write(f"- {{code: {code}, autonym: {autonym}{rtl_part}}}\n")
    _new_catalog(code, targets["catalog"], root)
    for kind in ("training", "test set", "lexicon"):
        english = targets[kind].with_name("en.yml")
        text = english.read_text(encoding="utf-8")
        if kind == "lexicon":
            text = text.replace("language: en", f"language: {code}", 1)
        targets[kind].write_text(TODO + text, encoding="utf-8")
    return list(targets.values())


def _new_catalog(code: str, path: Path, root: Path) -> None:
    with open(root / "locales" / "messages.pot", "rb") as handle:
        template = read_po(handle)
    try:
        template.locale = Locale.parse(code)
    except UnknownLocaleError:
        template.locale = None  # Babel has no plural rules for it: the default (n != 1) applies
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(
            f"# {code} translation of the helpline's messages.\n"
            "# Review: machine-drafted, not yet reviewed by a native speaker\n".encode()
        )
        write_po(handle, template, width=0, omit_header=False)
