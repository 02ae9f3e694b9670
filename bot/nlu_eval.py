"""Per-language NLU evaluation on the held-out test sets (tests/nlu/<lang>.yml).

The test sets are never used for training. `helpline eval nlu` prints the
table; the test suite fails when a language falls under the threshold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

TEST_SETS = PROJECT_ROOT / "tests" / "nlu"
# [text](entity) and [text]{"entity": ...}: keep the text only.
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

Parse = Callable[[str], Awaitable[str | None]]


@dataclass
class LanguageScore:
    language: str
    total: int = 0
    correct: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_intent: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def macro_f1(self) -> float:
        scores = []
        for counts in self.per_intent.values():
            tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
            if tp + fn == 0:
                continue  # an intent predicted but never expected: counted in others' precision
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn)
            scores.append(
                2 * precision * recall / (precision + recall) if precision + recall else 0.0
            )
        return sum(scores) / len(scores) if scores else 0.0

    def add(self, expected: str, predicted: str | None) -> None:
        predicted = predicted or "none"
        self.total += 1
        self.per_intent.setdefault(expected, Counter())
        self.per_intent.setdefault(predicted, Counter())
        if predicted == expected:
            self.correct += 1
            self.per_intent[expected]["tp"] += 1
        else:
            self.confusions[(expected, predicted)] += 1
            self.per_intent[expected]["fn"] += 1
            self.per_intent[predicted]["fp"] += 1


def read_test_set(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of one language's test set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip().removeprefix("- ").strip()
            if intent and text:
                pairs.append((_ENTITY.sub(r"\1", text), intent))
    return pairs


def held_out_sets(directory: Path = TEST_SETS) -> dict[str, Path]:
    return {path.stem: path for path in sorted(directory.glob("*.yml"))}


async def evaluate(parse: Parse, languages: dict[str, Path]) -> list[LanguageScore]:
    scores = []
    for language, path in languages.items():
        score = LanguageScore(language)
        for text, intent in read_test_set(path):
            score.add(intent, await parse(text))
        scores.append(score)
    return scores


def format_table(scores: list[LanguageScore], *, top_confusions: int = 3) -> str:
    header = f"{'lang':<5} {'n':>4} {'accuracy':>9} {'macro-F1':>9}"
    lines = [f"{header}  most confused (expected -> predicted)"]
    for score in scores:
        confused = ", ".join(
            f"{e}->{p} x{n}" for (e, p), n in score.confusions.most_common(top_confusions)
        )
        row = f"{score.language:<5} {score.total:>4} {score.accuracy:>9.3f} {score.macro_f1:>9.3f}"
        lines.append(f"{row}  {confused}")
    return "\n".join(lines)
