"""Replies -> Telegram messages: escaped HTML, inline keyboards, tappable numbers, venues.

Every message goes out with protect_content (set as a default in app.py), so
it cannot be forwarded or saved from the chat.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.ext import ExtBot

from bot.i18n import translate
from bot.presenter import COMMAND_PAYLOAD_PREFIX, Reply

# Telegram allows 64 bytes of callback data; payloads longer than that are
# dropped from the keyboard rather than sent broken.
CALLBACK_DATA_LIMIT = 64
MESSAGE_LIMIT = 4096
QUICK_EXIT = f"{COMMAND_PAYLOAD_PREFIX}exit"


def html_text(text: str) -> str:
    """Escape for Telegram HTML.

    Phone numbers are left as text: Telegram marks numbers in international form
    (+66 2 123 4567) as phone numbers itself, tappable to call, while an
    `<a href="tel:...">` is not a link scheme Telegram documents for messages and
    could get a whole reply refused. The numbers we send are international
    (`readable_phone`), except short national codes (191, 1300).
    """
    return html.escape(text, quote=False)


def keyboard(reply: Reply, *, language: str, quick_exit: bool) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(button.title, callback_data=button.payload)]
        for button in reply.buttons
        if len(button.payload.encode()) <= CALLBACK_DATA_LIMIT
    ]
    if quick_exit and not any(b.payload == QUICK_EXIT for b in reply.buttons):
        rows.append(
            [InlineKeyboardButton(translate("menu.exit", language), callback_data=QUICK_EXIT)]
        )
    return InlineKeyboardMarkup(rows) if rows else None


async def send_reply(
    bot: ExtBot[Any], chat_id: int, reply: Reply, *, language: str, last: bool
) -> list[Message]:
    """Send one reply; the last of a turn carries the quick-exit button."""
    sent: list[Message] = []
    text = reply.text[:MESSAGE_LIMIT]
    sent.append(
        await bot.send_message(
            chat_id,
            html_text(text),
            reply_markup=keyboard(reply, language=language, quick_exit=last),
        )
    )
    if reply.place is not None:
        place = reply.place
        if place.title and place.address:
            sent.append(
                await bot.send_venue(
                    chat_id, place.latitude, place.longitude, place.title, place.address
                )
            )
        else:
            sent.append(await bot.send_location(chat_id, place.latitude, place.longitude))
    return sent
