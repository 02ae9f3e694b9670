"""The log redaction filter, on lines shaped like the ones the libraries really print."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from bot.privacy import redaction
from bot.privacy.redaction import REDACTED, RedactionFilter, redact
from bot.settings import Settings

CHAT_ID = "123456789"
PSEUDONYM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
TOKEN = "7123456789:AAHk3mF9xQ-ExampleTokenValue_1234567890abc"

# What python-telegram-bot 22 prints at DEBUG (telegram.ext.ExtBot, telegram.Bot).
PTB_CALL = (
    "Calling Bot API endpoint `sendMessage` with parameters `{'chat_id': 123456789, "
    "'text': 'They took my passport, I am at the farm near Lleida', "
    "'reply_markup': {'inline_keyboard': [[{'text': 'Yes', 'callback_data': 'a'}]]}}`"
)
PTB_RESULT = (
    "Call to Bot API endpoint `getUpdates` finished with return value `[{'update_id': "
    "811234567, 'message': {'message_id': 42, 'from': {'id': 123456789, 'is_bot': False, "
    "'first_name': 'Anna', 'last_name': 'Kowalska', 'username': 'anna_k', "
    "'language_code': 'pl'}, 'chat': {'id': 123456789, 'first_name': 'Anna', "
    "'last_name': 'Kowalska', 'username': 'anna_k', 'type': 'private'}, "
    "'date': 1716200000, 'text': \"I'm scared, he has my documents\"}}]`"
)
PTB_UPDATE_REPR = (
    "Update(message=Message(channel_chat_created=False, chat=Chat(first_name='Anna', "
    "id=123456789, type=<ChatType.PRIVATE>, username='anna_k'), date=datetime.datetime("
    "2024, 5, 20, 10, 0, tzinfo=<UTC>), from_user=User(first_name='Anna', id=123456789, "
    "is_bot=False, language_code='pl', username='anna_k'), message_id=42, "
    "text='he has my documents'), update_id=811234567)"
)
HTTPX_INFO = f'HTTP Request: POST https://api.telegram.org/bot{TOKEN}/sendMessage "HTTP/1.1 200 OK"'
HTTPX_QUERY = (
    f"HTTP Request: GET https://api.telegram.org/bot{TOKEN}/sendMessage?"
    "chat_id=123456789&text=they%20took%20my%20passport&parse_mode=HTML "
    '"HTTP/1.1 200 OK"'
)
RASA_BODY = (
    f'{{"sender": "{PSEUDONYM}", "message": "my boss keeps my passport", '
    '"metadata": {"language": "en", "country": "GB"}}'
)
RASA_STRUCTLOG = (
    "processor.message.parse        parse_data_entities=[] "
    "parse_data_intent={'name': 'report_exploitation', 'confidence': 0.93} "
    "parse_data_text=my boss keeps my passport"
)
RASA_EVENT_JSON = (
    '{"event": "user", "timestamp": 1716200000.123, '
    '"data": "{\\"text\\": \\"my boss keeps my passport\\", \\"intent\\": \\"x\\"}"}'
)
RASA_USER_UTTERED = "UserUttered(text: my boss keeps my passport, intent: report_exploitation)"

PERSONAL = (
    CHAT_ID,
    "passport",
    "documents",
    "Lleida",
    "Anna",
    "Kowalska",
    "anna_k",
    "scared",
    TOKEN.split(":")[1],
)


@pytest.mark.parametrize(
    "line",
    [
        PTB_CALL,
        PTB_RESULT,
        PTB_UPDATE_REPR,
        HTTPX_INFO,
        HTTPX_QUERY,
        RASA_BODY,
        RASA_STRUCTLOG,
        RASA_EVENT_JSON,
        RASA_USER_UTTERED,
    ],
    ids=[
        "ptb-call",
        "ptb-result",
        "ptb-update-repr",
        "httpx-info",
        "httpx-query",
        "rasa-body",
        "rasa-structlog",
        "rasa-event-json",
        "rasa-user-uttered",
    ],
)
def test_real_library_lines_lose_text_ids_names_and_token(line: str) -> None:
    cleaned = redact(line, region="GB")
    for personal in PERSONAL:
        assert personal not in cleaned, (personal, cleaned)
    assert REDACTED in cleaned


def test_what_is_not_personal_survives() -> None:
    assert redact(PTB_CALL).startswith("Calling Bot API endpoint `sendMessage` with parameters")
    assert "'chat_id': [redacted]" in redact(PTB_CALL)
    assert "'first_name': [redacted]" in redact(PTB_RESULT)
    assert "'message_id': 42" in redact(PTB_RESULT)
    assert redact(HTTPX_INFO) == (
        'HTTP Request: POST https://api.telegram.org/bot[redacted]/sendMessage "HTTP/1.1 200 OK"'
    )
    assert '"language": "en", "country": "GB"' in redact(RASA_BODY)
    assert "report_exploitation" in redact(RASA_STRUCTLOG)


def test_pseudonyms_survive() -> None:
    """Pseudonyms are what our logs are allowed to name."""
    for line in (
        f"forgot pseudonym {PSEUDONYM[:8]}… (3 tracker events)",
        f"conversation {PSEUDONYM} expired",
        f"sender_id={PSEUDONYM}",
        f'"sender": "{PSEUDONYM}"',
        # Hex with a long run of digits inside is still a pseudonym, not a phone number.
        "pseudonym a12345678901234b",
        "pseudonym 20240520deadbeef",
    ):
        assert redact(line, region="GB") == line


def test_operational_numbers_survive() -> None:
    for line in (
        "Rasa engine at http://127.0.0.1:5005 is ready",
        "listening on 192.168.100.200:8443",
        "turn took 0.1234567 s",
        "model trained at 2026-12-01 12:00:00",
        "retention purge: chat_state=3 chat_message=12 rasa_conversations=1 rasa_events=14",
        "rasa exited with -15; restarting in 4s",
        "crisis lexicon hit: immediate_danger (en)",
    ):
        assert redact(line, region="GB") == line


@pytest.mark.parametrize(
    ("line", "gone"),
    [
        ("call me on +44 7911 123456 tonight", "7911"),
        ("my number is 07911 123456", "07911"),
        ("ring +1 (415) 555-2671", "555-2671"),
        ("US style 202-555-0143 from the shelter", "555-0143"),
        ("bare digits 5551234567 in a line", "5551234567"),
        ("+7 912 345-67-89", "345-67-89"),
        ("chat -1001234567890 is a group", "1001234567890"),
        ("write to @anna_k on Telegram", "anna_k"),
        ("mail anna.k@example.org", "example.org"),
        ("user_id=123456", "123456"),
        ('"chat": {"id": 98765}', "98765"),
        ("location latitude=51.5074 longitude=-0.1278", "51.5074"),
        ("{'text': 'I need help and my boss", "boss"),  # cut off mid-string
        ('text="quoted \\" inside" then', "inside"),
    ],
)
def test_shapes_are_redacted(line: str, gone: str) -> None:
    assert gone not in redact(line, region="GB")


def test_redaction_is_idempotent() -> None:
    once = redact(PTB_RESULT)
    assert redact(once) == once


# --- the filter on handlers -----------------------------------------------------


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactionFilter(region="GB"))
    logger = logging.getLogger("tests.privacy.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_the_filter_redacts_the_final_message(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.debug("sending chat_id=%s text=%r", 123456789, "they took my passport")
    logger.info("pseudonym %s… started", PSEUDONYM[:8])
    out = stream.getvalue()
    assert "123456789" not in out and "passport" not in out
    assert f"pseudonym {PSEUDONYM[:8]}… started" in out


def test_the_filter_redacts_exception_text(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise ValueError("bad update: {'chat': {'id': 123456789}, 'text': 'help me please'}")
    except ValueError:
        logger.exception("update failed")
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert "123456789" not in out and "help me please" not in out


def test_the_filter_never_raises(
    captured: tuple[logging.Logger, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, stream = captured

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    logger.info(Unprintable())
    logger.info("%d chats", "not a number")
    monkeypatch.setattr(redaction, "redact", lambda *_a, **_k: 1 / 0)
    logger.info("text=%s", "secret words")
    lines = stream.getvalue().splitlines()
    assert lines == [
        "INFO tests.privacy.redaction: [a message from tests.privacy.redaction that could not "
        "be formatted]",
        "INFO tests.privacy.redaction: [a message from tests.privacy.redaction that could not "
        "be formatted]",
        "INFO tests.privacy.redaction: [a message from tests.privacy.redaction withheld: "
        "redaction failed]",
    ]


# --- bot/logs.py ------------------------------------------------------------------

LIBRARIES = ("httpx", "telegram.ext", "telegram", "apscheduler", "sanic", "rasa")


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, library_level in levels.items():
            logging.getLogger(name).setLevel(library_level)


@pytest.mark.usefixtures("root_restored")
def test_configure_logging_installs_the_filter_and_quiets_the_libraries(
    settings: Settings,
) -> None:
    configure_logging(settings, console=False)
    root = logging.getLogger()
    assert root.level == logging.INFO
    assert all(
        any(isinstance(f, RedactionFilter) for f in handler.filters) for handler in root.handlers
    )
    for name in LIBRARIES:
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name


@pytest.mark.usefixtures("root_restored")
def test_only_debug_lets_the_libraries_speak_still_redacted(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.log_level = "info"
    configure_logging(settings, console=True)
    assert logging.getLogger().level == logging.INFO
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING

    settings.log_level = "DEBUG"
    configure_logging(settings, console=True)
    for name in LIBRARIES:
        assert logging.getLogger(name).getEffectiveLevel() == logging.DEBUG, name
    logging.getLogger("telegram.ext.ExtBot").debug(PTB_CALL)
    err = capsys.readouterr().err
    assert "sendMessage" in err
    assert "passport" not in err and CHAT_ID not in err


@pytest.mark.usefixtures("root_restored")
def test_an_unknown_level_falls_back_to_the_default(settings: Settings) -> None:
    settings.log_level = "LOUD"
    configure_logging(settings, console=True)
    assert logging.getLogger().level == logging.WARNING
