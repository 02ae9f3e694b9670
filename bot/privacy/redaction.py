"""The last line of defence for the logs: redact what must never be written.

The helpline's own log lines name pseudonyms (hex) and never carry message
text, Telegram ids or names (DESIGN.md section 6). Libraries are less careful:
python-telegram-bot at debug prints whole updates and API calls, httpx prints
request URLs (with the bot token in them), Rasa prints user messages. The
loggers that do so are capped at WARNING (bot/logs.py); this filter, on every
handler of the root logger, redacts what slips through anyway, in the final
message (msg % args), the exception text and the stack:

- message text and names in the shapes those libraries print them:
  `"text": "..."`, `'text': '...'`, `text='...'`, `text=...` (query strings),
  Rasa's `"message": "..."`, and `first_name`, `last_name`, `username`, ...;
- Telegram ids: numbers under id keys (`chat_id=123`, `"chat": {"id": 123}`,
  `user_id`), and any other run of seven or more digits;
- @usernames, e-mail addresses, the bot token;
- phone numbers (libphonenumber for the helpline's country and international
  numbers, then a cheap pattern for the rest).

Each becomes `[redacted]`. Pseudonyms survive: hex strings are neither keyed
text nor runs of digits standing alone. The filter never raises: if redaction
itself fails, the line is replaced by a placeholder.
"""

from __future__ import annotations

import logging
import re

import phonenumbers

REDACTED = "[redacted]"

# A quoted value as Python's repr or JSON prints it, also with JSON escaping
# inside JSON (\"...\"), or cut off at the end of a line (truncated logs).
_QUOTED = r"""(?:\\"(?:(?!\\").)*(?:\\"|$)|"(?:[^"\\\n]|\\.)*(?:"|$)|'(?:[^'\\\n]|\\.)*(?:'|$))"""
# A key, in JSON, a dict repr, a repr of an object, or key=value.
_KEY = r"""(?P<key>(?<![\w])\\?["']?(?:{names})\\?["']?\s*[:=]\s*)"""

# Keys whose values are what a person wrote: redacted to the end of the value,
# or, unquoted (a query string or key=value line), to the next & or the line's end.
# A nested structure ({...}, [...], Message(...)) is left to the rules for its fields.
_TEXT_KEYS = "text|caption|message|parse_data_text|query|bio|vcard"
_KEYED_TEXT = re.compile(
    _KEY.format(names=_TEXT_KEYS) + rf"(?P<value>{_QUOTED}|(?![\s{{\[(<]|(?-i:[A-Z]\w*\())[^&\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
# Keys whose values name a person: quoted, or unquoted up to a separator.
_NAME_KEYS = "first_name|last_name|full_name|username|phone_number|email|sender_name"
_KEYED_NAME = re.compile(
    _KEY.format(names=_NAME_KEYS) + rf"(?P<value>{_QUOTED}|\[redacted\]|[^&,;)}}\]\s]+)",
    re.IGNORECASE | re.MULTILINE,
)
# Keys whose numeric values identify a person or place (hex pseudonyms are not numbers).
_ID_KEYS = "id|chat_id|user_id|from_id|sender_id|sender|sender_chat_id|latitude|longitude"
_KEYED_NUMBER = re.compile(
    _KEY.format(names=_ID_KEYS) + r"""(?P<value>\\?["']?[-+]?\d+(?:\.\d+)?)(?![\w.])""",
    re.IGNORECASE,
)

_BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_USERNAME = re.compile(r"(?<![\w@./])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")

# Cheap gate: is there anything with seven digits in it at all?
_MANY_DIGITS = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6,}")
# Phone-shaped runs: optional +country, optional (area), groups of 2+ digits.
_PHONE_SHAPE = re.compile(
    r"(?<![\w.:/+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,5}\)[ .\-]?)?\d{2,}(?:[ .\-/]\d{2,})*"
    r"(?![\w]|[.:]\d)"
)
_IP_ADDRESS = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DATE = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}")
_DECIMAL = re.compile(r"^\d+\.\d+$")


def redact(message: str, *, region: str | None = None) -> str:
    """`message` with text, names, ids, phone numbers and tokens replaced by [redacted]."""
    message = _KEYED_TEXT.sub(_keep_key, message)
    message = _KEYED_NAME.sub(_keep_key, message)
    message = _KEYED_NUMBER.sub(_keep_key, message)
    message = _BOT_TOKEN.sub(REDACTED, message)
    message = _EMAIL.sub(REDACTED, message)
    message = _USERNAME.sub(REDACTED, message)
    if _MANY_DIGITS.search(message):
        message = _redact_phone_numbers(message, region)
        message = _PHONE_SHAPE.sub(_long_number, message)
    return message


def _keep_key(match: re.Match[str]) -> str:
    return match.group("key") + REDACTED


def _redact_phone_numbers(message: str, region: str | None) -> str:
    spans = [
        (found.start, found.end)
        for found in phonenumbers.PhoneNumberMatcher(message, region or "ZZ")
    ]
    for start, end in reversed(spans):
        message = message[:start] + REDACTED + message[end:]
    return message


def _long_number(match: re.Match[str]) -> str:
    """Seven or more digits standing alone: a Telegram id, a phone number, or harmless."""
    candidate = match.group(0)
    digits = sum(char.isdigit() for char in candidate)
    if digits < 7:
        return candidate
    if _IP_ADDRESS.match(candidate) or _DATE.match(candidate) or _DECIMAL.match(candidate):
        return candidate
    return REDACTED


class RedactionFilter(logging.Filter):
    """Redacts every record that passes a handler; never drops one, never raises."""

    def __init__(self, *, region: str | None = None) -> None:
        super().__init__()
        self._region = region

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            try:
                message = record.getMessage()
            except Exception:  # bad arguments: the original would not format either
                message = f"[a message from {record.name} that could not be formatted]"
            record.msg = redact(message, region=self._region)
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text, region=self._region)
            if record.stack_info:
                record.stack_info = redact(record.stack_info, region=self._region)
        except Exception:
            record.msg = f"[a message from {record.name} withheld: redaction failed]"
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
