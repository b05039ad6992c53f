"""Benchmark 4: memory and start-up with 100,000 clients.

``python -m bench.startup [--quick] [--clients N] [--per-worker N]``

Builds a database with 100,000 joined clients (100 per worker), every fifth with an appointment
and a deadline, and plans their rows with the app's own planner. Then runs the real
``silta run`` as a subprocess against a standalone fake (``python -m tests.fake_telegram
--no-validate``) and measures the time from spawning the process to its first getUpdates, the
resident memory (VmRSS from /proc) then and once the start-up re-plan has finished, and the peak
(VmHWM). Goals: polling within 3 s, under 150 MB.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.common import ROOT
from bench.growth import count_pending, plan_run


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _fake() -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_telegram",
        "--port",
        "0",
        "--no-validate",
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    return proc, url


async def _requests(http: httpx.AsyncClient, method: str) -> list[dict[str, Any]]:
    response = await http.get("/_control/requests", params={"method": method})
    return response.json()["result"]  # type: ignore[no-any-return]


async def measure(db: Path) -> dict[str, float]:
    """Start `silta run` on `db`; time to the first poll, memory, and a clean stop."""
    fake, api_url = await _fake()
    http = httpx.AsyncClient(base_url=api_url.removesuffix("/bot"), timeout=30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILTA_")}
    env.update(
        SILTA_TOKEN=common.TOKEN,
        SILTA_API_URL=api_url,
        SILTA_DB=str(db),
        SILTA_LOG_LEVEL="WARNING",
    )
    result: dict[str, float] = {}
    try:
        spawned = time.monotonic()
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "silta",
            "run",
            env=env,
            cwd=db.parent,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        polls: list[dict[str, Any]] = []
        while not polls:
            if bot.returncode is not None or time.monotonic() - spawned > 120:
                raise RuntimeError("the bot did not start polling")
            await asyncio.sleep(0.01)
            polls = await _requests(http, "getUpdates")
        first_poll = polls[0]["time"]
        result["to_first_poll"] = first_poll - spawned
        result["rss_at_poll"] = _status(bot.pid)["VmRSS"] / 1024
        commands = await _requests(http, "setMyCommands")
        result["menus_before_poll"] = sum(1 for r in commands if r["time"] < first_poll)
        # The start-up re-plan runs after polling begins: wait until the process goes quiet.
        cpu, quiet_since = _cpu_seconds(bot.pid), time.monotonic()
        while time.monotonic() - quiet_since < 1.5 and time.monotonic() - spawned < 300:
            await asyncio.sleep(0.25)
            now_cpu = _cpu_seconds(bot.pid)
            if now_cpu - cpu > 0.05:
                quiet_since = time.monotonic()
            cpu = now_cpu
        result["settled_after"] = quiet_since - spawned
        status = _status(bot.pid)
        result["rss_settled"] = status["VmRSS"] / 1024
        result["rss_peak"] = status["VmHWM"] / 1024
        stopping = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(bot.communicate(), 60)
        result["stop"] = time.monotonic() - stopping
        if bot.returncode != 0 or b"Traceback" in err:
            raise RuntimeError(f"silta run exited with {bot.returncode}: {err.decode()[-2000:]}")
    finally:
        await http.aclose()
        fake.terminate()
        await fake.wait()
    return result


async def main_async(clients: int, per_worker: int) -> None:
    common.quiet_logs()
    common.print_machine()
    with tempfile.TemporaryDirectory(prefix="silta-bench-") as tmp:
        db = Path(tmp) / "silta.db"
        start = time.perf_counter()
        await common.fresh_schema(db)
        common.bulk_people(db, clients, per_worker=per_worker)
        common.bulk_items(db, clients)
        await plan_run(db)
        built = time.perf_counter() - start
        workers = -(-clients // per_worker)
        print(
            f"database: {clients:,} clients, {workers:,} workers, {count_pending(db):,} planned "
            f"rows, {db.stat().st_size / 1e6:.0f} MB, built in {built:.0f} s",
            flush=True,
        )
        r = await measure(db)
    rows = [
        [
            "spawn to first getUpdates",
            f"{r['to_first_poll']:.2f} s",
            f"< 3 s: {common.verdict(r['to_first_poll'] < 3)}",
        ],
        [
            "setMyCommands calls before it (workers' menus follow later)",
            f"{r['menus_before_poll']:.0f}",
            "",
        ],
        [
            "resident memory at first getUpdates",
            f"{r['rss_at_poll']:.0f} MB",
            f"< 150 MB: {common.verdict(r['rss_at_poll'] < 150)}",
        ],
        ["start-up re-plan done (process quiet) after", f"{r['settled_after']:.1f} s", ""],
        [
            "resident memory then",
            f"{r['rss_settled']:.0f} MB",
            f"< 150 MB: {common.verdict(r['rss_settled'] < 150)}",
        ],
        ["peak resident memory (VmHWM)", f"{r['rss_peak']:.0f} MB", ""],
        ["SIGTERM to exit", f"{r['stop']:.2f} s", ""],
    ]
    common.print_table(
        f"silta run with {clients:,} clients ({workers:,} workers)", ["", "measured", "goal"], rows
    )


def main() -> None:
    """Parse arguments and run."""
    p = common.parser(__doc__)
    p.add_argument("--clients", type=int, default=100_000)
    p.add_argument("--per-worker", type=int, default=100, help="clients per worker")
    args = p.parse_args()
    if args.quick:
        args.clients = 10_000
    asyncio.run(main_async(args.clients, args.per_worker))


if __name__ == "__main__":
    main()
