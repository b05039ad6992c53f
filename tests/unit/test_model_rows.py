"""Model.from_rows (the dispatcher's hot path, built without pydantic's validation) gives the
same models as from_row, which validates: for the rows the dispatcher reads, and for the
types it converts itself (times, dates, flags, a payload and a wiped one)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.scheduling.kinds import rows
from storage import outbox, people
from storage.db import Database
from storage.models import Client, OutboxRow, Worker

NOW = datetime(2026, 12, 2, 8, 0, 30, 123456, tzinfo=UTC)


async def test_from_rows_equals_from_row(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "m.db")
    try:
        async with db.tx() as conn:
            worker = await people.add_worker(conn, name="Maria V", now=NOW, telegram_id=5)
            first = await people.add_client(
                conn,
                nickname="Pete",
                worker_id=worker.id,
                language="fi",
                now=NOW,
                release_date=date(2026, 11, 30),
            )
            await people.add_client(conn, nickname="", worker_id=worker.id, language=None, now=NOW)
            await conn.execute(
                "UPDATE clients SET unreachable = 1, telegram_id = 77, joined_at = ? WHERE id = ?",
                ("2026-12-01T10:00:00.000000Z", first.id),
            )
            await outbox.add(conn, rows.checkin(first.id, NOW), NOW)
            await outbox.add(
                conn,
                rows.client_notice(first.id, "resumed", NOW, once="1", at="2026-12-04T10:00:00"),
                NOW,
            )
            await conn.execute("UPDATE outbox SET payload = NULL WHERE kind = 'checkin'")
        async with db.read() as conn:
            for table, model in (("clients", Client), ("outbox", OutboxRow), ("workers", Worker)):
                cur = await conn.execute(f"SELECT * FROM {table} ORDER BY id")
                found = await cur.fetchall()
                fast = model.from_rows(found)
                assert fast == [model.from_row(r) for r in found]
                assert len(fast) >= 1
                for built, checked in zip(fast, [model.from_row(r) for r in found], strict=True):
                    assert built.model_dump() == checked.model_dump()
                    assert built.model_fields_set == checked.model_fields_set
        assert Client.from_rows([]) == []
    finally:
        await db.close()
