"""The supervisor starts children health-checked, restarts one that dies, and stops all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.supervisor import Child, StartFailed, Supervisor
from tests.integration.conftest import free_port


def http_child(tmp_path: Path, name: str = "web") -> Child:
    port = free_port()
    return Child(
        name=name,
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        env={},
        health_url=f"http://127.0.0.1:{port}/",
        start_timeout=20,
        log_path=tmp_path / f"{name}.log",
    )


async def test_a_crashed_child_is_restarted_and_all_stop(tmp_path: Path) -> None:
    child = http_child(tmp_path)
    supervisor = Supervisor([child])
    await supervisor.start()
    first = child.process
    assert first is not None and first.returncode is None
    watcher = asyncio.create_task(supervisor.watch())
    try:
        os.killpg(first.pid, signal.SIGKILL)
        for _ in range(100):
            await asyncio.sleep(0.1)
            if child.process is not first and child.process and child.process.returncode is None:
                break
        assert child.process is not first, "the crashed child was not restarted"
        assert len(child.restarts) == 1
    finally:
        await supervisor.stop()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    assert child.process is not None and child.process.returncode is not None


async def test_a_child_that_never_becomes_healthy_fails_clearly(tmp_path: Path) -> None:
    child = http_child(tmp_path, "broken")
    child.argv = [sys.executable, "-c", "raise SystemExit(3)"]
    supervisor = Supervisor([child])
    with pytest.raises(StartFailed, match="broken exited with 3"):
        await supervisor.start()
    await supervisor.stop()


def test_a_big_child_log_is_set_aside_at_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.supervisor import LOG_LIMIT_BYTES, _rotate

    log = tmp_path / "rasa.log"
    log.write_bytes(b"x" * (LOG_LIMIT_BYTES + 1))
    _rotate(log)
    assert not log.exists()
    assert (tmp_path / "rasa.log.1").stat().st_size == LOG_LIMIT_BYTES + 1
    log.write_text("small")
    _rotate(log)
    assert log.read_text() == "small"
