"""The real Rasa engine and action server, started once per test session.

They run as separate processes on free loopback ports with their own data
folder and token, exactly as `helpline run` starts them, so these tests see
what a person would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.db.session import upgrade
from bot.model import train
from bot.settings import PROJECT_ROOT, Settings
from bot.supervisor import Supervisor, actions_child, rasa_child


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    settings: Settings
    env: dict[str, str]  # what a `helpline` subprocess needs to find this stack

    def chat(
        self, *lines: str, user: str = "tester", language: str | None = None
    ) -> list[dict[str, Any]]:
        """Run `helpline chat --json` with one turn per line; return the parsed turns."""
        argv = [sys.executable, "-m", "bot.cli", "chat", "--json", "--user", user]
        if language:
            argv += ["--language", language]
        done = subprocess.run(
            argv,
            input="".join(f"{line}\n" for line in lines),
            capture_output=True,
            text=True,
            env=self.env,
            cwd=PROJECT_ROOT,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return [json.loads(out) for out in done.stdout.splitlines() if out.strip()]


@contextlib.contextmanager
def running_stack(data_dir: Path) -> Iterator[Stack]:
    """The real Rasa engine and action server on free ports, with their data in `data_dir`."""
    env_settings = {
        "HELPLINE_DATA_DIR": str(data_dir),
        "HELPLINE_RASA_PORT": str(free_port()),
        "HELPLINE_ACTIONS_PORT": str(free_port()),
        "HELPLINE_SECRET_KEY": "integration-secret",
        "HELPLINE_RASA_TOKEN": "integration-token",
        "HELPLINE_COUNTRY": "GB",
    }
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        rasa_port=int(env_settings["HELPLINE_RASA_PORT"]),
        actions_port=int(env_settings["HELPLINE_ACTIONS_PORT"]),
        secret_key=env_settings["HELPLINE_SECRET_KEY"],
        rasa_token=env_settings["HELPLINE_RASA_TOKEN"],
        country="GB",
    )
    upgrade(settings.resolved_database_url())
    train(settings)  # a no-op when `make test` trained it already
    supervisor = Supervisor([actions_child(settings), rasa_child(settings)])
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(supervisor.start())
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
        yield Stack(settings=settings, env={**env, **env_settings})
    finally:
        loop.run_until_complete(supervisor.stop())
        loop.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("helpline-var")) as running:
        yield running


def replies(turn: dict[str, Any]) -> list[str]:
    return [reply["key"] for reply in turn["replies"]]


def rasa_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a `rasa` subcommand in nlu/, as `make test` would."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    return subprocess.run(
        [str(settings.rasa_venv / "bin" / "rasa"), *args],
        cwd=settings.nlu_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def project_path(*parts: str) -> Path:
    return PROJECT_ROOT.joinpath(*parts)
