"""Benchmark: a morning of check-ins at Telegram's real limit, with people using the bot meanwhile.

``python -m bench.burst [--quick] [--clients N] [--window S] [--seconds S] [--press-rate R]``

N clients' check-ins fall due in one window (`--window 0`: all in the same second, the spike
`delivery.checkin_spread` exists to avoid; the production spread is 1,800 s). The bot runs
with its production limits (29.8 sends a second, the urgent share of the policy) against the
fake Telegram with Telegram's limits on (30 a second overall; `--per-chat` adds 1 a second per
chat). While the check-ins go out, probe clients press a button on a check-in they got earlier
(`--press-rate` a second), and every `--help-every` seconds one probe writes to their worker
and another sends /contact. Printed: check-in lateness (send time minus due time) p50/p99/max,
routine throughput, press -> answerCallbackQuery and press -> edited message, help request ->
the worker's message, and Telegram's 429 answers, each with its goal and verdict.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import common
from bot.scheduling.kinds import rows
from bot.scheduling.planner import spread_offset
from silta.app import Limits
from storage import outbox
from storage.times import utc_iso

# Probe clients at least: each is pressed once (a press removes its check-in's buttons).
PROBES = 50


async def run(args: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="silta-bench-") as tmp:
        async with common.FakeProcess() as fake:
            app = await common.start_bot(
                fake.api_url, Path(tmp) / "silta.db", common.RunningClock(), Limits()
            )
            try:
                return await _measure(app, fake, args)
            finally:
                await common.stop_bot(app)


async def _measure(app: Any, fake: common.FakeProcess, args: Any) -> dict[str, Any]:
    core = common.core_of(app)
    dispatcher = common.dispatcher_of(app)
    n_probes = max(PROBES, int(args.press_rate * args.seconds) + 10)
    print(f"  {args.clients:,} clients and {n_probes} probes ...", flush=True)
    clients = await common.joined_clients(core, args.clients + n_probes)
    probes, crowd = clients[:n_probes], clients[n_probes:]
    # Each probe has a check-in to press, sent before the morning starts.
    now = core.now()
    async with core.db.tx() as conn:
        await outbox.add_many(conn, [rows.checkin(c.id, now) for c in probes], now)
    await dispatcher.settle(timeout=600)
    await fake.faults(
        rate_limit={
            "per_second_total": 30,
            "per_chat_per_second": 1 if args.per_chat else None,
            "per_group_per_minute": None,
        }
    )
    await fake.forget()
    # The morning: every crowd check-in due inside the window, at its spread moment.
    start = core.now() + timedelta(seconds=2)
    window = timedelta(seconds=args.window)
    due = {c.telegram_id: start + spread_offset(c.id, window) for c in crowd}
    async with core.db.tx() as conn:
        await outbox.add_many(
            conn, [rows.checkin(c.id, due[c.telegram_id]) for c in crowd], core.now()
        )
    mono0 = time.monotonic() + (start - core.now()).total_seconds()
    core.wake()
    workers = {c.id: c.worker_id for c in probes}
    worker_chat = await _worker_chats(core, set(workers.values()))
    print(f"  the morning starts; probing for {args.seconds:.0f} s ...", flush=True)
    result = await fake._call(  # the probes run inside the fake's process
        "POST",
        "/_bench/probes",
        json={
            "probes": [{"chat": c.telegram_id, "worker": worker_chat[c.worker_id]} for c in probes],
            "seconds": args.seconds,
            "press_rate": args.press_rate,
            "help_every": args.help_every,
            "grace": 5,
        },
        timeout=args.seconds + 600,
    )
    print("  waiting for the last check-ins ...", flush=True)
    while True:
        async with core.db.read() as conn:
            # The morning's; each sent one plans the next, due another day.
            cur = await conn.execute(
                "SELECT count(*) FROM outbox_all WHERE kind = 'checkin' AND state IN "
                "('pending', 'sending') AND due_at <= ?",
                (utc_iso(start + window),),
            )
            left = (await cur.fetchone())[0]
        if left == 0:
            break
        await asyncio.sleep(1)
    await dispatcher.drain()
    sent = await _checkin_sends(fake, set(due))
    late = [(t - (mono0 + (due[chat] - start).total_seconds())) for chat, t in sent.items()]
    times = sorted(sent.values())
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    counts = await fake.sends()
    return {
        "late": late,
        "routine_rate": len(times) / span if span else float("nan"),
        "answer": result["answer_ms"],
        "edit": result["edit_ms"],
        "help": result["help_ms"],
        "count_429": counts["count_429"],
        "checkins": len(sent),
    }


async def _worker_chats(core: Any, ids: set[int]) -> dict[int, int]:
    async with core.db.read() as conn:
        marks = ",".join("?" * len(ids))
        cur = await conn.execute(
            f"SELECT id, telegram_id FROM workers WHERE id IN ({marks})", tuple(ids)
        )
        return {r[0]: r[1] for r in await cur.fetchall()}


async def _checkin_sends(fake: common.FakeProcess, chats: set[int]) -> dict[int, float]:
    """When each crowd client's check-in was accepted (the first accepted send to the chat)."""
    accepted: dict[int, float] = {}
    for r in await fake.requests("sendMessage"):
        chat = r["params"].get("chat_id")
        if r.get("status", 200) == 200 and chat in chats and chat not in accepted:
            accepted[chat] = r["time"]
    return accepted


def _pcts(values: list[float | None]) -> tuple[float, float, float, int]:
    """p50, p99 and max, with an unanswered value counted as infinitely late."""
    missing = sum(v is None for v in values)
    got = sorted(v for v in values if v is not None)
    full = got + [float("inf")] * missing
    if not full:
        return (float("nan"),) * 3 + (0,)  # type: ignore[return-value]
    return common.percentile(full, 50), common.percentile(full, 99), full[-1], missing


def _fmt(v: float, unit: str) -> str:
    return "never" if v == float("inf") else f"{v:,.0f} {unit}"


def main() -> None:
    """Parse arguments and run."""
    p = common.parser(__doc__)
    p.add_argument("--clients", type=int, default=3000)
    p.add_argument("--window", type=float, default=0.0, help="spread window, seconds")
    p.add_argument("--seconds", type=float, default=60.0, help="how long the probes run")
    p.add_argument("--press-rate", type=float, default=10.0)
    p.add_argument("--help-every", type=float, default=5.0)
    p.add_argument("--per-chat", action="store_true", help="also 1 send a second per chat")
    args = p.parse_args()
    if args.quick:
        args.clients, args.seconds = min(args.clients, 600), min(args.seconds, 15.0)
    common.quiet_logs()
    common.print_machine()
    r = asyncio.run(run(args))
    late = _pcts(r["late"])
    answer = _pcts(r["answer"])
    edit = _pcts(r["edit"])
    helps = _pcts([ms for _, ms in r["help"]])
    rows_ = [
        ["check-ins sent", f"{r['checkins']:,} of {args.clients:,}", "all", ""],
        [
            "check-in lateness p50 / p99 / max",
            f"{late[0]:,.0f} / {late[1]:,.0f} / {late[2]:,.0f} s",
            "",
            "",
        ],
        [
            "routine throughput",
            f"{r['routine_rate']:.1f}/s",
            ">= 18/s",
            common.verdict(r["routine_rate"] >= 18),
        ],
        [
            f"help request -> worker's message p50 / p99 / max ({len(r['help'])})",
            f"{_fmt(helps[0], 'ms')} / {_fmt(helps[1], 'ms')} / {_fmt(helps[2], 'ms')}",
            "p99 < 5 s",
            common.verdict(helps[1] < 5000),
        ],
        [
            f"press -> answer p50 / p99 ({len(r['answer'])}, {answer[3]} unanswered)",
            f"{_fmt(answer[0], 'ms')} / {_fmt(answer[1], 'ms')}",
            "p99 < 300 ms",
            common.verdict(answer[1] < 300),
        ],
        [
            f"press -> edited message p50 / p99 ({edit[3]} never)",
            f"{_fmt(edit[0], 'ms')} / {_fmt(edit[1], 'ms')}",
            "p99 < 2 s",
            common.verdict(edit[1] < 2000),
        ],
        ["429 answers", f"{r['count_429']}", "0", common.verdict(r["count_429"] == 0)],
    ]
    common.print_table(
        f"A morning of {args.clients:,} check-ins "
        f"({'all due at once' if not args.window else f'spread over {args.window:.0f} s'}), "
        f"presses at {args.press_rate:g}/s and a help request every {args.help_every:g} s "
        f"for {args.seconds:.0f} s; Telegram's limits on"
        f"{' (with 1/s per chat)' if args.per_chat else ' (30/s overall)'}",
        ["", "measured", "goal", ""],
        rows_,
    )


if __name__ == "__main__":
    main()
