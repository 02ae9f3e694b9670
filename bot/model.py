"""The trained Rasa model: named by a fingerprint of its inputs, trained only when they change."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from bot.settings import Settings

MODEL_PREFIX = "helpline-"


def training_inputs(nlu_dir: Path) -> list[Path]:
    """Every file the model is trained from: config, domain and data."""
    files = [nlu_dir / "config.yml"]
    for folder in ("domain", "data"):
        files += sorted(p for p in (nlu_dir / folder).rglob("*.yml") if p.is_file())
    return files


def fingerprint(nlu_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(nlu_dir):
        digest.update(str(path.relative_to(nlu_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(settings: Settings) -> Path:
    return settings.model_dir / f"{MODEL_PREFIX}{fingerprint(settings.nlu_dir)}.tar.gz"


def latest_model(model_dir: Path) -> Path | None:
    models = sorted(model_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train(settings: Settings, *, force: bool = False) -> Path:
    """Train the model unless one for the current inputs exists; returns its path."""
    target = model_path(settings)
    if target.exists() and not force:
        # Touch it, so it is the newest and the one the engine loads.
        target.touch()
        return target
    rasa = settings.rasa_venv / "bin" / "rasa"
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    subprocess.run(
        [
            str(rasa),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain",
            "--data",
            "data",
            "--out",
            str(settings.model_dir),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=settings.nlu_dir,
        env=env,
        check=True,
    )
    # Keep only this model: an old model is an old promise about behaviour.
    for old in settings.model_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target
