"""Building and running the Telegram application: the one place where handlers are wired."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.conversation import SAFETY_COMMANDS, Conversations
from bot.db.session import session_factory
from bot.i18n import available_languages, translate
from bot.message_log import MessageLog
from bot.settings import Settings, TelegramMode
from bot.telegram import handlers
from bot.telegram.gateway import Gateway

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class RetryingBot(ExtBot[Any]):
    """Retries Bot API calls that failed for a passing reason (5xx, timeouts).

    429 answers are retried by the rate limiter, which honours retry_after.
    """

    RETRIES = 3
    BACKOFF = 0.5  # seconds, doubled each time

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        for attempt in range(self.RETRIES + 1):
            try:
                return await super()._do_post(endpoint, data, **kwargs)
            except (BadRequest, Forbidden):
                raise  # our request was wrong or the person blocked the bot: retrying won't help
            except NetworkError as error:
                if attempt == self.RETRIES:
                    raise
                log.warning("Bot API %s failed (%s); retrying", endpoint, type(error).__name__)
                await asyncio.sleep(self.BACKOFF * 2**attempt)
        raise AssertionError("unreachable")


def build_application(settings: Settings, conversations: Conversations) -> Application:
    token = settings.telegram_token.get_secret_value()
    api = settings.telegram_api_url.rstrip("/")
    bot = RetryingBot(
        token,
        base_url=f"{api}/bot" if api else "https://api.telegram.org/bot",
        base_file_url=f"{api}/file/bot" if api else "https://api.telegram.org/file/bot",
        defaults=Defaults(
            parse_mode="HTML",
            # Nothing the helpline sends can be forwarded or saved from the chat.
            protect_content=True,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        rate_limiter=AIORateLimiter(max_retries=3),
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        # One person's turns are kept in order by the gateway's per-chat lock;
        # different people are answered at the same time.
        .concurrent_updates(True)
        .build()
    )
    gateway = Gateway(conversations, MessageLog(session_factory(settings.resolved_database_url())))
    gateway.attach(bot)
    app.bot_data["gateway"] = gateway
    wire_handlers(app)
    return app


def wire_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, handlers.drop_repeated_update), group=-2)
    app.add_handler(MessageHandler(~private, handlers.refuse_group), group=-1)
    app.add_handler(CommandHandler(list(SAFETY_COMMANDS), handlers.on_command, filters=private))
    app.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED, handlers.notice("input.edited"))
    )
    app.add_handler(MessageHandler(private & filters.COMMAND, handlers.on_command))
    app.add_handler(MessageHandler(private & filters.TEXT, handlers.on_text))
    app.add_handler(MessageHandler(private & filters.LOCATION, handlers.on_location))
    media = {
        "input.voice": filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE,
        "input.photo": filters.PHOTO,
        "input.sticker": filters.Sticker.ALL | filters.ANIMATION,
        "input.document": filters.Document.ALL,
    }
    for key, kind in media.items():
        app.add_handler(MessageHandler(private & kind, handlers.notice(key)))
    app.add_handler(MessageHandler(private, handlers.notice("input.unsupported")))
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_error_handler(handlers.on_error)


async def start_application(app: Application) -> None:
    """Initialize and start the application, with the command menu set."""
    await app.initialize()
    await set_command_menu(app)
    await app.start()


async def set_command_menu(app: Application) -> None:
    """Show the safety commands in Telegram's menu, in every language, /exit first."""
    order = ["exit", "help", "language", "forget", "start"]
    for lang in available_languages():
        commands = [BotCommand(name, translate(f"command.{name}", lang.code)) for name in order]
        code = None if lang.code == "en" else lang.code
        await app.bot.set_my_commands(commands, language_code=code)


async def run_telegram(settings: Settings, conversations: Conversations) -> None:
    """Run the gateway until cancelled: long polling, or a webhook in production."""
    app = build_application(settings, conversations)
    await start_application(app)
    assert app.updater is not None
    try:
        if settings.telegram_mode == TelegramMode.WEBHOOK:
            secret = settings.telegram_webhook_secret.get_secret_value()
            if not secret or not settings.telegram_webhook_url:
                raise ValueError(
                    "webhook mode needs HELPLINE_TELEGRAM_WEBHOOK_URL and "
                    "HELPLINE_TELEGRAM_WEBHOOK_SECRET"
                )
            await app.updater.start_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path="telegram",
                webhook_url=settings.telegram_webhook_url,
                allowed_updates=ALLOWED_UPDATES,
                # Telegram sends this back in a header; requests without it get 403.
                secret_token=secret,
            )
        else:
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        log.info("Telegram gateway running (%s)", settings.telegram_mode.value)
        await asyncio.Event().wait()
    finally:
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()
