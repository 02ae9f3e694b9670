"""The Rasa engine and action server for a command that needs them for a while.

Uses a running helpline when there is one (same machine, same token), and
otherwise starts both itself, with progress on stderr, and stops them after.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.supervisor import (
    Progress,
    Supervisor,
    actions_child,
    rasa_child,
    stop_on_termination,
)


def rasa_client(settings: Settings) -> RasaClient:
    return RasaClient(
        settings.rasa_url(), settings.rasa_token_value(), timeout=settings.rasa_timeout
    )


@asynccontextmanager
async def engine_running(
    settings: Settings, *, progress: Progress, with_actions: bool = True
) -> AsyncIterator[RasaClient]:
    client = rasa_client(settings)
    try:
        if await client.is_ready():
            progress(f"using the helpline already running at {settings.rasa_url()}")
            yield client
            return
        children = [actions_child(settings)] if with_actions else []
        children.append(rasa_child(settings))
        supervisor = Supervisor(children, progress=progress)
        try:
            with stop_on_termination():
                progress("starting the Rasa engine and the action server for this session")
                await supervisor.start()
                yield client
        finally:
            await supervisor.stop()
    finally:
        await client.aclose()
