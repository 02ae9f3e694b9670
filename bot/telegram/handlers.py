"""Telegram callbacks: each turns an update into a `Turn` and hands it to the gateway.

Log lines here never carry text, chat ids or names (DESIGN.md section 6).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.conversation import Turn
from bot.telegram.gateway import Gateway

log = logging.getLogger(__name__)


def gateway_of(context: ContextTypes.DEFAULT_TYPE) -> Gateway:
    gateway = context.bot_data["gateway"]
    assert isinstance(gateway, Gateway)
    return gateway


async def drop_repeated_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an update Telegram delivered before."""
    if not gateway_of(context).seen.first_time(update.update_id):
        log.info("ignored a repeated update")
        raise ApplicationHandlerStop


async def refuse_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the helpline talks only in private, then leave the group."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    user = update.effective_user
    await gateway_of(context).leave_group(
        chat.id, client_language=user.language_code if user else None
    )
    raise ApplicationHandlerStop


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pass a typed message on."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await gateway_of(context).take_turn(update, Turn(text=message.text))


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle /start, /help, /language, /forget, /exit and any unknown command."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await gateway_of(context).take_turn(update, Turn(command=message.text))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge a button press and pass its payload on."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except TelegramError:
        log.warning("could not acknowledge a button press")  # the turn still goes on
    await gateway_of(context).take_turn(update, Turn(button=query.data or ""))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pass a shared location on."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    where = (message.location.latitude, message.location.longitude)
    await gateway_of(context).take_turn(update, Turn(location=where))


def notice(key: str):  # type: ignore[no-untyped-def]
    """A callback that answers with one message of the gateway's own."""

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await gateway_of(context).take_turn(update, Turn(notice=key))

    answer.__doc__ = f"Answer with {key}."
    return answer


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Never silence: tell the person we could not answer, with the numbers to call."""
    # The exception's text can quote a message; log its type only.
    log.error("error while handling an update: %s", type(context.error).__name__)
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.effective_chat.type == ChatType.PRIVATE:
            await gateway_of(context).answer_failure(update)
