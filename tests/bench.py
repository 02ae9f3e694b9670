"""`make bench`: how fast a person gets an answer, and what the helpline costs in memory.

Runs the real engine and action server (or uses a running helpline) and sends
turns through the same path as Telegram and the console. Reports medians and
ratios from one run; nothing here asserts a time (shared machines are noisy).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from bot.conversation import Turn
from bot.engine import engine_running
from bot.runner import conversations_for
from bot.settings import get_settings
from bot.supervisor import stderr_progress

TURNS = [
    "hello",
    "my boss took my passport and i cannot leave",
    "mi jefe me quitó el pasaporte",
    "老板拿走了我的护照",
    "นายจ้างยึดพาสปอร์ต",
    "i need a lawyer",
    "are you a bot?",
    "thank you",
]
ROUNDS = 10


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main() -> None:
    settings = get_settings()
    async with engine_running(settings, progress=stderr_progress) as rasa:
        conversations = conversations_for(settings, rasa, channel="console")
        await conversations.handle("bench-warmup", Turn(text="hello"))
        by_kind: dict[str, list[float]] = {"rasa": [], "command": [], "crisis": []}
        for round_number in range(ROUNDS):
            user = f"bench-{round_number}"
            for text in TURNS:
                started = time.perf_counter()
                await conversations.handle(user, Turn(text=text))
                by_kind["rasa"].append(time.perf_counter() - started)
            started = time.perf_counter()
            await conversations.handle(user, Turn(command="/help"))
            by_kind["command"].append(time.perf_counter() - started)
            started = time.perf_counter()
            await conversations.handle(user, Turn(text="help me now they are coming"))
            by_kind["crisis"].append(time.perf_counter() - started)
        print(f"{'turn kind':<10} {'n':>4} {'median ms':>10} {'p90 ms':>8}")
        for kind, times in by_kind.items():
            ordered = sorted(times)
            p90 = ordered[int(0.9 * (len(ordered) - 1))]
            median = statistics.median(times) * 1000
            print(f"{kind:<10} {len(times):>4} {median:>10.1f} {p90 * 1000:>8.1f}")
        ratio = statistics.median(by_kind["rasa"]) / statistics.median(by_kind["command"])
        print(f"a turn through Rasa costs {ratio:.0f}x a safety command answered locally")
        print(f"gateway process RSS: {rss_mb(os.getpid()):.0f} MB")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
