"""Logging for the helpline's own processes, with the privacy rules built in.

No message text, Telegram id or name is logged at any level the project sets
(DESIGN.md section 6). Log lines name pseudonyms (shortened) or case
references. The libraries that log request bodies or update contents are
capped at WARNING unless HELPLINE_LOG_LEVEL is DEBUG, and as a second line of
defence every line passes a redaction filter (bot/privacy/redaction.py) on its
way out, whatever the level.
"""

from __future__ import annotations

import logging
import sys

from bot.privacy.redaction import RedactionFilter
from bot.settings import Settings

# Libraries that log request bodies or update contents at debug and info.
_QUIET = (
    "httpx",
    "httpcore",
    "telegram",
    "telegram.ext",
    "apscheduler",
    "sanic",
    "tornado",
    "aiohttp",
    "asyncio",
    "urllib3",
    "rasa",
    "rasa_sdk",
    "sqlalchemy",
)


def configure_logging(settings: Settings, *, console: bool) -> None:
    """Warnings only on a console chat (the terminal is the chat); info when running;
    HELPLINE_LOG_LEVEL overrides both."""
    level = _level(settings.log_level) or (logging.WARNING if console else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactionFilter(region=settings.country))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # At DEBUG the libraries speak too (inheriting the root's level), still redacted.
    library_level = logging.NOTSET if level <= logging.DEBUG else logging.WARNING
    for name in _QUIET:
        logging.getLogger(name).setLevel(library_level)


def _level(name: str) -> int | None:
    """The level called `name` (DEBUG, INFO, ...), or None for empty or unknown names."""
    level = logging.getLevelName(name.strip().upper()) if name.strip() else None
    return level if isinstance(level, int) else None
