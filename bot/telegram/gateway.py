"""The Telegram side of a turn: order and pace per chat, sending, and the quick exit.

The conversation logic itself is channel-free (bot/conversation.py); this
module only knows Telegram: which messages are on the device, how to send
and delete them, and how to leave a group.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.conversation import Conversations, Turn, TurnResult, is_quick_exit
from bot.i18n import negotiate, translate
from bot.message_log import MessageLog
from bot.telegram.flood import FloodGate, SeenUpdates
from bot.telegram.render import send_reply

log = logging.getLogger(__name__)

DELETE_BATCH = 100  # deleteMessages takes at most 100 ids


class Gateway:
    def __init__(
        self,
        conversations: Conversations,
        message_log: MessageLog,
        *,
        flood: FloodGate | None = None,
    ) -> None:
        self.conversations = conversations
        self.message_log = message_log
        self.flood = flood or FloodGate()
        self.seen = SeenUpdates()
        # Per chat, how many quick exits it has made: a turn that was waiting when
        # the person left sees the number change and answers nothing.
        self._exits: dict[int, int] = {}
        self._bot: ExtBot[Any] | None = None

    def attach(self, bot: ExtBot[Any]) -> None:
        self._bot = bot

    @property
    def bot(self) -> ExtBot[Any]:
        assert self._bot is not None, "attach() the bot first"
        return self._bot

    async def take_turn(self, update: Update, turn: Turn) -> None:
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        if user is not None and user.language_code:
            turn = _with_client_language(turn, user.language_code)
        if is_quick_exit(turn):
            await self._quick_exit(chat.id, update, turn)
            return
        generation = self._exits.get(chat.id, 0)
        delay = self.flood.delay_for(chat.id)
        async with self.flood.lock(chat.id):
            if self._exits.get(chat.id, 0) != generation:
                # The person left after sending this: it is not answered, and it
                # goes from the device with the rest.
                await self._clear_chat(chat.id, _incoming_id(update))
                return
            if delay:
                await asyncio.sleep(delay)
            pseudonym = self.conversations.pseudonym(chat.id)
            incoming = _incoming_id(update)
            on_device = self.message_log.deletable(pseudonym)
            result = await self.conversations.handle(chat.id, turn)
            if result.exit:
                await self._clear_chat(chat.id, [*on_device, *incoming])
                self.flood.forget(chat.id)
                return
            if self._exits.get(chat.id, 0) != generation:
                # The person left while this turn ran: send nothing, and the exit
                # (waiting for this turn) forgets what it stored; delete its message.
                await self._clear_chat(chat.id, incoming)
                return
            sent = await self._send(chat.id, result)
            self.message_log.record(pseudonym, [*incoming, *(m.message_id for m in sent)])

    async def _quick_exit(self, chat_id: int, update: Update, turn: Turn) -> None:
        """Leave at once, not after the turns still queued for this chat.

        Queued turns are dropped unanswered; one already running sends nothing
        more. Once it is done, whatever it still stored or sent is forgotten and
        deleted too: nothing shows on the device after the exit.
        """
        self._exits[chat_id] = self._exits.get(chat_id, 0) + 1
        pseudonym = self.conversations.pseudonym(chat_id)
        on_device = self.message_log.deletable(pseudonym)
        await self.conversations.handle(chat_id, turn)  # forgets everything now
        await self._clear_chat(chat_id, [*on_device, *_incoming_id(update)])
        async with self.flood.lock(chat_id):
            late = self.message_log.deletable(pseudonym)
            await self.conversations.handle(chat_id, turn)
            if late:
                await self._clear_chat(chat_id, late)
        self.flood.forget(chat_id)

    async def _send(self, chat_id: int, result: TurnResult) -> list[Message]:
        sent: list[Message] = []
        for index, reply in enumerate(result.replies):
            last = index == len(result.replies) - 1
            sent += await send_reply(self.bot, chat_id, reply, language=result.language, last=last)
        return sent

    async def _clear_chat(self, chat_id: int, message_ids: list[int]) -> None:
        """Delete every message the bot may delete; send nothing that could notify."""
        ids = sorted(set(message_ids))
        for start in range(0, len(ids), DELETE_BATCH):
            try:
                await self.bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
            except TelegramError as error:
                log.warning("quick exit: a batch could not be deleted (%s)", type(error).__name__)
        log.info("quick exit: %d messages deleted", len(ids))

    async def leave_group(self, chat_id: int, *, client_language: str | None) -> None:
        text = translate("group.private_only", negotiate(client_language))
        try:
            await self.bot.send_message(chat_id, text)
        finally:
            await self.bot.leave_chat(chat_id)
        log.info("left a group chat")

    async def answer_failure(self, update: Update) -> None:
        """Something broke in our code: still answer, with the hotline and emergency numbers."""
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        turn = Turn(
            notice="fallback.unavailable", client_language=user.language_code if user else None
        )
        try:
            result = await self.conversations.handle(chat.id, turn)
            await self._send(chat.id, result)
        except Exception as error:  # the last line of defence must not raise
            log.error("could not send the failure answer: %s", type(error).__name__)


def _incoming_id(update: Update) -> list[int]:
    message = update.message or update.edited_message
    return [message.message_id] if message is not None else []


def _with_client_language(turn: Turn, code: str) -> Turn:
    from dataclasses import replace

    return replace(turn, client_language=negotiate(code))
