"""Encryption at rest: round trips, key rotation, and clear failures."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from bot.privacy.crypto import (
    BadKey,
    CannotOpen,
    EncryptedColumn,
    Sealer,
    new_key,
    rotate_column,
    rotate_stored,
)
from bot.settings import Settings

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
WORDS = "My employer keeps my passport. Я боюсь."


def test_round_trip_of_text_and_bytes() -> None:
    sealer = Sealer([NEW])
    token = sealer.seal(WORDS)
    assert isinstance(token, bytes)
    assert WORDS.encode() not in token
    assert sealer.open(token) == WORDS
    assert sealer.open(token.decode()) == WORDS  # stored as text works too
    assert sealer.open(sealer.seal(WORDS.encode())) == WORDS
    assert sealer.seal(WORDS) != token  # a fresh IV each time


def test_tokens_of_the_old_key_still_open_after_rotation() -> None:
    old_token = Sealer([OLD]).seal(WORDS)
    rotated = Sealer([NEW, OLD])  # the new key first, the old one kept
    assert rotated.open(old_token) == WORDS
    assert not rotated.is_newest(old_token)


def test_rotate_re_encrypts_with_the_newest_key() -> None:
    old_token = Sealer([OLD]).seal(WORDS)
    new_token = Sealer([NEW, OLD]).rotate(old_token)

    assert Sealer([NEW]).open(new_token) == WORDS  # the old key is no longer needed
    with pytest.raises(CannotOpen):
        Sealer([OLD]).open(new_token)


def test_rotate_all_keeps_the_order() -> None:
    tokens = [Sealer([OLD]).seal(f"case {n}") for n in range(3)]
    rotated = Sealer([NEW, OLD]).rotate_all(tokens)
    assert [Sealer([NEW]).open(token) for token in rotated] == ["case 0", "case 1", "case 2"]


def test_a_wrong_key_fails_clearly() -> None:
    token = Sealer([OLD]).seal(WORDS)
    with pytest.raises(CannotOpen, match="not in HELPLINE_ENCRYPTION_KEY"):
        Sealer([NEW]).open(token)
    with pytest.raises(CannotOpen):
        Sealer([NEW]).rotate(token)


def test_altered_data_fails_clearly() -> None:
    token = bytearray(Sealer([NEW]).seal(WORDS))
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")
    with pytest.raises(CannotOpen, match="altered"):
        Sealer([NEW]).open(bytes(token))


def test_a_malformed_key_is_named_by_position_never_echoed() -> None:
    with pytest.raises(BadKey, match="key 2 of 2") as error:
        Sealer([NEW, "not-a-real-key-hunter2"])
    assert "hunter2" not in str(error.value)
    with pytest.raises(BadKey):
        Sealer([])


def test_keys_from_the_setting_newest_first(settings: Settings) -> None:
    settings.encryption_key = SecretStr(f" {NEW} , {OLD} ,")
    assert settings.encryption_keys() == [NEW, OLD]
    old_token = Sealer([OLD]).seal(WORDS)
    sealer = Sealer.from_settings(settings)
    assert sealer.key_count == 2
    assert Sealer([NEW]).open(sealer.rotate(old_token)) == WORDS


def test_without_the_setting_a_key_is_made_once_and_kept_private(settings: Settings) -> None:
    keys = settings.encryption_keys()
    kept = settings.data_dir / "encryption-key"

    assert len(keys) == 1
    Fernet(keys[0])  # a valid Fernet key
    assert kept.read_text().strip() == keys[0]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert settings.encryption_keys() == keys  # the same next time
    assert Sealer.from_settings(settings).open(Sealer(keys).seal(WORDS)) == WORDS


def test_new_key_is_a_fernet_key() -> None:
    key = new_key()
    assert Sealer([key]).open(Sealer([key]).seal("x")) == "x"
    assert new_key() != key


def test_rotate_column_re_encrypts_only_old_tokens() -> None:
    """The function `helpline keys rotate` runs over every encrypted column."""
    engine = create_engine("sqlite://")
    old, new = Sealer([OLD]), Sealer([NEW, OLD])
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE transcript (id INTEGER PRIMARY KEY, body BLOB)"))
        connection.execute(
            text("INSERT INTO transcript (id, body) VALUES (:id, :body)"),
            [
                {"id": 1, "body": old.seal("first")},
                {"id": 2, "body": new.seal("second")},  # already on the newest key
                {"id": 3, "body": None},
                {"id": 4, "body": old.seal("fourth")},
            ],
        )
        column = EncryptedColumn(table="transcript", key="id", column="body")
        assert rotate_column(connection, column, new) == 2
        assert rotate_column(connection, column, new) == 0  # idempotent
        rows: dict[int, bytes] = dict(
            connection.execute(text("SELECT id, body FROM transcript")).all()
        )
    newest_only = Sealer([NEW])
    assert newest_only.open(rows[1]) == "first"
    assert newest_only.open(rows[2]) == "second"
    assert rows[3] is None
    assert newest_only.open(rows[4]) == "fourth"


def test_rotate_stored_says_why_there_is_nothing_yet(settings: Settings) -> None:
    report = rotate_stored(settings)
    assert report.rows == 0
    assert "handoff" in report.note


def test_keys_commands(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    monkeypatch.setattr("bot.logs.configure_logging", lambda *_a, **_k: None)

    assert cli.main(["keys", "new"]) == 0
    out, err = capsys.readouterr()
    Fernet(out.strip())
    assert "first in HELPLINE_ENCRYPTION_KEY" in err
    assert "helpline keys rotate" in err

    assert cli.main(["keys", "rotate"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("re-encrypted 0 rows: nothing is stored encrypted yet")
