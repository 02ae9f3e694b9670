"""Starts, watches and stops the Rasa engine and the action server on one machine.

Each child starts health-checked, in order; one that dies is restarted with
a growing pause; all stop together (SIGTERM, then SIGKILL) on shutdown. The
gateway runs in the supervising process itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
import yaml

from bot.model import latest_model
from bot.settings import PROJECT_ROOT, Settings, private_directory

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class StartFailed(RuntimeError):
    """A child did not become healthy in time."""


@dataclass
class Child:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    health_url: str
    start_timeout: float
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    restarts: list[float] = field(default_factory=list)


def rasa_child(settings: Settings) -> Child:
    model = latest_model(settings.model_dir)
    if model is None:
        raise StartFailed("no trained model: run `helpline train` (or `make run`) first")
    rasa = settings.rasa_venv / "bin" / "rasa"
    if not rasa.exists():
        raise StartFailed(f"{rasa} is missing: run `make setup` to create .venv-rasa")
    token = settings.rasa_token_value()
    env = {
        "HELPLINE_RASA_TOKEN": token,
        "HELPLINE_ACTIONS_URL": f"{settings.actions_url()}/webhook",
        "HELPLINE_RASA_TRACKER_DB": str(settings.rasa_tracker_db()),
    }
    endpoints = "endpoints.yml"
    redis = settings.redis_url.get_secret_value()
    if redis:
        endpoints = str(redis_endpoints(settings))
        env.update(redis_environment(redis))
    argv = [
        str(rasa),
        "run",
        "--model",
        str(model),
        "--endpoints",
        endpoints,
        "--credentials",
        "credentials.yml",
        "--interface",
        "127.0.0.1",
        "--port",
        str(settings.rasa_port),
        "--enable-api",
        "--auth-token",
        token,
        # Warnings and errors only: Rasa's debug and info lines can carry user text.
        "--quiet",
    ]
    return Child(
        name="rasa",
        argv=argv,
        cwd=settings.nlu_dir,
        env=env,
        health_url=f"{settings.rasa_url()}/status?token={token}",
        start_timeout=240.0,
        log_path=settings.data_dir / "log" / "rasa.log",
    )


REDIS_ENDPOINTS = PROJECT_ROOT / "deploy" / "rasa" / "endpoints.redis.yml"


def redis_endpoints(settings: Settings) -> Path:
    """deploy/rasa/endpoints.redis.yml with Redis' expiry set to the idle time, written
    to the data folder: Rasa reads record_exp as a number, not from the environment."""
    template = yaml.safe_load(REDIS_ENDPOINTS.read_text(encoding="utf-8"))
    template["tracker_store"]["record_exp"] = int(settings.chat_idle_hours * 3600)
    path = private_directory(settings.data_dir) / "rasa-endpoints.redis.yml"
    path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    return path


def redis_environment(url: str) -> dict[str, str]:
    """The variables deploy/rasa/endpoints.redis.yml reads, from one redis:// URL."""
    parsed = urlsplit(url)
    return {
        "HELPLINE_REDIS_HOST": parsed.hostname or "127.0.0.1",
        "HELPLINE_REDIS_PORT": str(parsed.port or 6379),
        "HELPLINE_REDIS_DB": parsed.path.strip("/") or "0",
        "HELPLINE_REDIS_PASSWORD": parsed.password or "",
    }


def actions_child(settings: Settings) -> Child:
    argv = [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.actions_port),
    ]
    return Child(
        name="actions",
        argv=argv,
        cwd=PROJECT_ROOT,
        # rasa-sdk listens on all interfaces unless told otherwise. The actions
        # read the services directory, so they are given its database.
        env={
            "SANIC_HOST": "127.0.0.1",
            "HELPLINE_DATABASE_URL": settings.resolved_database_url(),
        },
        health_url=f"{settings.actions_url()}/health",
        start_timeout=60.0,
        log_path=settings.data_dir / "log" / "actions.log",
    )


LOG_LIMIT_BYTES = 10 * 1024 * 1024


def _rotate(path: Path) -> None:
    """At each start, a log over 10 MB becomes `<name>.1` (replacing the last one), so
    the engine's and the actions' logs never grow without end."""
    if path.exists() and path.stat().st_size > LOG_LIMIT_BYTES:
        path.replace(path.with_name(path.name + ".1"))


def _child_environment(extra: dict[str, str]) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Our own settings stay ours, except the ones a child is given on purpose.
        if not key.startswith("HELPLINE_")
    }
    env.update(
        {
            # No telemetry: it would send usage data off the machine.
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class Supervisor:
    MAX_RESTARTS = 5  # within RESTART_WINDOW seconds; past that the helpline stops
    RESTART_WINDOW = 300.0

    def __init__(self, children: list[Child], *, progress: Progress | None = None) -> None:
        self.children = children
        self._progress = progress or (lambda _line: None)
        self._stopping = False
        self._logs: dict[str, TextIO] = {}

    async def start(self) -> None:
        for child in self.children:
            await self._start(child)

    async def _start(self, child: Child) -> None:
        if await _answers(child.health_url):
            # Something else already serves this port (another helpline, or a child
            # orphaned by a killed one): ours would fail to bind and the health
            # check would be fooled by the stranger.
            raise StartFailed(
                f"{child.name}: {child.health_url.split('?')[0]} already answers; is another "
                "helpline running? Stop it, or set other ports (HELPLINE_RASA_PORT, "
                "HELPLINE_ACTIONS_PORT)."
            )
        child.log_path.parent.mkdir(parents=True, exist_ok=True)
        if child.name not in self._logs:
            _rotate(child.log_path)
        log_file = self._logs.get(child.name) or open(child.log_path, "a", encoding="utf-8")
        self._logs[child.name] = log_file
        self._progress(f"starting {child.name} ...")
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            cwd=child.cwd,
            env=_child_environment(child.env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
            preexec_fn=_die_with_parent,
        )
        await self._wait_healthy(child)
        self._progress(f"{child.name} is ready")

    async def _wait_healthy(self, child: Child) -> None:
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2.0) as http:
            while time.monotonic() - started < child.start_timeout:
                assert child.process is not None
                if child.process.returncode is not None:
                    raise StartFailed(
                        f"{child.name} exited with {child.process.returncode}; see {child.log_path}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(child.health_url)).status_code == 200:
                        return
                elapsed = int(time.monotonic() - started)
                if elapsed and elapsed % 10 == 0:
                    self._progress(f"  {child.name}: still loading ({elapsed}s)")
                await asyncio.sleep(1.0)
        raise StartFailed(f"{child.name} was not ready after {child.start_timeout:.0f}s")

    async def watch(self, check: Callable[[], Awaitable[None]] | None = None) -> None:
        """Restart children that die, until stop() is called."""
        while not self._stopping:
            await asyncio.sleep(1.0)
            for child in self.children:
                if self._stopping:
                    return
                if child.process is not None and child.process.returncode is not None:
                    await self._restart(child)
            if check is not None:
                await check()

    async def _restart(self, child: Child) -> None:
        now = time.monotonic()
        child.restarts = [t for t in child.restarts if now - t < self.RESTART_WINDOW]
        if len(child.restarts) >= self.MAX_RESTARTS:
            raise StartFailed(f"{child.name} keeps crashing; see {child.log_path}")
        child.restarts.append(now)
        pause = 2 ** len(child.restarts)
        assert child.process is not None
        log.warning(
            "%s exited with %s; restarting in %ss", child.name, child.process.returncode, pause
        )
        await asyncio.sleep(pause)
        await self._start(child)

    async def stop(self) -> None:
        self._stopping = True
        for child in reversed(self.children):
            process = child.process
            if process is None or process.returncode is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        for handle in self._logs.values():
            handle.close()
        self._logs.clear()


async def _answers(url: str) -> bool:
    async with httpx.AsyncClient(timeout=1.0) as http:
        try:
            await http.get(url)
        except httpx.HTTPError:
            return False
    return True


def _die_with_parent() -> None:
    """In the child: be killed if the supervisor dies, even by SIGKILL (Linux)."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_termination() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into a cancellation of the running task, so the
    children are stopped in order as on Ctrl-C (service managers send SIGTERM)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    signals = (signal.SIGTERM, signal.SIGHUP)
    for number in signals:
        loop.add_signal_handler(number, task.cancel)
    try:
        yield
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


def stderr_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
