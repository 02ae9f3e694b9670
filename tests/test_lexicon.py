"""The crisis lexicon catches what each language's file says it must, and nothing it must not."""

from __future__ import annotations

import pytest
import yaml

from bot.safety.lexicon import CATEGORIES, LEXICON_DIR, detect_crisis

FILES = sorted(LEXICON_DIR.glob("*.yml"))


def cases(kind: str) -> list[tuple[str, object]]:
    found = []
    for path in FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [(data["language"], case) for case in data.get(kind) or []]
    return found


def test_every_language_file_is_complete() -> None:
    assert FILES, "no lexicon files"
    for path in FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["language"] == path.stem
        assert data.get("review"), f"{path.name}: say whether a native speaker reviewed it"
        assert data["match"] in {"words", "characters"}
        for category in CATEGORIES:
            assert data["categories"].get(category), f"{path.name}: no phrases for {category}"
        assert len(data.get("must_match") or []) >= 3 * len(CATEGORIES) - 4
        assert len(data.get("must_not_match") or []) >= 10


@pytest.mark.parametrize(("language", "case"), cases("must_match"), ids=lambda v: str(v)[:40])
def test_crisis_is_caught(language: str, case: dict[str, str]) -> None:
    hit = detect_crisis(case["text"], language=language)
    assert hit is not None, f"missed: {case['text']}"
    assert hit.category == case["category"] or {hit.category, case["category"]} <= {
        "immediate_danger",
        "held",
        "violence",
    }, f"{case['text']}: {hit.category}"


@pytest.mark.parametrize(("language", "text"), cases("must_not_match"), ids=lambda v: str(v)[:40])
def test_ordinary_talk_is_not_a_crisis(language: str, text: str) -> None:
    # Checked against every language's lexicon, as in the gateway.
    assert detect_crisis(text, language=language) is None


def test_self_harm_has_its_own_intent() -> None:
    hit = detect_crisis("i want to kill myself", language="en")
    assert hit is not None and hit.intent == "self_harm"
    danger = detect_crisis("help me now they are coming", language="en")
    assert danger is not None and danger.intent == "emergency"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ميخوام خودمو بكشم", "fa"),  # Persian typed on an Arabic keyboard: ي ك
        ("بدّي انتحِر", "ar"),  # with harakat
        ("اقتل نفسى", "ar"),  # alef maqsura for ya
        ("بدي أنتحر", "ar"),  # hamza on the alef
        ("بدي انتحـــر", "ar"),  # stretched with tatweel
    ],
)
def test_arabic_script_variants_are_caught(text: str, language: str) -> None:
    hit = detect_crisis(text, language=language)
    assert hit is not None and hit.category == "self_harm"


@pytest.mark.parametrize(
    "text",
    [
        "می‌خوان منو بکشن",  # with a zero-width non-joiner, as the keyboard writes it
        "میخوان منو بکشن",  # joined
        "می خوان منو بکشن",  # with a space
    ],
)
def test_persian_verb_prefix_is_caught_however_it_is_typed(text: str) -> None:
    hit = detect_crisis(text, language="fa")
    assert hit is not None and hit.category == "immediate_danger"
