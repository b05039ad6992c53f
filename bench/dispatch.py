"""Benchmark 1: raw dispatch throughput, Silta against a bare python-telegram-bot loop.

``python -m bench.dispatch [--quick] [--messages N] [--chats N] [--rounds N]``
``[--concurrency N] [--via-thread]``

20,000 due client notices to 2,000 joined clients, rate limit lifted, end to end (claim, prepare,
send, record), beside a bare loop that sends the same texts to the same fake server with the same
concurrency (the Dispatcher's sends in flight) and the same HTTP connection pool, once on PTB's
default HTTPXRequest and once on the AiohttpRequest Silta uses (bot/http.py); the fair ratio is
the one against the same HTTP client. Rounds
alternate so that warm-up and noise hit both sides alike; the best round of each is compared.

Two switches measure what a design choice buys: ``--concurrency N`` sends N at once on both sides
(the Dispatcher's setting is CONCURRENCY), and ``--via-thread`` runs the dispatcher's batch
transactions through aiosqlite's thread, statement by statement, as Database.tx() does, instead
of Database.tx()'s direct calls.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.constants import ParseMode
from telegram.request import HTTPXRequest

from bench import common
from bot.http import AiohttpRequest
from bot.i18n import translator
from bot.messages import client_notice
from bot.scheduling import dispatcher as dispatcher_module
from silta.app import Limits
from storage import outbox
from storage.models import Client
from storage.outbox import Planned

# The Dispatcher's sends in flight (32 before it became a named setting).
CONCURRENCY: int = getattr(dispatcher_module, "CONCURRENCY", 32)


@dataclass(frozen=True)
class Run:
    """One timed run: wall seconds, messages sent, and the CPU seconds of the event loop's
    thread and of the process's other threads (aiosqlite's) meanwhile."""

    seconds: float
    sent: int
    loop_cpu: float
    other_cpu: float

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def _other_threads_cpu() -> float:
    """CPU seconds of this process's threads other than the calling one (Linux /proc)."""
    me = threading.get_native_id()
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0.0
    for task in tasks:
        if int(task) == me:
            continue
        try:
            with open(f"/proc/self/task/{task}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class _Timer:
    """Wall time and CPU (this thread, the others) from start() to stop()."""

    def start(self) -> None:
        self.wall, self.cpu, self.others = (
            time.perf_counter(),
            time.thread_time(),
            _other_threads_cpu(),
        )

    def stop(self, sent: int) -> Run:
        return Run(
            time.perf_counter() - self.wall,
            sent,
            time.thread_time() - self.cpu,
            _other_threads_cpu() - self.others,
        )


def notices(clients: list[Client], total: int) -> list[tuple[Client, dict[str, str]]]:
    """`total` notices, round-robin over the clients (a burst: everyone gets one, then again)."""
    return [
        (clients[i % len(clients)], common.NOTICES[(i // len(clients)) % len(common.NOTICES)])
        for i in range(total)
    ]


async def run_silta(
    api_url: str, tmp: Path, chats: int, total: int, *, via_thread: bool = False
) -> Run:
    """Claim, send and record `total` rows, timed."""
    db = tmp / f"silta-{time.monotonic_ns()}.db"
    app = await common.start_bot(
        api_url, db, common.fixed_clock(), Limits(overall_per_second=0), poll=True
    )
    try:
        core = common.core_of(app)
        dispatcher = common.dispatcher_of(app)
        dispatcher.concurrency = CONCURRENCY
        if via_thread:
            db = core.db
            db.tx = lambda: common.threaded_tx(db)  # type: ignore[method-assign]
        clients = await common.joined_clients(core, chats)
        now = core.now()
        async with core.db.tx() as conn:
            await outbox.add_many(
                conn,
                [
                    Planned(
                        key=f"bench:{n}",
                        kind="client_notice",
                        due_at=now,
                        client_id=client.id,
                        payload=payload,
                    )
                    for n, (client, payload) in enumerate(notices(clients, total))
                ],
                now,
            )
        before = dispatcher.sent
        timer = _Timer()
        timer.start()
        await dispatcher.run_due()
        await dispatcher.drain()
        run = timer.stop(dispatcher.sent - before)
        async with core.db.read() as conn:
            states = await outbox.count_by_state(conn)
            due = await outbox.next_due(conn)
        if states.get("sending") or (due is not None and due <= core.now()):
            raise RuntimeError(f"rows left unsent: {states}")
        return run
    finally:
        await common.stop_bot(app)


async def run_bare(api_url: str, chats: int, total: int, http: str) -> Run:
    """The same messages through a bare Bot: no database, no rendering, just sends.

    http: "httpx" is PTB's default HTTPXRequest, "aiohttp" the request class Silta uses.
    """
    kind = HTTPXRequest if http == "httpx" else AiohttpRequest
    request = kind(
        connection_pool_size=Limits().connection_pool,
        read_timeout=10.0,
        write_timeout=10.0,
        pool_timeout=10.0,
    )
    bot = Bot(common.TOKEN, base_url=api_url, request=request)
    await bot.initialize()
    zone = ZoneInfo("Europe/Helsinki")
    texts = []
    for i in range(total):
        chat = i % chats
        t = translator(common.LANGUAGES[chat % len(common.LANGUAGES)])
        payload = common.NOTICES[(i // chats) % len(common.NOTICES)]
        message = client_notice(t, zone, payload["notice"], payload)
        texts.append((common.FIRST_CHAT + chat, message.text))
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for item in texts:
        queue.put_nowait(item)
    sent = 0

    async def worker() -> None:
        nonlocal sent
        while not queue.empty():
            chat_id, text = queue.get_nowait()
            await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, protect_content=True)
            sent += 1

    timer = _Timer()
    timer.start()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    run = timer.stop(sent)
    await bot.shutdown()
    return run


async def main_async(messages: int, chats: int, rounds: int, via_thread: bool) -> None:
    common.quiet_logs()
    common.print_machine()
    results: dict[str, list[Run]] = {"httpx": [], "aiohttp": [], "silta": []}
    with tempfile.TemporaryDirectory(prefix="silta-bench-") as tmp:
        async with common.FakeProcess() as fake:
            for n in range(rounds):
                for http in ("httpx", "aiohttp"):
                    print(f"round {n + 1}/{rounds}: bare loop on {http} ...", flush=True)
                    results[http].append(await run_bare(fake.api_url, chats, messages, http))
                    await fake.forget()
                print(f"round {n + 1}/{rounds}: Silta ...", flush=True)
                results["silta"].append(
                    await run_silta(fake.api_url, Path(tmp), chats, messages, via_thread=via_thread)
                )
                await fake.forget()
            state = await fake.state()
    rows = []
    best = {}
    for name, label in (
        ("httpx", "bare PTB loop, HTTPXRequest (PTB's default)"),
        ("aiohttp", "bare PTB loop, AiohttpRequest (as Silta)"),
        ("silta", "Silta dispatcher"),
    ):
        rates = [run.rate for run in results[name]]
        best[name] = max(rates)
        rows.append(
            [
                label,
                f"{messages:,} to {chats:,} chats",
                " / ".join(f"{r:,.0f}" for r in rates),
                f"{max(rates):,.0f}",
            ]
        )
    for http in ("httpx", "aiohttp"):
        ratio = best["silta"] / best[http]
        # The goal is against the same HTTP client; the httpx row shows what aiohttp buys.
        goal = 0.9 if http == "aiohttp" else 0.8
        verdict = common.verdict(ratio >= goal)
        # Each round's Silta run beside the bare run just before it: the machine's speed drifts
        # by a fifth between rounds, and a pair shares most of it (shown, not the verdict).
        paired = [
            mine.rate / bare.rate
            for mine, bare in zip(results["silta"], results[http], strict=True)
        ]
        rows.append(
            [
                f"Silta / bare on {http}",
                "best / best; each round's pair",
                " / ".join(f"{r:.2f}x" for r in paired),
                f"{ratio:.2f}x (goal >= {goal:.2f}x: {verdict})",
            ]
        )
    # CPU a message costs: the machine's speed drifts less into this than into the rates, and
    # it tells the loop's own work from what SQLite does on aiosqlite's thread.
    cpu_rows = []
    for name, label in (("aiohttp", "bare PTB loop, AiohttpRequest"), ("silta", "Silta")):
        runs = results[name]
        cpu_rows.append(
            [
                label,
                " / ".join(f"{run.loop_cpu / run.sent * 1e6:,.0f}" for run in runs),
                " / ".join(f"{run.other_cpu / run.sent * 1e6:,.0f}" for run in runs),
                " / ".join(f"{run.seconds / run.sent * 1e6:,.0f}" for run in runs),
            ]
        )
    common.print_table(
        f"Raw dispatch throughput (messages/s, limit lifted, {CONCURRENCY} sends in flight"
        + (", statements through aiosqlite's thread)" if via_thread else ")"),
        ["", "load", "each round", "best"],
        rows,
    )
    common.print_table(
        "CPU per message, each round (microseconds)",
        ["", "event loop's thread", "other threads (aiosqlite)", "wall"],
        cpu_rows,
    )
    if state.get("violations"):
        print(f"fake reported {state['violations']} violations")


def main() -> None:
    """Parse arguments and run."""
    global CONCURRENCY
    p = common.parser(__doc__)
    p.add_argument("--messages", type=int, default=20_000)
    p.add_argument("--chats", type=int, default=2_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=CONCURRENCY, help="sends in flight")
    p.add_argument("--via-thread", action="store_true", help="statements via aiosqlite's thread")
    args = p.parse_args()
    if args.quick:
        args.messages, args.chats, args.rounds = 4_000, 400, 1
    CONCURRENCY = args.concurrency
    asyncio.run(main_async(args.messages, args.chats, args.rounds, args.via_thread))


if __name__ == "__main__":
    main()
