"""Rasa's own checks: the training data validates and the conversation tests pass."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.model import latest_model
from bot.safety.lexicon import normalize
from bot.settings import Settings
from tests.integration.conftest import Stack, project_path, rasa_cli

pytestmark = pytest.mark.integration


def test_training_data_validates() -> None:
    done = rasa_cli(
        "data", "validate", "--config", "config.yml", "--domain", "domain", "--data", "data"
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def test_conversation_tests_pass(stack: Stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = latest_model(Settings(_env_file=None).model_dir)  # type: ignore[call-arg]
    assert model is not None
    done = rasa_cli(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        str(project_path("tests", "conversations")),
        "--out",
        str(tmp_path / "results"),
        "--fail-on-prediction-errors",
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def model_tokens(*texts: str) -> list[list[str]]:
    """The tokens the model's own tokenizer makes of each text (run in .venv-rasa)."""
    script = (
        "import json, sys; sys.path.insert(0, '.');"
        "from components.helpline_tokenizer import HelplineTokenizer as T;"
        "from rasa.shared.nlu.training_data.message import Message as M;"
        "t = T(T.get_default_config());"
        "tok = lambda s: [x.text for x in t.tokenize(M(data={'text': s}), 'text')];"
        "print(json.dumps([tok(s) for s in sys.argv[1:]]))"
    )
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    done = subprocess.run(
        [str(settings.rasa_venv / "bin" / "python"), "-c", script, *texts],
        cwd=settings.nlu_dir,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_tokenizer_keeps_every_script() -> None:
    """Rasa's own tokenizer dropped Chinese as "emoji"; ours keeps it, and drops real emoji."""
    tokens = model_tokens(
        "中文 please",
        "老板拿走了护照",
        "ช่วยด้วย ครับ",
        "می‌خواهم کمک",
        "help 😀",
        "ميخوام كمك",
        "بدّي أنتحـر",
        "نمی دونم می‌خوام",
    )
    assert tokens == [
        ["中", "文", "please"],
        ["老", "板", "拿", "走", "了", "护", "照"],
        ["ช่วยด้วย", "ครับ"],
        # Persian verb prefixes joined, whether typed with a zero-width
        # non-joiner, a space or nothing.
        ["میخواهم", "کمک"],
        ["help"],
        # Arabic-script variants folded: Persian typed on an Arabic keyboard,
        # harakat, hamza and tatweel.
        ["میخوام", "کمک"],
        ["بدی", "انتحر"],
        ["نمیدونم", "میخوام"],
    ]


def test_model_and_crisis_lexicon_fold_arabic_script_alike() -> None:
    """The letter folding is written twice (the tokenizer cannot import `bot`):
    a change to one that is not made to the other fails here."""
    texts = [
        "ميخوام خودمو بكشم",  # Persian on an Arabic keyboard: ي ك
        "می‌خوان منو بکشن",  # zero-width non-joiner
        "نمی خوام اینجا بمونم",  # prefix typed with a space
        "بدّي أنتحـر",  # harakat, hamza, tatweel
        "إنهم قادمون الآن",  # hamza below
        "آمده‌اند دنبالم",  # alef with madda
        "حبسوني في الغرفة المغلقة",  # ta marbuta
        "ٱلشرطة بسرعة",  # alef wasla
        "مستشفى قريب",  # alef maqsura
    ]
    lexicon_words = [normalize(text, by_characters=False).split() for text in texts]
    assert model_tokens(*texts) == lexicon_words
