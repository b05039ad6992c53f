"""Benchmark 5: responsiveness while a dispatch burst runs.

``python -m bench.responsive [--quick] [--seconds S] [--rate R]``

Every client first gets a check-in (four answer buttons). Then, while the dispatcher works
through a burst of client notices (rate limit lifted, so it sends as fast as it can), the fake
server presses "Good" on a different client's check-in 200 times a second for 60 seconds, and
times each press from its injection to the bot's answerCallbackQuery: the spinner the client
sees. Each press is a real answer (recorded in a transaction, then the message is edited and a
thank-you sent). Goal: p99 under 100 ms.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench import common
from silta.app import Limits
from storage import outbox
from storage.outbox import Planned


async def run(
    rate: float,
    seconds: float,
    burst_rows: int | None = None,
    concurrent: int = 0,
    limit: float = 0,
) -> dict[str, float]:
    presses = int(rate * seconds)
    with tempfile.TemporaryDirectory(prefix="silta-bench-") as tmp:
        async with common.FakeProcess() as fake:
            app = await common.start_bot(
                fake.api_url,
                Path(tmp) / "silta.db",
                common.RunningClock(),
                Limits(overall_per_second=limit),
                concurrent_updates=concurrent,
            )
            try:
                core = common.core_of(app)
                dispatcher = common.dispatcher_of(app)
                print(f"  {presses:,} clients, each sent a check-in ...", flush=True)
                clients = await common.joined_clients(core, presses)
                now = core.now()
                async with core.db.tx() as conn:
                    await outbox.add_many(
                        conn,
                        [
                            Planned(key=f"ck:{c.id}", kind="checkin", due_at=now, client_id=c.id)
                            for c in clients
                        ],
                        now,
                    )
                await dispatcher.run_due()
                await dispatcher.drain()
                await fake.forget()
                # A burst that outlasts the measurement.
                burst = int(seconds * 600) if burst_rows is None else burst_rows
                now = core.now()
                async with core.db.tx() as conn:
                    await outbox.add_many(
                        conn,
                        [
                            Planned(
                                key=f"burst:{n}",
                                kind="client_notice",
                                due_at=now,
                                client_id=clients[n % len(clients)].id,
                                payload=common.NOTICES[n % len(common.NOTICES)],
                            )
                            for n in range(burst)
                        ],
                        now,
                    )
                print(f"  pressing {rate:.0f}/s for {seconds:.0f} s during a burst ...", flush=True)
                sent_before = dispatcher.sent
                core.wake()
                await asyncio.sleep(0.5)  # the burst is under way
                started = time.monotonic()
                result = await fake.presses([c.telegram_id for c in clients], rate, seconds)
                elapsed = time.monotonic() - started
                dispatched = dispatcher.sent - sent_before
            finally:
                await common.stop_bot(app)
    latencies = [v for v in result["latencies_ms"] if v is not None]
    return {
        "presses": len(result["latencies_ms"]),
        "answered": len(latencies),
        "p50": common.percentile(latencies, 50),
        "p90": common.percentile(latencies, 90),
        "p99": common.percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "press_rate": len(result["latencies_ms"]) / (result["ended"] - result["started"]),
        "dispatch_rate": dispatched / elapsed,
    }


def main() -> None:
    """Parse arguments and run."""
    p = common.parser(__doc__)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--rate", type=float, default=200.0, help="button presses per second")
    p.add_argument("--burst", type=int, help="notices in the burst (default: 600 a second)")
    p.add_argument(
        "--limit",
        type=float,
        default=0,
        help="Limits(overall_per_second=...) for the bot (default 0: lifted)",
    )
    p.add_argument(
        "--concurrent-updates",
        type=int,
        default=0,
        metavar="N",
        help="process up to N updates at once (a proposed setting; the app does one at a time)",
    )
    args = p.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, 10.0)
    common.quiet_logs()
    common.print_machine()
    r = run_sync(args.rate, args.seconds, args.burst, args.concurrent_updates, args.limit)
    rows = [
        ["presses answered", f"{r['answered']:,.0f} of {r['presses']:,.0f}", "all"],
        ["press to answerCallbackQuery, p50", f"{r['p50']:.0f} ms", ""],
        ["p90", f"{r['p90']:.0f} ms", ""],
        ["p99", f"{r['p99']:.0f} ms", f"< 100 ms: {common.verdict(r['p99'] < 100)}"],
        ["max", f"{r['max']:.0f} ms", ""],
        ["dispatch burst meanwhile", f"{r['dispatch_rate']:.0f} messages/s", ""],
    ]
    setting = [f"limit {args.limit:g}/s" if args.limit else "limit lifted"]
    if args.concurrent_updates:
        setting.append(f"{args.concurrent_updates} updates at once (proposed)")
    burst = "no burst" if args.burst == 0 else "during a dispatch burst"
    common.print_table(
        f"Button presses at {args.rate:.0f}/s for {args.seconds:.0f} s {burst} "
        f"({', '.join(setting)})",
        ["", "measured", "goal"],
        rows,
    )


def run_sync(
    rate: float,
    seconds: float,
    burst_rows: int | None = None,
    concurrent: int = 0,
    limit: float = 0,
) -> dict[str, float]:
    return asyncio.run(run(rate, seconds, burst_rows, concurrent, limit))


if __name__ == "__main__":
    main()
