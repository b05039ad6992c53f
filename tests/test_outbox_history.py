"""Finished outbox rows live in outbox_history (migration 0016): the outbox holds only open rows,
planning stays idempotent across the move, and what read finished rows still finds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import storage.db as dbmod
from bot.scheduling.kinds import rows
from storage import engine as engine_repo
from storage import outbox, people, retention, stats
from storage.db import Database, migrate
from storage.outbox import Planned
from storage.times import utc_iso

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def _client(db: Database) -> int:
    async with db.tx() as conn:
        worker = await people.add_worker(conn, name="Maria V", now=NOW, telegram_id=5)
        client = await people.add_client(
            conn, nickname="Pete", worker_id=worker.id, language="fi", now=NOW
        )
    return client.id


async def _open_and_history(db: Database) -> tuple[list[str], list[str]]:
    async with db.read() as conn:
        cur = await conn.execute("SELECT state FROM outbox ORDER BY id")
        open_states = [r[0] for r in await cur.fetchall()]
        cur = await conn.execute("SELECT state FROM outbox_history ORDER BY id")
        return open_states, [r[0] for r in await cur.fetchall()]


async def test_a_row_leaves_the_outbox_with_its_outcome(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "h.db")
    try:
        cid = await _client(db)
        async with db.tx() as conn:
            sent = await outbox.add(conn, rows.checkin(cid, NOW), NOW)
            dropped = await outbox.add(conn, rows.checkin(cid, NOW + timedelta(days=1)), NOW)
            later = await outbox.add(conn, rows.checkin(cid, NOW + timedelta(days=2)), NOW)
            assert sent and dropped and later
            assert [r.id for r in await outbox.claim_due(conn, NOW, 10)] == [sent]
            await outbox.mark_sent(conn, sent, NOW, chat_id=9, message_id=1, wipe_payload=False)
            await outbox.drop_rows(conn, [(dropped, "late")])
        assert await _open_and_history(db) == (["pending"], ["sent", "dropped"])
        async with db.read() as conn:
            # Still found by id (a worker's "send now" asks about a reply that went already).
            row = await outbox.get(conn, sent)
            assert row is not None and row.state == "sent" and row.message_id == 1
            assert await outbox.count_by_state(conn) == {"pending": 1, "sent": 1, "dropped": 1}
    finally:
        await db.close()


async def test_a_sent_key_is_never_planned_again_and_a_dropped_one_is(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    try:
        cid = await _client(db)
        today, tomorrow = rows.checkin(cid, NOW), rows.checkin(cid, NOW + timedelta(days=1))
        async with db.tx() as conn:
            first = await outbox.add(conn, today, NOW)
            await outbox.add(conn, tomorrow, NOW)
            assert first is not None
            await outbox.claim_due(conn, NOW, 1)
            await outbox.mark_sent(conn, first, NOW, chat_id=9, message_id=1, wipe_payload=False)
            await outbox.drop_pending(conn, "paused", client_id=cid)
        async with db.tx() as conn:
            # The planner runs again: today's check-in went out; tomorrow's was only dropped.
            assert await outbox.add(conn, today, NOW) is None
            await outbox.add_many(conn, [today, tomorrow], NOW)
            pending = await outbox.pending_for_client(conn, cid)
        assert [r.key for r in pending] == [tomorrow.key]
        assert pending[0].id > first  # ids are never reused
    finally:
        await db.close()


async def test_statistics_and_the_subject_access_export_read_the_history(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.db")
    try:
        cid = await _client(db)
        async with db.tx() as conn:
            row_id = await outbox.add(conn, rows.checkin(cid, NOW), NOW)
            assert row_id is not None
            await outbox.claim_due(conn, NOW, 1)
            await outbox.mark_sent(conn, row_id, NOW, chat_id=9, message_id=1, wipe_payload=False)
        async with db.read() as conn:
            assert await stats.checkins_sent(conn, NOW - timedelta(days=1), NOW + timedelta(1)) == 1
            export = await retention.export_client(conn, cid)
        assert export is not None
        assert [(m["kind"], m["state"]) for m in export["messages"]] == [("checkin", "sent")]
    finally:
        await db.close()


async def test_the_migration_moves_finished_rows_and_keeps_open_ones_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    every = dbmod._migration_files()
    monkeypatch.setattr(dbmod, "_migration_files", lambda: [m for m in every if m[0] < 16])
    await migrate(path)
    db = await Database.open(path)
    stamp = "2026-12-02T08:00:00Z"
    try:
        cid = await _client(db)
        async with db.tx() as conn:
            for rid, key, state in (
                (1, "checkin:1:2026-12-01", "dropped"),
                (2, "checkin:1:2026-12-03", "pending"),
                (3, "checkin:1:2026-12-02", "sent"),  # the highest id, finished
            ):
                await conn.execute(
                    "INSERT INTO outbox(id, key, kind, client_id, due_at, state, created_at) "
                    "VALUES (?, ?, 'checkin', ?, ?, ?, ?)",
                    (rid, key, cid, stamp, state, stamp),
                )
            for rid in (2, 3):
                await engine_repo.open_contact(
                    conn,
                    client_id=cid,
                    kind="checkin",
                    ref_id=None,
                    outbox_id=rid,
                    now=NOW,
                    answer_due_at=NOW,
                )
    finally:
        await db.close()
    monkeypatch.setattr(dbmod, "_migration_files", lambda: every)
    assert 16 in await migrate(path)
    db = await Database.open(path)
    try:
        assert await _open_and_history(db) == (["pending"], ["dropped", "sent"])
        async with db.tx() as conn:
            assert (await engine_repo.contact_for_outbox(conn, 2)) is not None
            new = await outbox.add(conn, rows.checkin(cid, NOW + timedelta(days=5)), NOW)
        assert new is not None and new > 3
    finally:
        await db.close()


async def test_a_sent_group_is_recorded_in_one_statement_row_for_row(tmp_path: Path) -> None:
    """mark_sent_many records each row's own chat and message id, wipes only the payloads it is
    told to, moves every row to the history, and touches no row outside the group."""
    db = await Database.open(tmp_path / "g.db")
    try:
        cid = await _client(db)
        planned = [
            Planned(
                key=f"notice:{n}",
                kind="client_notice",
                due_at=NOW + timedelta(minutes=n),
                client_id=cid,
                payload={"notice": "resumed"},
            )
            for n in range(60)
        ]
        async with db.tx() as conn:
            await outbox.add_many(conn, planned, NOW)
            claimed = await outbox.claim_due(conn, NOW + timedelta(hours=1), 100)
        group, left = claimed[:50], claimed[50:]
        async with db.tx() as conn:
            await outbox.mark_sent_many(
                conn,
                [(r.id, 1000 + i, 2000 + i, i % 2 == 0) for i, r in enumerate(group)],
                NOW,
            )
            await outbox.mark_sent_many(conn, [], NOW)
        async with db.read() as conn:
            cur = await conn.execute(
                "SELECT id, state, chat_id, message_id, payload IS NULL, sent_at "
                "FROM outbox_history ORDER BY id"
            )
            history = [tuple(r) for r in await cur.fetchall()]
            cur = await conn.execute("SELECT id, state FROM outbox ORDER BY id")
            still_open = [tuple(r) for r in await cur.fetchall()]
        assert history == [
            (r.id, "sent", 1000 + i, 2000 + i, int(i % 2 == 0), utc_iso(NOW))
            for i, r in enumerate(group)
        ]
        assert still_open == [(r.id, "sending") for r in left]
    finally:
        await db.close()
