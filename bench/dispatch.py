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
import tempfile
import time
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


def notices(clients: list[Client], total: int) -> list[tuple[Client, dict[str, str]]]:
    """`total` notices, round-robin over the clients (a burst: everyone gets one, then again)."""
    return [
        (clients[i % len(clients)], common.NOTICES[(i // len(clients)) % len(common.NOTICES)])
        for i in range(total)
    ]


async def run_silta(
    api_url: str, tmp: Path, chats: int, total: int, *, via_thread: bool = False
) -> tuple[float, int]:
    """Seconds to claim, send and record `total` rows; and how many were sent."""
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
        start = time.perf_counter()
        await dispatcher.run_due()
        await dispatcher.drain()
        elapsed = time.perf_counter() - start
        async with core.db.read() as conn:
            states = await outbox.count_by_state(conn)
            due = await outbox.next_due(conn)
        sent = dispatcher.sent - before
        if states.get("sending") or (due is not None and due <= core.now()):
            raise RuntimeError(f"rows left unsent: {states}")
        return elapsed, sent
    finally:
        await common.stop_bot(app)


async def run_bare(api_url: str, chats: int, total: int, http: str) -> tuple[float, int]:
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

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    await bot.shutdown()
    return elapsed, sent


async def main_async(messages: int, chats: int, rounds: int, via_thread: bool) -> None:
    common.quiet_logs()
    common.print_machine()
    results: dict[str, list[tuple[float, int]]] = {"httpx": [], "aiohttp": [], "silta": []}
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
        rates = [sent / secs for secs, sent in results[name]]
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
        rows.append(
            [f"Silta / bare on {http}", "", "", f"{ratio:.2f}x (goal >= {goal:.2f}x: {verdict})"]
        )
    common.print_table(
        f"Raw dispatch throughput (messages/s, limit lifted, {CONCURRENCY} sends in flight"
        + (", statements through aiosqlite's thread)" if via_thread else ")"),
        ["", "load", "each round", "best"],
        rows,
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
