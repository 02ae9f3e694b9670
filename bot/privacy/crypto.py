"""Encryption at rest for what must be kept readable for a while (handoff transcripts).

Fernet (AES-128-CBC with HMAC-SHA256, authenticated) through MultiFernet, so
keys can be rotated: HELPLINE_ENCRYPTION_KEY holds one or more keys, newest
first. New data is sealed with the first key; data sealed with any listed key
still opens; `rotate` re-seals a token with the first key, after which the old
key can be dropped from the setting.

Tokens carry their creation time in clear (a Fernet property): fine for
retention, and no personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, text

from bot.settings import Settings

log = logging.getLogger(__name__)


class BadKey(ValueError):
    """HELPLINE_ENCRYPTION_KEY holds something that is not a Fernet key."""


class CannotOpen(ValueError):
    """A token that none of the configured keys opens: wrong key, or altered data."""


def new_key() -> str:
    """A fresh Fernet key (URL-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode()


class Sealer:
    """Seals and opens data with the configured keys; the first key seals."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise BadKey("HELPLINE_ENCRYPTION_KEY: no key given")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                # Never echo the key itself: only its position in the list.
                raise BadKey(
                    f"HELPLINE_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet "
                    "key (44 characters of URL-safe base64; make one with `helpline keys new`)"
                ) from None
        self._newest = fernets[0]
        self._all = MultiFernet(fernets)
        self.key_count = len(fernets)

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer:
        return cls(settings.encryption_keys())

    def seal(self, data: bytes | str) -> bytes:
        """Encrypt with the newest key."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return self._all.encrypt(raw)

    def open(self, token: bytes | str) -> str:
        """Decrypt with whichever configured key sealed it; the text, as str."""
        return self.open_bytes(token).decode("utf-8")

    def open_bytes(self, token: bytes | str) -> bytes:
        try:
            return self._all.decrypt(_as_bytes(token))
        except InvalidToken:
            raise CannotOpen(
                "cannot decrypt: sealed with a key that is not in HELPLINE_ENCRYPTION_KEY, "
                "or the data was altered"
            ) from None

    def rotate(self, token: bytes | str) -> bytes:
        """The same data, sealed again with the newest key (a no-op in meaning)."""
        try:
            return self._all.rotate(_as_bytes(token))
        except InvalidToken:
            raise CannotOpen(
                "cannot re-encrypt: sealed with a key that is not in HELPLINE_ENCRYPTION_KEY, "
                "or the data was altered"
            ) from None

    def is_newest(self, token: bytes | str) -> bool:
        """True when the newest key opens the token (it needs no rotation)."""
        try:
            self._newest.decrypt(_as_bytes(token))
        except InvalidToken:
            return False
        return True

    def rotate_all(self, tokens: Iterable[bytes | str]) -> list[bytes]:
        """Re-seal every token with the newest key, in order."""
        return [self.rotate(token) for token in tokens]


def _as_bytes(token: bytes | str) -> bytes:
    return token.encode("ascii") if isinstance(token, str) else token


@dataclass(frozen=True)
class EncryptedColumn:
    """A column that holds Fernet tokens, and the primary key to rewrite it by."""

    table: str
    key: str
    column: str


# Every column the helpline keeps encrypted. Empty today: handoff transcripts
# are the first, and register here when they land.
ENCRYPTED_COLUMNS: list[EncryptedColumn] = []


def rotate_column(connection: Connection, where: EncryptedColumn, sealer: Sealer) -> int:
    """Re-seal every token of one column with the newest key; returns how many changed.

    Runs in the caller's transaction: all rows change, or none.
    """
    # Identifiers come from ENCRYPTED_COLUMNS (code, not input); values are bound.
    select = text(f"SELECT {where.key}, {where.column} FROM {where.table}")  # noqa: S608
    update = text(
        f"UPDATE {where.table} SET {where.column} = :token WHERE {where.key} = :key"  # noqa: S608
    )
    changed = 0
    for key, token in connection.execute(select).all():
        if token is None or sealer.is_newest(token):
            continue
        connection.execute(update, {"token": sealer.rotate(token), "key": key})
        changed += 1
    return changed


@dataclass(frozen=True)
class RotationReport:
    rows: int
    columns: int
    note: str


def rotate_stored(settings: Settings) -> RotationReport:
    """Re-seal all stored encrypted data with the newest key of the settings."""
    sealer = Sealer.from_settings(settings)
    if not ENCRYPTED_COLUMNS:
        return RotationReport(
            rows=0,
            columns=0,
            note="nothing is stored encrypted yet: handoff transcripts, the first encrypted "
            "data, are not built; the keys are ready for them",
        )
    from bot.db.session import engine_for

    rows = 0
    with engine_for(settings.resolved_database_url()).begin() as connection:
        for where in ENCRYPTED_COLUMNS:
            rows += rotate_column(connection, where, sealer)
    log.info("re-encrypted %d rows in %d columns", rows, len(ENCRYPTED_COLUMNS))
    return RotationReport(
        rows=rows,
        columns=len(ENCRYPTED_COLUMNS),
        note=f"sealed with the newest of {sealer.key_count} keys",
    )
