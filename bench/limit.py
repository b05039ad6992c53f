"""Benchmark 2: sending at Telegram's limit.

``python -m bench.limit [--quick] [--seconds S] [--smooth RATE | --bucket]``

The bot as configured for production (Limits(), sends spaced at 29.8/s) works through a backlog of
due client notices for two minutes while the fake server enforces Telegram's 30 messages per
second in total, answering 429 beyond it. Measured at the server: the messages accepted per
second over the window (goal >= 0.95 x 30) and the 429 answers (goal 0), plus the busiest
one-second window. The clock runs in real time from a weekday noon, so 429 retries (re-queued a
second or more ahead) come due as they would.
"""

from __future__ import annotations

import asyncio
import bisect
import tempfile
import time
from pathlib import Path

from telegram.ext import AIORateLimiter

from bench import common
from silta.app import Limits
from storage import outbox
from storage.outbox import Planned

RATE = 30


def busiest_second(times: list[float]) -> int:
    """The most sends inside any one-second window."""
    best = 0
    for i, t in enumerate(times):
        best = max(best, bisect.bisect_left(times, t + 1.0) - i)
    return best


def smooth_limiter(rate: float) -> AIORateLimiter:
    """The app's limiter at another rate: one message every 1/rate s, never a burst."""
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / rate, max_retries=0)


async def run(seconds: float, chats: int, limiter: AIORateLimiter | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="silta-bench-") as tmp:
        async with common.FakeProcess() as fake:
            await fake.faults(
                rate_limit={
                    "per_second_total": RATE,
                    "per_chat_per_second": None,
                    "per_group_per_minute": None,
                }
            )
            app = await common.start_bot(
                fake.api_url,
                Path(tmp) / "silta.db",
                common.RunningClock(),
                Limits(),
                rate_limiter=limiter,
            )
            try:
                core = common.core_of(app)
                clients = await common.joined_clients(core, chats)
                backlog = int(RATE * seconds * 1.25) + 200
                now = core.now()
                async with core.db.tx() as conn:
                    await outbox.add_many(
                        conn,
                        [
                            Planned(
                                key=f"limit:{n}",
                                kind="client_notice",
                                due_at=now,
                                client_id=clients[n % len(clients)].id,
                                payload=common.NOTICES[n % len(common.NOTICES)],
                            )
                            for n in range(backlog)
                        ],
                        now,
                    )
                before = (await fake.sends())["count_429"]
                started = time.monotonic()
                core.wake()
                await asyncio.sleep(seconds + 1)
                sends = await fake.sends(since=started)
            finally:
                await common.stop_bot(app)
    times = sorted(sends["ok"])
    first = times[0]
    window = [t for t in times if first <= t < first + seconds]
    return {
        "rate": len(window) / seconds,
        "sent": len(window),
        "count_429": sends["count_429"] - before,
        "busiest": busiest_second(times),
        "failed": sends["failed"],
        "first_send_after": first - started,
    }


def main() -> None:
    """Parse arguments and run."""
    p = common.parser(__doc__)
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--chats", type=int, default=2_000)
    p.add_argument(
        "--smooth",
        type=float,
        metavar="RATE",
        help="space sends evenly at RATE per second instead of the app's setting",
    )
    p.add_argument(
        "--bucket",
        action="store_true",
        help="PTB's default AIORateLimiter(overall_max_rate=30) instead, to compare",
    )
    args = p.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, 20.0)
    common.quiet_logs()
    common.print_machine()
    print(f"sending at the limit for {args.seconds:.0f} s ...", flush=True)
    limiter = smooth_limiter(args.smooth) if args.smooth else None
    if args.bucket:
        # PTB's default shape: a bucket of 30 that empties at once and refills at 30/s.
        limiter = AIORateLimiter(overall_max_rate=RATE, max_retries=0)
    r = asyncio.run(run(args.seconds, args.chats, limiter))
    rows = [
        [
            "accepted messages per second",
            f"{r['rate']:.2f} ({r['sent']:.0f} in {args.seconds:.0f} s)",
            f">= {0.95 * RATE:.1f}: {common.verdict(r['rate'] >= 0.95 * RATE)}",
        ],
        ["429 answers", f"{r['count_429']:.0f}", f"0: {common.verdict(r['count_429'] == 0)}"],
        ["busiest one-second window", f"{r['busiest']:.0f}", f"<= {RATE}"],
        ["other failed sends", f"{r['failed']:.0f}", "0"],
        ["wake to first send", f"{r['first_send_after'] * 1000:.0f} ms", ""],
    ]
    setting = (
        "AIORateLimiter(overall_max_rate=30), a bucket of 30"
        if args.bucket
        else f"limiter spacing sends at {args.smooth:g}/s"
        if args.smooth
        else f"Limits() as built (overall_per_second={Limits().overall_per_second:g})"
    )
    common.print_table(
        f"At Telegram's limit: {setting}, server enforcing {RATE}/s",
        ["", "measured", "goal"],
        rows,
    )


if __name__ == "__main__":
    main()
