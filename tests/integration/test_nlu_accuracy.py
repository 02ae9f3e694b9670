"""Every language understands its held-out test set: 0.90 intent accuracy or more.

The bar is the same for every language (issue 4), and a change that takes any
language under it fails the suite: a new language lands with its test set
and at the bar, or not at all.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.engine import rasa_client
from bot.i18n import LANGUAGES
from bot.nlu_eval import LanguageScore, evaluate, format_table, held_out_sets
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

TARGET = 0.90


@pytest.fixture(scope="module")
def scores(stack: Stack) -> dict[str, LanguageScore]:
    async def run() -> list[LanguageScore]:
        client = rasa_client(stack.settings)
        try:

            async def intent_of(text: str) -> str | None:
                return ((await client.parse(text)).get("intent") or {}).get("name")

            return await evaluate(intent_of, held_out_sets())
        finally:
            await client.aclose()

    results = asyncio.run(run())
    print("\n" + format_table(results))
    return {score.language: score for score in results}


def test_every_language_has_a_test_set() -> None:
    assert set(held_out_sets()) == set(LANGUAGES)


@pytest.mark.parametrize("language", sorted(held_out_sets()))
def test_language_is_understood(scores: dict[str, LanguageScore], language: str) -> None:
    score = scores[language]
    assert score.total >= 100, f"{language}: the test set is too small to mean anything"
    assert score.accuracy >= TARGET, (
        f"{language}: accuracy {score.accuracy:.3f} < {TARGET}; "
        f"most confused: {score.confusions.most_common(5)}"
    )
