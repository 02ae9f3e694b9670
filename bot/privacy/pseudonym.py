"""Pseudonyms: what Rasa and the actions know a person by, instead of any Telegram id.

An HMAC-SHA256 of the channel's own id for the chat, keyed by the server's
secret: stable for one person (so the conversation continues), meaningless
without the key, and never reversible into a Telegram id, username or name.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym_for(channel: str, chat_id: str | int, *, key: bytes) -> str:
    """The pseudonym of one chat on one channel (`telegram`, `console`)."""
    message = f"{channel}:{chat_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
