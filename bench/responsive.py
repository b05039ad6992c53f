"""Benchmark 5: responsiveness while a dispatch burst runs.

``python -m bench.responsive [--quick] [--seconds S] [--rate R]``

Every client first gets a check-in (four answer buttons). Then, while the dispatcher works
through a burst of client notices, the fake server presses "Good" on a different client's
check-in 200 times a second for 60 seconds, and times each press from its injection to the
bot's answerCallbackQuery (the spinner the client sees) and to the edit of the pressed message.
Each press is a real answer (recorded in a transaction, then the message is edited to show the
answer and the thanks: one message per press since issue 16). It runs at the production limit
(29.8 sends a second: the edits queue with the burst) and with the limit lifted, unless
`--limit` picks one. A press never answered counts as never in the percentiles. Goals: answer
p99 under 100 ms, edit p99 under 2 s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from silta.app import Limits
from storage import outbox
from storage.outbox import Planned

INF = float("inf")


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
    # An unanswered press counts as infinitely late: it stays in the tail, not out of it.
    answered = [v for v in result["latencies_ms"] if v is not None]
    latencies = sorted(v if v is not None else INF for v in result["latencies_ms"])
    edits = sorted(v if v is not None else INF for v in result["edit_ms"])
    return {
        "presses": len(result["latencies_ms"]),
        "answered": len(answered),
        "p50": common.percentile(latencies, 50),
        "p90": common.percentile(latencies, 90),
        "p99": common.percentile(latencies, 99),
        "max": latencies[-1] if latencies else float("nan"),
        "edit_p50": common.percentile(edits, 50),
        "edit_p99": common.percentile(edits, 99),
        "edited": sum(v != INF for v in edits),
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
        help="Limits(overall_per_second=...) for the bot, 0: lifted (default: both the "
        "production limit and lifted, one after the other)",
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
    limits = [args.limit] if args.limit is not None else [Limits().overall_per_second, 0.0]
    for limit in limits:
        _report(
            args,
            limit,
            run_sync(args.rate, args.seconds, args.burst, args.concurrent_updates, limit),
        )


def _ms(v: float) -> str:
    return "never" if v == INF else f"{v:,.0f} ms"


def _report(args: Any, limit: float, r: dict[str, float]) -> None:
    rows = [
        ["presses answered", f"{r['answered']:,.0f} of {r['presses']:,.0f}", "all"],
        ["press to answerCallbackQuery, p50", _ms(r["p50"]), ""],
        ["p90", _ms(r["p90"]), ""],
        [
            "p99 (unanswered count as never)",
            _ms(r["p99"]),
            f"< 100 ms: {common.verdict(r['p99'] < 100)}",
        ],
        ["max", _ms(r["max"]), ""],
        [f"press to edited message, p50 ({r['edited']:,.0f} edited)", _ms(r["edit_p50"]), ""],
        ["p99", _ms(r["edit_p99"]), f"< 2 s: {common.verdict(r['edit_p99'] < 2000)}"],
        ["dispatch burst meanwhile", f"{r['dispatch_rate']:.0f} messages/s", ""],
    ]
    setting = [f"limit {limit:g}/s" if limit else "limit lifted"]
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
