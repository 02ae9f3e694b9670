"""`helpline run`: the whole helpline on one machine, and the wiring every channel shares."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys

from bot.chat_state import ChatStateStore
from bot.conversation import Conversations
from bot.db.session import session_factory, upgrade
from bot.engine import rasa_client
from bot.language_detection import warm_up
from bot.model import latest_model, train
from bot.privacy.retention import purging
from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.stats import Stats
from bot.supervisor import (
    Supervisor,
    actions_child,
    rasa_child,
    stderr_progress,
    stop_on_termination,
)

log = logging.getLogger(__name__)


def conversations_for(settings: Settings, rasa: RasaClient, *, channel: str) -> Conversations:
    """A channel's conversations, on a database brought to the latest schema."""
    settings.protect_data_dir()
    upgrade(settings.resolved_database_url())
    load_seed(settings.resolved_database_url())
    sessions = session_factory(settings.resolved_database_url())
    warm_up()
    store = ChatStateStore(sessions)
    return Conversations(settings, rasa=rasa, store=store, channel=channel, stats=Stats(sessions))


def load_seed(database_url: str) -> None:
    """The national hotlines shipped with the project, in the directory from the first
    run; seeding again changes nothing, and never overrides a hotline an NGO verified.

    In a short-lived process of its own: checking the seed reads the whole
    gazetteer (about 60 MB) for time zones, which the gateway has no other use for.
    """
    done = subprocess.run(
        [sys.executable, "-m", "bot.directory.seed"],
        # In the environment, not the arguments: a URL may hold a password, and
        # other local users can read a process's arguments.
        env={**os.environ, "HELPLINE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:  # a broken seed file must not stop the helpline answering
        log.error("the national hotlines seed was not loaded:\n%s", done.stdout + done.stderr)
        return
    log.info("national hotlines seed: %s", done.stdout.strip())


async def run_helpline(settings: Settings, *, console: bool) -> int:
    settings.protect_data_dir()  # before the engine writes its tracker there
    if latest_model(settings.model_dir) is None:
        train(settings)
    supervisor = Supervisor(
        [actions_child(settings), rasa_child(settings)], progress=stderr_progress
    )
    rasa = rasa_client(settings)
    try:
        with stop_on_termination():
            await _serve(settings, supervisor, rasa, console=console)
    except asyncio.CancelledError:
        stderr_progress("stopping: terminated")
    finally:
        await supervisor.stop()
        await rasa.aclose()
    return 0


async def _serve(
    settings: Settings, supervisor: Supervisor, rasa: RasaClient, *, console: bool
) -> None:
    """Start the engine and actions, then the gateway; run until either side ends."""
    await supervisor.start()
    if settings.telegram_token.get_secret_value() and not console:
        from bot.telegram.app import run_telegram

        gateway = run_telegram(settings, conversations_for(settings, rasa, channel="telegram"))
    else:
        from bot.console import chat_interactive

        stderr_progress("no HELPLINE_TELEGRAM_TOKEN: chatting in this terminal")
        conversations = conversations_for(settings, rasa, channel="console")
        gateway = chat_interactive(conversations, "console", language=None, out=sys.stdout)
    # Retention runs inside the helpline: once now, then every purge interval.
    async with purging(settings):
        await _until_first_ends(gateway, supervisor.watch())


async def _until_first_ends(*jobs: object) -> None:
    """Run the gateway and the watcher together; when one ends (or fails), stop the other."""
    tasks = [asyncio.ensure_future(job) for job in jobs]  # type: ignore[call-overload]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # terminated: stop both before the supervisor stops
        done, pending = set(), set(tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for task in done:
        task.result()
