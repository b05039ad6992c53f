"""Shared benchmark tooling: the machine, tables, the fake Telegram in its own process, the bot.

The fake runs in a separate process so that the bot (or the bare python-telegram-bot loop it is
compared with) has an event loop, and a CPU core, to itself, as it would against Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import importlib.util
import logging
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from telegram.ext import Application, SimpleUpdateProcessor

from bot.clock import FakeClock, utc_iso
from bot.config import Settings
from bot.core import Core
from bot.scheduling.dispatcher import Dispatcher
from silta.app import Limits, build_application, shutdown, startup
from storage import people as people_repo
from storage.db import Database
from storage.models import Client

ROOT = Path(__file__).resolve().parent.parent
# Tuesday 1 December 2026, 12:00 in Helsinki: a working day, far from quiet hours.
NOON = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwx"
FIRST_CHAT = 10_000_000
LANGUAGES = ("fi", "sv", "en", "fi", "ru", "fi", "ar", "et")
NOTICES = (
    {"notice": "appt_new", "at": "2026-12-03T08:30:00+00:00", "place": "Kela, Kauppakatu 1"},
    {"notice": "handover", "worker": "Maria"},
    {"notice": "appt_changed", "at": "2026-12-04T11:00:00+00:00", "place": "Sosiaalitoimisto"},
    {"notice": "resumed"},
)


# --- the machine and the tables ------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    return [
        ("CPU", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("RAM", _ram_gib()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("python-telegram-bot", _version("python-telegram-bot")),
        ("aiohttp / httpx", f"{_version('aiohttp')} / {_version('httpx')}"),
        ("aiosqlite", _version("aiosqlite")),
    ]


def print_machine() -> None:
    """Print the machine as a two-column table."""
    print_table("Machine", ["", ""], machine())


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Markdown table (pastes straight into bench/README.md)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}\n")
    for n, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with --quick."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a smaller, faster run")
    return p


def quiet_logs() -> None:
    """Benchmarks print tables, not the bot's log."""
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


# --- clocks ----------------------------------------------------------------------------------


class RunningClock:
    """Real time, shifted to start at `start` (so a run at night is still inside daytime)."""

    def __init__(self, start: datetime = NOON) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """`start` plus the real time elapsed since the clock was made."""
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


def fixed_clock() -> FakeClock:
    """Weekday noon in Helsinki, not moving."""
    return FakeClock(NOON)


# --- the fake Telegram in its own process ----------------------------------------------------


class FakeProcess:
    """``python -m bench.fakeserver`` as a child process, with its control endpoints."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.api_url = ""
        self.http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> FakeProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fakeserver",
            "--port",
            "0",
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        self.api_url = line.decode().strip()
        base = self.api_url.removesuffix("/bot")
        self.http = httpx.AsyncClient(base_url=base, timeout=120)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.aclose()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        assert self.http is not None
        response = await self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    async def faults(self, **body: Any) -> None:
        """POST /_control/faults (e.g. rate_limit={...} or clear=True)."""
        await self._call("POST", "/_control/faults", json=body)

    async def state(self) -> dict[str, Any]:
        return (await self._call("GET", "/_control/state"))["result"]  # type: ignore[no-any-return]

    async def sends(self, since: float = 0.0) -> dict[str, Any]:
        """Times of accepted sends since a monotonic instant, and the 429 count."""
        return await self._call("GET", "/_bench/sends", params={"since": since})  # type: ignore[no-any-return]

    async def forget(self) -> None:
        await self._call("POST", "/_bench/forget")

    async def requests(self, method: str) -> list[dict[str, Any]]:
        return (await self._call("GET", "/_control/requests", params={"method": method}))["result"]

    async def presses(self, chats: list[int], rate: float, seconds: float) -> dict[str, Any]:
        return await self._call(  # type: ignore[no-any-return]
            "POST",
            "/_bench/presses",
            json={"chats": chats, "rate": rate, "seconds": seconds},
            timeout=seconds + 120,
        )


# --- the bot ---------------------------------------------------------------------------------


def settings_for(api_url: str, db: Path, **extra: Any) -> Settings:
    """Settings for a bot that talks to the fake."""
    return Settings(
        token=TOKEN,
        api_url=api_url,
        db=db,
        admin_ids=[],
        poll_safety=3600.0,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


async def start_bot(
    api_url: str,
    db: Path,
    clock: Any,
    limits: Limits,
    *,
    poll: bool = True,
    rate_limiter: Any = None,
    concurrent_updates: int = 0,
) -> Application:
    """The real Application, started the way `silta run` starts it (and the test harness).

    `rate_limiter` and `concurrent_updates` replace what build_application set up, to measure
    a proposed setting.
    """
    app = build_application(settings_for(api_url, db), clock=clock, limits=limits)
    if rate_limiter is not None:
        app.bot._rate_limiter = rate_limiter  # type: ignore[attr-defined]
    if concurrent_updates > 1:
        app._update_processor = SimpleUpdateProcessor(concurrent_updates)  # type: ignore[attr-defined]
    await app.initialize()
    await startup(app)
    await app.start()
    if poll:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return app


async def stop_bot(app: Application) -> None:
    """Stop polling and the dispatcher, close the database."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await shutdown(app)
    await app.shutdown()


@contextlib.asynccontextmanager
async def threaded_tx(db: Database) -> AsyncIterator[Any]:
    """A transaction whose every statement is a round trip to aiosqlite's thread (how
    Database.tx() ran before its statements moved to the loop's thread), to compare."""
    async with db._lock:
        await db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db.conn
        except BaseException:
            await db.conn.execute("ROLLBACK")
            raise
        else:
            await db.conn.execute("COMMIT")


def core_of(app: Application) -> Core:
    return app.bot_data.core  # type: ignore[no-any-return]


def dispatcher_of(app: Application) -> Dispatcher:
    return app.bot_data.dispatcher  # type: ignore[no-any-return]


async def joined_clients(core: Core, count: int, per_worker: int = 100) -> list[Client]:
    """`count` joined, active clients made through the repositories (as onboarding leaves them)."""
    now = core.now()
    clients: list[Client] = []
    async with core.db.tx() as conn:
        worker = None
        for i in range(count):
            if i % per_worker == 0:
                worker = await people_repo.add_worker(
                    conn, name=f"Worker {i // per_worker}", now=now, telegram_id=FIRST_CHAT - 1 - i
                )
            assert worker is not None
            client = await people_repo.add_client(
                conn,
                nickname=f"C{i}",
                worker_id=worker.id,
                language=LANGUAGES[i % len(LANGUAGES)],
                now=now,
                release_date=(now - timedelta(days=i % 90)).date(),
            )
            updated = await people_repo.update_client(
                conn,
                client.id,
                telegram_id=FIRST_CHAT + i,
                status="active",
                joined_at=now,
                consent_at=now,
            )
            assert updated is not None
            clients.append(updated)
    return clients


# --- big tables with plain sqlite3 (test tooling only) ---------------------------------------


def bulk_people(path: Path, clients: int, *, per_worker: int = 100, now: datetime = NOON) -> None:
    """Workers and joined clients written straight with executemany (the schema must exist)."""
    stamp = utc_iso(now)
    db = sqlite3.connect(path)
    try:
        workers = max(1, -(-clients // per_worker))
        db.executemany(
            "INSERT INTO workers(id, telegram_id, name, role, language, created_at) "
            "VALUES (?, ?, ?, 'worker', 'fi', ?)",
            [(w + 1, FIRST_CHAT - 1 - w, f"Worker {w}", stamp) for w in range(workers)],
        )
        db.executemany(
            "INSERT INTO clients(id, nickname, worker_id, language, telegram_id, status, "
            "release_date, joined_at, consent_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)",
            [
                (
                    i + 1,
                    f"C{i}",
                    i // per_worker + 1,
                    LANGUAGES[i % len(LANGUAGES)],
                    FIRST_CHAT + i,
                    (now.date() - timedelta(days=i % 120)).isoformat(),
                    stamp,
                    stamp,
                    stamp,
                )
                for i in range(clients)
            ],
        )
        db.commit()
    finally:
        db.close()


def bulk_items(path: Path, clients: int, *, now: datetime = NOON, every: int = 5) -> None:
    """An appointment and an open deadline for every `every`-th client."""
    stamp = utc_iso(now)
    db = sqlite3.connect(path)
    try:
        chosen = range(1, clients + 1, every)
        db.executemany(
            "INSERT INTO appointments(client_id, at, place, created_at, updated_at) "
            "VALUES (?, ?, 'Sosiaalitoimisto', ?, ?)",
            [
                (cid, utc_iso(now + timedelta(days=1 + cid % 20, hours=cid % 5)), stamp, stamp)
                for cid in chosen
            ],
        )
        db.executemany(
            "INSERT INTO deadlines(client_id, kind, due_date, created_at) VALUES (?, ?, ?, ?)",
            [
                (cid, "kela_report", (now.date() + timedelta(days=3 + cid % 25)).isoformat(), stamp)
                for cid in chosen
            ],
        )
        db.commit()
    finally:
        db.close()


async def fresh_schema(path: Path) -> None:
    """An empty database with every migration applied."""
    from storage.db import migrate

    await migrate(path)


def day(offset: int) -> date:
    return (NOON + timedelta(days=offset)).date()
