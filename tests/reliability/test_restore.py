"""The restore drill: back up a running bot, lose the database, `silta restore`, start again and
find every client, plan and pending reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.services import items as item_service
from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import (
    BotProcess,
    add_joined_client,
    add_worker,
    bot_env,
    integrity,
    open_core,
    query,
    run_cli,
)

CLIENTS = 6


def _what_matters(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Clients, plans, appointments, deadlines and the reminders still to come."""
    return {
        "clients": query(db, "SELECT id, nickname, status, worker_id FROM clients ORDER BY id"),
        "plans": query(db, "SELECT id, client_id, title FROM plan_items ORDER BY id"),
        "appointments": query(db, "SELECT id, client_id, at FROM appointments ORDER BY id"),
        "deadlines": query(db, "SELECT id, client_id, due_date FROM deadlines ORDER BY id"),
        "reminders": query(
            db,
            "SELECT key, due_at FROM outbox WHERE state = 'pending' "
            "AND kind IN ('appt_reminder', 'deadline_reminder', 'checkin') ORDER BY key",
        ),
    }


def _kept_aside(folder: Path) -> list[Path]:
    """The files a restore moved aside."""
    return sorted(folder.glob("silta.db.before-restore-*"))


async def test_restore_drill_backup_destroy_restore_start_and_find_everything(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        worker = await add_worker(core, 100, "Maria Test")
        tg.user(100, language_code="en")
        for i in range(CLIENTS):
            client = await add_joined_client(core, worker, f"C{i}", 4000 + i)
            tg.user(4000 + i, language_code="en")
            later = core.now() + timedelta(days=10 + i)
            assert (
                await item_service.add_appointment(core, None, client.id, later, "Kela")
            ).status == "ok"
            due = later.date()
            await item_service.add_deadline(core, None, client.id, "housing_allowance", due)
            await item_service.add_plan_item(core, worker, client.id, f"Step {i}")
    finally:
        await core.db.close()
    env = bot_env(tg, db)
    bot = spawn(db)
    await bot.start()
    backup = tmp_path / "backups" / "silta-backup.db"
    backup.parent.mkdir()
    code, out, err = await run_cli(tmp_path, env, "backup", str(backup))
    assert code == 0 and "verified" in out, err
    before = _what_matters(backup)
    assert len(before["clients"]) == CLIENTS and len(before["plans"]) == CLIENTS
    assert len(before["reminders"]) >= 2 * CLIENTS

    code, _, err = await run_cli(tmp_path, env, "restore", str(backup))
    assert code == 1 and "running" in err, "a restore under a running bot is refused"
    assert await bot.stop() == 0

    # The disk lost the database: garbage where it was, a stale WAL beside it.
    db.write_bytes(b"\x00garbage" * 4096)
    code, _, err = await run_cli(tmp_path, env, "client", "list")
    assert code == 3, err

    code, out, err = await run_cli(tmp_path, env, "restore", str(backup))
    assert code == 0, err
    kept = _kept_aside(tmp_path)
    assert kept and kept[0].read_bytes().startswith(b"\x00garbage"), "the old file is kept aside"
    assert integrity(db) == "ok"

    again = spawn(db)
    await again.start()
    after = _what_matters(db)
    assert after == before
    assert query(db, "SELECT count(*) FROM audit_log WHERE action = 'db.restore'") == [(1,)]
    assert await again.stop() == 0


async def test_a_damaged_or_newer_backup_is_not_restored(tg: FakeTelegram, tmp_path: Path) -> None:
    db = tmp_path / "silta.db"
    env = bot_env(tg, db)
    code, _, _ = await run_cli(tmp_path, env, "migrate")
    assert code == 0
    original = db.read_bytes()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(original[: len(original) // 2] + b"\xff" * 100)
    for bad in (damaged, tmp_path / "missing.db", db):
        code, out, err = await run_cli(tmp_path, env, "restore", str(bad))
        assert code == 1, (bad, out, err)
        assert len(err.strip().splitlines()) == 1
    assert db.read_bytes() == original
    assert not _kept_aside(tmp_path)
