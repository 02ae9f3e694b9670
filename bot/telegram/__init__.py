"""The Telegram gateway (python-telegram-bot)."""

import os

# PTB 22 warns on every RetryAfter unless told to use timedeltas, the coming
# default; we opt in rather than teach ourselves to ignore warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")
