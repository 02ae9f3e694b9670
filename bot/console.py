"""The console chat: the same path as Telegram (pseudonym, Rasa, actions, presenter),
in a terminal or as JSON lines for tests and tools.

JSON mode reads one turn per line: plain text, or an object such as
{"text": "..."}, {"button": "<payload>"}, {"command": "/exit"} or
{"location": [lat, lon]}; it prints one JSON object per turn.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import threading
from typing import Any, TextIO

from bot.conversation import Conversations, Turn, TurnResult
from bot.presenter import Reply


def parse_json_turn(line: str) -> Turn:
    """A line of the JSON protocol; anything that is not a turn object is plain text."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            data: Any = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if isinstance(data.get("text"), str):
                return Turn(text=data["text"])
            if isinstance(data.get("button"), str):
                return Turn(button=data["button"])
            if isinstance(data.get("command"), str):
                return Turn(command=data["command"])
            location = data.get("location")
            if isinstance(location, list) and len(location) == 2:
                try:
                    return Turn(location=(float(location[0]), float(location[1])))
                except (TypeError, ValueError):
                    pass
    return Turn(text=line.rstrip("\n"))


def turn_as_json(number: int, result: TurnResult) -> str:
    data: dict[str, Any] = {
        "turn": number,
        "language": result.language,
        "replies": [reply.as_json() for reply in result.replies],
    }
    if result.exit:
        data["exit"] = True
    return json.dumps(data, ensure_ascii=False)


async def chat_json(
    conversations: Conversations, user: str, *, language: str | None, lines: TextIO, out: TextIO
) -> None:
    number = 0
    for line in _read_lines(lines):
        number += 1
        turn = parse_json_turn(line)
        # --language is the person's choice: it applies from the first turn on.
        result = await conversations.handle(
            user, _with_language(turn, language if number == 1 else None)
        )
        print(turn_as_json(number, result), file=out, flush=True)


async def chat_interactive(
    conversations: Conversations, user: str, *, language: str | None, out: TextIO
) -> None:
    print(
        "Type a message. Numbers press buttons; /help, /language, /forget, /exit work "
        "as on Telegram. Ctrl-D leaves.",
        file=out,
    )
    buttons: list[str] = []
    lines = _typed_lines()
    first = True
    while True:
        print("> ", end="", file=out, flush=True)
        line = await lines.get()
        if line is None:
            return
        turn = _interactive_turn(line, buttons)
        result = await conversations.handle(user, _with_language(turn, language if first else None))
        first = False
        buttons = _show(result.replies, out)
        if result.exit:
            print("(chat cleared)", file=out)


def _typed_lines() -> asyncio.Queue[str | None]:
    """Lines typed at the prompt, read by a daemon thread; None at end of input.

    The thread reads the file descriptor itself (os.read): a daemon thread
    blocked inside Python's buffered stdin would abort the interpreter at exit,
    and one in the loop's default executor would keep it from exiting at all.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(0, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                if pending:
                    loop.call_soon_threadsafe(queue.put_nowait, pending.decode(errors="replace"))
                loop.call_soon_threadsafe(queue.put_nowait, None)
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                loop.call_soon_threadsafe(queue.put_nowait, line.decode(errors="replace"))

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return queue


def _interactive_turn(line: str, buttons: list[str]) -> Turn:
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Turn(button=buttons[int(text) - 1])
    if text.startswith("/"):
        return Turn(command=text)
    return Turn(text=line)


def _show(replies: list[Reply], out: TextIO) -> list[str]:
    payloads: list[str] = []
    for reply in replies:
        print(reply.text, file=out)
        for button in reply.buttons:
            payloads.append(button.payload)
            print(f"  [{len(payloads)}] {button.title}", file=out)
    print(file=out, flush=True)
    return payloads


def _with_language(turn: Turn, language: str | None) -> Turn:
    if language is None:
        return turn
    return dataclasses.replace(turn, chosen_language=language)


def _read_lines(stream: TextIO) -> Any:
    while True:
        line = stream.readline()
        if not line:
            return
        yield line


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
