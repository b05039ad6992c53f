"""Helpers of the reliability suite: the real bot as a child process, and a world in its database.

The fake Telegram runs in the test's own event loop; the bot under test is `python -m silta run` in
another process, pointed at the fake with SILTA_API_URL. The test writes to the same SQLite file
through the ordinary storage and service code (WAL lets two processes share it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot.clock import SystemClock, utc_iso
from bot.config import Settings
from bot.core import Core
from bot.policy import TimeWindow, WorkingHours, default_policy
from bot.services import onboarding
from storage import people as people_repo
from storage.db import Database
from storage.models import Client, Worker
from tests.fake_telegram import FakeTelegram

# Starting python-telegram-bot in a fresh interpreter takes about 1.5 s on the CI machine.
START_TIMEOUT = 30.0


def bot_env(tg: FakeTelegram, db: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process: the parent's, minus any SILTA_ setting of the host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILTA_")}
    env.update(
        {
            "SILTA_TOKEN": tg.token,
            "SILTA_API_URL": tg.api_url,
            "SILTA_DB": str(db),
            "SILTA_POLL_SAFETY": "1",
            "SILTA_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class BotProcess:
    """`python -m silta run` as a child process; its stdout and stderr go to one log file."""

    tg: FakeTelegram
    workdir: Path
    db: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    async def start(self, *, ready_method: str | None = "getUpdates") -> None:
        """Start the process; wait until it calls `ready_method` at the fake (None: do not wait)."""
        assert self.proc is None or self.proc.returncode is not None, "already running"
        mark = len(self.tg.requests)
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "silta",
                "run",
                env=bot_env(self.tg, self.db, **self.env_extra),
                cwd=self.workdir,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        if ready_method is None:
            return
        proc = self.proc

        def ready() -> bool:
            if proc.returncode is not None:
                raise AssertionError(f"the bot exited with {proc.returncode}:\n{self.log_tail()}")
            return any(r.method == ready_method for r in self.tg.requests[mark:])

        await self.tg.wait_for(ready, START_TIMEOUT, f"the bot calling {ready_method}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no clean-up code of the bot runs."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            await self.proc.wait()

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Ask the bot to stop and wait for its exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError as exc:
                self.proc.kill()
                await self.proc.wait()
                raise AssertionError(
                    f"the bot did not stop in {timeout}s:\n{self.log_tail()}"
                ) from exc
        assert self.proc.returncode is not None
        return self.proc.returncode

    def log_text(self) -> str:
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if (self.log_path.exists())
            else ""
        )

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_text()[-chars:]


async def run_cli(
    tmp: Path, env: dict[str, str], *argv: str, timeout: float = 60.0
) -> tuple[int, str, str]:
    """`python -m silta ARGV` in another process: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "silta",
        *argv,
        env=env,
        cwd=tmp,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


# --- the test's own view of the database ---------------------------------------------------------


async def open_core(tg: FakeTelegram, db: Path, *, quiet_hours: bool = False) -> Core:
    """A Core on the bot's database file, in the test process (as the CLI would open one).

    Unless `quiet_hours`, a policy without quiet hours and with working hours all day, every day,
    is stored, so that messages planned for "now" go out now, and a client's message reaches
    their worker now, whatever the hour and the day of the CI run (the real clock runs here).
    """
    settings = Settings(token=tg.token, api_url=tg.api_url, db=db, _env_file=None)  # type: ignore[call-arg]
    core = Core(db=await Database.open(db), clock=SystemClock(), settings=settings)
    await core.load_policy()
    if not quiet_hours:
        policy = default_policy().model_copy(
            update={
                "quiet_hours": TimeWindow(start=time(0, 0), end=time(0, 0)),
                "working_hours": WorkingHours(
                    days=frozenset(range(7)), start=time(0, 0), end=time(23, 59)
                ),
            }
        )
        await core.store_policy(policy, None, "cli")
    return core


async def add_worker(core: Core, telegram_id: int, name: str, team: str = "North") -> Worker:
    """A worker who has joined."""
    async with core.db.tx() as conn:
        team_row = await people_repo.team_by_name(conn, team, core.now(), create=True)
        assert team_row is not None
        return await people_repo.add_worker(
            conn,
            name=name,
            now=core.now(),
            telegram_id=telegram_id,
            team_id=team_row.id,
            language="en",
        )


async def add_joined_client(
    core: Core, worker: Worker, nickname: str, telegram_id: int, language: str = "en"
) -> Client:
    """A client who has joined (the join itself is tested elsewhere; here only its result)."""
    card = await onboarding.create_client(core, worker, nickname, language=language)
    assert card.client is not None
    now = core.now()
    async with core.db.tx() as conn:
        client = await people_repo.update_client(
            conn,
            card.client.id,
            telegram_id=telegram_id,
            status="active",
            joined_at=now,
            consent_at=now,
            last_seen_at=now,
        )
    assert client is not None
    return client


def integrity(db: Path) -> str:
    """SQLite's integrity check on the file, from a fresh connection (as after a crash)."""
    conn = sqlite3.connect(str(db), timeout=10)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows from a fresh read-only connection (the bot may be running in another process)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return list(conn.execute(sql, args).fetchall())
    finally:
        conn.close()


def iso(value: Any) -> str:
    return utc_iso(value)


async def wait_until(predicate: Any, timeout: float, what: str, step: float = 0.05) -> Any:
    """Poll `predicate` (sync) until truthy; fail with `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(step)


@contextlib.asynccontextmanager
async def fake_telegram(**kwargs: Any) -> Any:
    """A fake Telegram for one test that fails it on any Bot API violation."""
    fake = FakeTelegram(**kwargs)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    fake.assert_no_violations()
