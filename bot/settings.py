"""The one settings object: environment variables prefixed HELPLINE_ and an optional .env file.

Every setting is listed, with its default, in `.env.example`.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HELPLINE_",
        env_file=".env",
        env_file_encoding="utf-8",
        # An empty line copied from .env.example means "the default", not "empty".
        env_ignore_empty=True,
        extra="ignore",
    )

    # Where the helpline keeps its own files (database, secrets, logs).
    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""

    # Secrets. Left empty, a random one is made once and kept in data_dir
    # (mode 0600), so `make run` works on a fresh machine without setup.
    secret_key: SecretStr = SecretStr("")
    rasa_token: SecretStr = SecretStr("")

    # The Rasa engine and the action server, always on loopback.
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    rasa_timeout: float = Field(default=10.0, gt=0)
    model_dir: Path = PROJECT_ROOT / "models"
    nlu_dir: Path = PROJECT_ROOT / "nlu"
    rasa_venv: Path = PROJECT_ROOT / ".venv-rasa"
    # Production: Rasa keeps conversations in Redis (redis://[:password@]host:port/db),
    # which deletes each one after the idle time; empty = a SQLite file in data_dir.
    redis_url: SecretStr = SecretStr("")

    # Languages and the country the helpline serves.
    default_language: str = "en"
    country: str = "US"

    # Telegram.
    telegram_token: SecretStr = SecretStr("")
    telegram_api_url: str = ""
    telegram_mode: TelegramMode = TelegramMode.POLLING
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443

    # Input limits: longer messages are cut before they reach the model.
    max_message_chars: int = 1000

    # Retention (docs/privacy.md). Conversation state, and Rasa's tracker on the
    # single-machine setup, are deleted after this long without a message.
    chat_idle_hours: float = Field(default=24.0, gt=0)
    # Handoff transcripts are deleted this long after their case ends.
    case_retention_days: float = Field(default=30.0, gt=0)
    # How often the helpline's own purge job runs (and once at start).
    purge_interval_minutes: float = Field(default=15.0, gt=0)
    # Fernet keys for data at rest, comma-separated, newest first (rotation).
    # Left empty, one is made once and kept in data_dir, like secret_key.
    encryption_key: SecretStr = SecretStr("")

    # Logging: empty means warnings on a console chat, info when running.
    # DEBUG also lets the libraries' own debug lines through (still redacted).
    log_level: str = ""

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'helpline.db'}"

    def protect_data_dir(self) -> None:
        """The data folder and everything the helpline writes there: owner only."""
        private_directory(self.data_dir)
        if self.data_dir.stat().st_uid == os.getuid():
            self.data_dir.chmod(0o700)

    def rasa_tracker_db(self) -> Path:
        """Rasa's own SQL tracker store (single-machine setup), kept apart from ours."""
        return self.data_dir / "rasa-tracker.db"

    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def secret_key_bytes(self) -> bytes:
        return _value_or_kept_secret(self.secret_key, self.data_dir / "secret-key").encode()

    def rasa_token_value(self) -> str:
        return _value_or_kept_secret(self.rasa_token, self.data_dir / "rasa-token")

    def encryption_keys(self) -> list[str]:
        """The Fernet keys, newest first: the configured ones, or the one kept in data_dir."""
        value = _value_or_kept_secret(
            self.encryption_key, self.data_dir / "encryption-key", make=_new_fernet_key
        )
        return [key.strip() for key in value.split(",") if key.strip()]


def private_directory(path: Path) -> Path:
    """Create `path` readable by its owner only, if it is missing: the data folder
    holds the databases, Rasa's tracker (what people typed) and the keys. A folder
    that exists already is left as it is (it may be /tmp); `Settings.protect_data_dir`
    tightens the helpline's own."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _value_or_kept_secret(
    value: SecretStr, path: Path, *, make: Callable[[], str] | None = None
) -> str:
    """Return the configured secret, or the one kept in `path`, made on first use."""
    configured = value.get_secret_value()
    if configured:
        return configured
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    private_directory(path.parent)
    made = make() if make is not None else secrets.token_urlsafe(32)
    try:
        # Created 0600 from the start: the file must never be readable by others.
        with open(path, "x", encoding="utf-8", opener=_open_private) as out:
            out.write(made)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    return made


def _new_fernet_key() -> str:
    """A Fernet key: 32 random bytes, URL-safe base64 (what Fernet.generate_key() makes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _open_private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
