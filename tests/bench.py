"""`make bench`: how fast a person gets an answer, and what the helpline costs in memory.

Starts the real engine and action server on a data folder of its own, with a
synthetic directory of 2,000 services in 20 cities, and sends turns through the
same path as Telegram and the console. Reports medians and ratios from one run;
nothing here asserts a time (shared machines are noisy).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

from bot.conversation import Turn
from bot.db.session import session_factory, upgrade
from bot.directory.models import (
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceNeed,
)
from bot.engine import engine_running
from bot.runner import conversations_for
from bot.settings import Settings, get_settings
from bot.supervisor import stderr_progress

CITIES = {
    "Bangkok": (13.75, 100.50),
    "Chiang Mai": (18.79, 98.98),
    "London": (51.51, -0.13),
    "Manchester": (53.48, -2.24),
    "New York": (40.71, -74.01),
    "Houston": (29.76, -95.37),
    "Madrid": (40.42, -3.70),
    "Paris": (48.86, 2.35),
    "Lisbon": (38.72, -9.14),
    "Dubai": (25.20, 55.27),
    "Riyadh": (24.71, 46.68),
    "Tehran": (35.69, 51.39),
    "Moscow": (55.76, 37.62),
    "Kyiv": (50.45, 30.52),
    "Hanoi": (21.03, 105.85),
    "Manila": (14.60, 120.98),
    "Shanghai": (31.23, 121.47),
    "Kuala Lumpur": (3.14, 101.69),
    "Lima": (-12.05, -77.04),
    "Cairo": (30.04, 31.24),
}
NEEDS = ("shelter", "legal", "medical", "counselling", "labour", "immigration")
SEARCHES = [
    "I need a shelter in Bangkok",
    "necesito un abogado en Madrid",
    "我在上海需要看医生",
    "мне нужна помощь юриста в Москве",
]

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def synthetic_directory(settings: Settings, count: int = 2000) -> None:
    """`count` services spread over CITIES, each with a location, a phone and hours."""
    url = settings.resolved_database_url()
    upgrade(url)
    shuffle = random.Random(7)
    with session_factory(url)() as session:
        for n in range(count):
            city, (lat, lon) = list(CITIES.items())[n % len(CITIES)]
            org = Organization(id=f"bench-org-{n}", name=f"Organisation {n}")
            service = Service(
                id=f"bench-svc-{n}",
                organization=org,
                name=f"{city} service {n}",
                status="active",
                trafficking_specialist=n % 5 == 0,
                assured_date=date(2026, 10, 1),
            )
            # Every need in every city: need by block of cities, city by remainder.
            service.needs = [ServiceNeed(need=NEEDS[(n // len(CITIES)) % len(NEEDS)])]
            location = Location(
                id=f"bench-loc-{n}",
                latitude=lat + shuffle.uniform(-0.2, 0.2),
                longitude=lon + shuffle.uniform(-0.2, 0.2),
                timezone="UTC",
            )
            service.at_locations = [ServiceAtLocation(id=f"bench-sal-{n}", location=location)]
            service.phones = [Phone(id=f"bench-ph-{n}", number=f"+4420790{n:05d}")]
            service.schedules = [
                Schedule(
                    id=f"bench-sch-{n}-{d}",
                    freq="WEEKLY",
                    byday=d,
                    opens_at=clock(9),
                    closes_at=clock(17),
                )
                for d in ("MO", "TU", "WE", "TH", "FR")
            ]
            session.add_all([org, location, service])
        session.commit()


def action_server_rss(settings: Settings) -> float:
    """The action server holds the gazetteer and the directory queries."""
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rasa_sdk" in argv and str(settings.actions_port).encode() in argv:
            return rss_mb(int(proc.name))
    return 0.0


async def main() -> None:
    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="helpline-bench-") as data:
        settings = base.model_copy(
            update={"data_dir": Path(data), "rasa_port": free_port(), "actions_port": free_port()}
        )
        started = time.perf_counter()
        synthetic_directory(settings)
        stderr_progress(f"2,000 services written in {time.perf_counter() - started:.1f} s")
        await measure(settings)


async def measure(settings: Settings) -> None:
    async with engine_running(settings, progress=stderr_progress) as rasa:
        conversations = conversations_for(settings, rasa, channel="console")
        await conversations.handle("bench-warmup", Turn(text="hello"))
        await conversations.handle("bench-warmup", Turn(text=SEARCHES[0]))  # gazetteer loaded
        by_kind: dict[str, list[float]] = {
            "rasa": [],
            "command": [],
            "crisis": [],
            "search": [],
            "more": [],
        }
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
            for text in SEARCHES:
                started = time.perf_counter()
                result = await conversations.handle(user, Turn(text=text))
                by_kind["search"].append(time.perf_counter() - started)
                if result.replies and result.replies[0].key != "services.found":
                    stderr_progress(f"note: {text!r} got {result.replies[0].key}")
                started = time.perf_counter()
                await conversations.handle(user, Turn(button="/more_services"))
                by_kind["more"].append(time.perf_counter() - started)
        print(f"{'turn kind':<10} {'n':>4} {'median ms':>10} {'p90 ms':>8}")
        for kind, times in by_kind.items():
            ordered = sorted(times)
            p90 = ordered[int(0.9 * (len(ordered) - 1))]
            median = statistics.median(times) * 1000
            print(f"{kind:<10} {len(times):>4} {median:>10.1f} {p90 * 1000:>8.1f}")
        ratio = statistics.median(by_kind["rasa"]) / statistics.median(by_kind["command"])
        print(f"a turn through Rasa costs {ratio:.0f}x a safety command answered locally")
        search = statistics.median(by_kind["search"]) / statistics.median(by_kind["rasa"])
        print(f"a search in 2,000 services costs {search:.1f}x an ordinary turn through Rasa")
        print(f"gateway process RSS: {rss_mb(os.getpid()):.0f} MB")
        print(f"action server RSS (gazetteer, directory): {action_server_rss(settings):.0f} MB")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
