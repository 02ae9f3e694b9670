"""Rasa's own checks: the training data validates and the conversation tests pass."""

from __future__ import annotations

import pytest

from bot.model import latest_model
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
