"""`helpline run` without a Telegram token: the whole helpline, chatting in the terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration


def isolated_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a helpline of its own: data folder, ports, no inherited settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    env.update(
        HELPLINE_DATA_DIR=str(tmp_path / "var"),
        HELPLINE_RASA_PORT=str(free_port()),
        HELPLINE_ACTIONS_PORT=str(free_port()),
        **settings,
    )
    return env


def assert_ports_free(env: dict[str, str]) -> None:
    for port in (env["HELPLINE_RASA_PORT"], env["HELPLINE_ACTIONS_PORT"]):
        with socket.socket() as sock:
            # SO_REUSEADDR skips closed connections in TIME_WAIT; a listener still blocks.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", int(port)))
            sock.listen()


def test_run_without_a_token_opens_the_console_chat(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, HELPLINE_COUNTRY="TH")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        input="hello\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no HELPLINE_TELEGRAM_TOKEN: chatting in this terminal" in done.stderr
    assert "confidential helpline" in done.stdout
    assert "is it safe for you to chat right now?" in done.stdout
    assert "rasa is ready" in done.stderr and "actions is ready" in done.stderr
    # Everything it started has stopped: the engine's and the actions' ports are free again.
    assert_ports_free(env)


def test_sigterm_stops_everything_and_a_second_helpline_is_refused(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    argv = [sys.executable, "-m", "bot.cli", "run"]
    with subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    ) as first:  # closes its pipes, and waits for it, whatever happens
        try:
            assert first.stderr is not None
            for line in first.stderr:
                if "chatting in this terminal" in line:
                    break
            else:
                raise AssertionError("the first helpline never came up")
            # A second helpline on the same ports says so, instead of being fooled by the first.
            second = subprocess.run(
                argv,
                input="",
                capture_output=True,
                text=True,
                env=env,
                cwd=PROJECT_ROOT,
                timeout=120,
                check=False,
            )
            assert second.returncode == 1
            assert "already answers" in second.stderr
            # A service manager's SIGTERM stops the engine and the actions too.
            first.terminate()
            assert first.wait(timeout=60) == 0
        finally:
            if first.poll() is None:
                first.kill()
    assert_ports_free(env)
