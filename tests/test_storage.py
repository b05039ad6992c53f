"""Storage: migrations apply once and in order, pragmas are set, the file is private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from storage.db import Database, _migration_files, migrate


async def test_migrating_twice_applies_nothing_the_second_time(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    first = await migrate(path)
    assert first == [v for v, _, _ in _migration_files()]
    assert await migrate(path) == []
    db = await Database.open(path)
    try:
        async with db.read() as conn:
            cur = await conn.execute("SELECT version FROM schema_version ORDER BY version")
            assert [r[0] for r in await cur.fetchall()] == first
            cur = await conn.execute("PRAGMA journal_mode")
            assert (await cur.fetchone())[0] == "wal"
            cur = await conn.execute("PRAGMA foreign_keys")
            assert (await cur.fetchone())[0] == 1
            cur = await conn.execute("PRAGMA busy_timeout")
            assert (await cur.fetchone())[0] >= 1000
            cur = await conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'"
            )
            assert "outbox_open_due" in {r[0] for r in await cur.fetchall()}
    finally:
        await db.close()


async def test_the_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "private.db")
    await db.close()
    mode = stat.S_IMODE(os.stat(tmp_path / "private.db").st_mode)
    assert mode == 0o600


async def test_a_failing_migration_leaves_nothing_half_applied(tmp_path: Path, monkeypatch) -> None:
    import storage.db as dbmod

    good = dbmod._migration_files()
    broken = [*good, (999, "0999_broken.sql", "CREATE TABLE half (x INTEGER);\nNOT SQL;")]
    monkeypatch.setattr(dbmod, "_migration_files", lambda: broken)
    path = tmp_path / "b.db"
    try:
        await migrate(path)
    except Exception:
        pass
    else:
        raise AssertionError("a broken migration must fail")
    db = await Database.open(path, run_migrations=False)
    try:
        async with db.read() as conn:
            cur = await conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'")
            assert await cur.fetchone() is None
            cur = await conn.execute("SELECT max(version) FROM schema_version")
            assert (await cur.fetchone())[0] == good[-1][0]
    finally:
        await db.close()


async def test_repositories_return_models(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from storage import people
    from storage.models import Client, Worker

    db = await Database.open(tmp_path / "m.db")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        async with db.tx() as conn:
            worker = await people.add_worker(conn, name="Maria V", now=now, telegram_id=5)
            client = await people.add_client(
                conn, nickname="Pete", worker_id=worker.id, language="fi", now=now
            )
        assert isinstance(worker, Worker) and worker.first_name == "Maria"
        assert isinstance(client, Client) and client.created_at == now
    finally:
        await db.close()


async def test_appointments_made_before_kinds_existed_are_in_person(
    tmp_path: Path, monkeypatch
) -> None:
    import storage.db as dbmod

    every = dbmod._migration_files()
    before = [m for m in every if m[0] < 12]
    monkeypatch.setattr(dbmod, "_migration_files", lambda: before)
    path = tmp_path / "old.db"
    await migrate(path)
    db = await Database.open(path, run_migrations=False)
    try:
        async with db.tx() as conn:
            await conn.execute(
                "INSERT INTO clients(nickname, status, created_at) "
                "VALUES ('Pete', 'invited', '2026-12-01T09:00:00+00:00')"
            )
            await conn.execute(
                "INSERT INTO appointments(client_id, at, place, created_at, updated_at) VALUES "
                "(1, '2026-12-03T08:00:00+00:00', 'Office', '2026-12-01T09:00:00+00:00', "
                "'2026-12-01T09:00:00+00:00')"
            )
    finally:
        await db.close()
    monkeypatch.setattr(dbmod, "_migration_files", lambda: every)
    assert 12 in await migrate(path)
    db = await Database.open(path)
    try:
        async with db.read() as conn:
            cur = await conn.execute("SELECT kind, link, place FROM appointments")
            assert [tuple(r) for r in await cur.fetchall()] == [("in_person", None, "Office")]
    finally:
        await db.close()
