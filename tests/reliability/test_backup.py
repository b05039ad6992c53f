"""`silta backup FILE` while the bot runs and the database is being written: a consistent copy."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from storage import admin as admin_repo
from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import (
    BotProcess,
    bot_env,
    integrity,
    open_core,
    query,
    run_cli,
    wait_until,
)
from tests.reliability.test_crash import _deliveries, _plan_notices, _world

FILLER = 12_000  # audit rows of filler: a database of a few megabytes, many backup steps


async def test_backup_while_the_bot_runs_and_writes_is_consistent_and_private(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    writes = 0
    try:
        clients = await _world(core, tg, workers=2, clients=20)
        async with core.db.tx() as conn:
            for n in range(FILLER):
                await admin_repo.audit(
                    conn,
                    now=core.now(),
                    actor_id=None,
                    actor_kind="system",
                    action="filler",
                    detail=f"filler {n:06d} " + "x" * 200,
                )
        bot = spawn(db)
        await bot.start()
        stop = asyncio.Event()

        async def writer() -> None:
            """Write all through the backup: a numbered audit row and a notice for the bot."""
            nonlocal writes
            while not stop.is_set():
                async with core.db.tx() as conn:
                    await admin_repo.audit(
                        conn,
                        now=core.now(),
                        actor_id=None,
                        actor_kind="system",
                        action="during",
                        detail=f"w{writes:06d}",
                    )
                writes += 1
                if writes % 5 == 0:
                    await _plan_notices(core, clients, 1000 + writes, 1)
                await asyncio.sleep(0.02)

        task = asyncio.create_task(writer())
        try:
            # The bot finds rows written by another process at its safety poll (1 s here).
            await wait_until(lambda: _deliveries(tg)[0], 10, "the bot sending the notices")
            sent_before = sum(_deliveries(tg)[0].values())
            copy = tmp_path / "backup" / "silta-copy.db"
            copy.parent.mkdir()
            code, out, err = await run_cli(
                tmp_path, bot_env(tg, db), "backup", str(copy), timeout=60
            )
            await wait_until(
                lambda: sum(_deliveries(tg)[0].values()) > sent_before,
                10,
                "the bot sending on during and after the backup",
            )
        finally:
            stop.set()
            await task
        assert code == 0, err
        assert out.startswith(f"backup written to {copy} and verified")
        assert await bot.stop() == 0, bot.log_tail()
    finally:
        await core.db.close()

    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert integrity(copy) == "ok"
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 20
        filler = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'filler'").fetchone()
        assert filler[0] == FILLER
        marks = [
            int(r[0][1:])
            for r in conn.execute(
                "SELECT detail FROM audit_log WHERE action = 'during' ORDER BY id"
            )
        ]
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
    finally:
        conn.close()
    # A snapshot of one moment: the writer's rows up to some point, none missing before it.
    assert marks == list(range(len(marks))), "the copy is one consistent moment"
    assert 0 < len(marks) < writes, "the writes went on during the backup"
    assert versions == query(db, "SELECT version FROM schema_version")
    assert query(db, "SELECT count(*) FROM audit_log WHERE action = 'db.backup'") == [(1,)]
    # Refusals (a backup that did not happen: exit code 1): an existing file needs --force, a
    # missing folder is named.
    code, _, err = await run_cli(tmp_path, bot_env(tg, db), "backup", str(copy))
    assert code == 1 and "--force" in err
    code, _, err = await run_cli(tmp_path, bot_env(tg, db), "backup", str(tmp_path / "no" / "x"))
    assert code == 1 and "does not exist" in err


async def test_a_restored_backup_runs(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    """Restoring is copying the file back while the bot is stopped (as the README says)."""
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        clients = await _world(core, tg, workers=1, clients=3)
    finally:
        await core.db.close()
    copy = tmp_path / "copy.db"
    code, _, err = await run_cli(tmp_path, bot_env(tg, db), "backup", str(copy))
    assert code == 0, err
    restored = tmp_path / "restored" / "silta.db"
    restored.parent.mkdir()
    restored.write_bytes(copy.read_bytes())
    restored.chmod(0o600)
    core = await open_core(tg, restored)
    try:
        await _plan_notices(core, clients, 0, 3)
    finally:
        await core.db.close()
    bot = spawn(restored)
    await bot.start()
    await tg.wait_for(lambda: len(_deliveries(tg)[0]) == 3, 15, "notices from the restored db")
    assert await bot.stop() == 0
