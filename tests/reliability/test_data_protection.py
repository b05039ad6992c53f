"""Data protection: retention purge (daily and `silta purge`), subject access export, relayed
text not kept, private file modes, and logs free of message text, nicknames and the token."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.services import admin as admin_service
from bot.services import contacts as contact_service
from bot.services import items as item_service
from bot.services import onboarding
from bot.services import workers as worker_service
from storage import people as people_repo
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import Silta
from tests.reliability.helpers import (
    BotProcess,
    add_joined_client,
    add_worker,
    bot_env,
    open_core,
    query,
    run_cli,
)
from tests.worker_helpers import joined_client, office

NICK = "Zorbalina"
SENTENCE = "My sauna kettle sings at midnight 4711"
ANSWER = "The library opens at nine 0815"
PLACE = "Lummekatu 7 B"
LABEL = "Kela rent form"
TITLE = "Buy a bus card"
PARTNER = "Liisa Lumilintu"
PARTNER_PHONE = "029 56 60471"
VIDEO_LINK = "https://meet.example.fi/r/zorba-7"
PERSONAL = (NICK, SENTENCE, ANSWER, PLACE, LABEL, TITLE, PARTNER, PARTNER_PHONE, VIDEO_LINK)
CHECKIN = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _modes(db: Path) -> dict[str, int | None]:
    """Permission bits of the database file and its WAL and shared-memory files."""
    found: dict[str, int | None] = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        found[suffix] = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    return found


def _in_files(db: Path, needles: tuple[str, ...]) -> list[str]:
    """Which needles appear in the database file or its write-ahead log, byte for byte."""
    blobs = [p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists()]
    return [n for n in needles if any(n.encode() in b for b in blobs)]


async def _everywhere(silta: Silta, needles: tuple[Any, ...]) -> list[str]:
    """Every (table.column) holding one of the values, across the whole schema."""
    found = []
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for (table,) in await cur.fetchall():
            cur = await conn.execute(f"PRAGMA table_info({table})")
            for column in [r[1] for r in await cur.fetchall()]:
                for needle in needles:
                    op = "LIKE" if isinstance(needle, str) else "="
                    value = f"%{needle}%" if isinstance(needle, str) else needle
                    cur = await conn.execute(
                        f"SELECT count(*) FROM {table} WHERE {column} {op} ?", (value,)
                    )
                    if (await cur.fetchone())[0]:
                        found.append(f"{table}.{column}: {needle}")
    return found


async def _a_full_client(silta: Silta) -> tuple[Any, FakeUser, Any]:
    """A client with an appointment, a deadline, a plan item, an answer, and a message both ways."""
    o = await office(silta)
    client, user = await joined_client(silta, o.maria, NICK, telegram_id=5001)
    core = silta.core
    await item_service.add_appointment(
        core, o.maria, client.id, datetime(2026, 12, 10, 10, 0, tzinfo=UTC), PLACE
    )
    await item_service.add_deadline(
        core, o.maria, client.id, "other", date(2026, 12, 20), label=LABEL
    )
    await item_service.add_plan_item(core, o.maria, client.id, TITLE)
    await item_service.add_appointment(
        core,
        o.maria,
        client.id,
        datetime(2026, 12, 11, 10, 0, tzinfo=UTC),
        "",
        kind="video",
        link=VIDEO_LINK,
    )
    await contact_service.add_contact(
        core, o.maria, client.id, "prison", name=PARTNER, phone=PARTNER_PHONE, shareable=True
    )
    await silta.advance_to(CHECKIN)
    checkin = await silta.with_button(user, "😊 Good")
    qid = await user.press(checkin, label="😊 Good")
    await silta.tg.wait_for_callback_answer(qid)
    await user.send(SENTENCE)
    card = await o.maria_chat.next_message(contains=SENTENCE)
    await o.maria_chat.send(ANSWER, reply_to=card)
    await silta.tg.wait_for(lambda: any(ANSWER in (m.text or "") for m in user.messages()))
    await silta.settle()
    return client, user, o


async def test_the_daily_run_purges_a_closed_clients_personal_data_after_retention(
    silta: Silta,
) -> None:
    client, user, o = await _a_full_client(silta)
    other, _ = await joined_client(silta, o.maria, "Keeper", telegram_id=5002)
    await admin_service.set_policy(silta.core, None, "retention", "2d", force=True)
    change = await worker_service.close_client(silta.core, o.maria, client.id)
    assert change.status == "done"
    await silta.settle()
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT id, at, actor_id, actor_kind, action, client_id, detail FROM audit_log "
            "WHERE client_id = ?",
            (client.id,),
        )
        audit_before = [tuple(r) for r in await cur.fetchall()]
    assert len(audit_before) >= 5

    await silta.advance(timedelta(days=1))
    assert (await silta.client(client.id)).nickname == NICK, "kept during the retention period"
    await silta.advance(timedelta(days=2))  # a daily run after the period purges

    after = await silta.client(client.id)
    assert after.nickname is None and after.telegram_id is None and after.last_answer is None
    left = await _everywhere(silta, (*PERSONAL, user.id))
    assert left == [], f"personal data left after purge: {left}"
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT count(*) FROM relays WHERE client_id = ?", (client.id,))
        assert (await cur.fetchone())[0] == 0
        cur = await conn.execute("SELECT purged_at FROM clients WHERE id = ?", (client.id,))
        assert (await cur.fetchone())[0] is not None
        cur = await conn.execute(
            "SELECT id, at, actor_id, actor_kind, action, client_id, detail FROM audit_log "
            "WHERE client_id = ?",
            (client.id,),
        )
        audit_after = [tuple(r) for r in await cur.fetchall()]
    assert audit_after[: len(audit_before)] == audit_before, "the audit trail is kept"
    assert not [e for e in audit_after if any(p in str(e) for p in PERSONAL)]
    # The purge also reaches the files: nothing readable is left in freed pages or the WAL.
    assert _in_files(silta.db_path, PERSONAL) == []
    # The other client, still in service, keeps everything.
    kept = await silta.client(other.id)
    assert kept.nickname == "Keeper" and kept.telegram_id == 5002


async def test_silta_purge_removes_only_clients_closed_longer_than_retention(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        worker = await add_worker(core, 100, "Maria Virtanen")
        old = await add_joined_client(core, worker, NICK, 5001)
        recent = await add_joined_client(core, worker, "Recent", 5002)
        active = await add_joined_client(core, worker, "Active", 5003)
        await item_service.add_deadline(
            core, worker, old.id, "other", date(2030, 1, 1), label=LABEL
        )
        long_ago = core.now() - core.policy.retention - timedelta(days=1)
        async with core.db.tx() as conn:
            await people_repo.update_client(conn, old.id, status="closed", closed_at=long_ago)
            await people_repo.update_client(
                conn, recent.id, status="closed", closed_at=core.now() - timedelta(days=3)
            )
    finally:
        await core.db.close()
    code, out, err = await run_cli(tmp_path, bot_env(tg, db), "purge")
    assert code == 0, err
    assert out.strip() == "purged 1 client(s)"
    rows = dict(query(db, "SELECT id, nickname FROM clients"))
    assert rows == {old.id: None, recent.id: "Recent", active.id: "Active"}
    assert query(db, "SELECT label FROM deadlines WHERE client_id = ?", old.id) == [(None,)]
    assert query(db, "SELECT count(*) FROM audit_log WHERE action = 'retention.purge'") == [(1,)]
    assert _in_files(db, (NICK, LABEL)) == []


async def test_silta_export_writes_everything_about_one_client_and_nothing_else(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        worker = await add_worker(core, 100, "Maria Virtanen")
        client = await add_joined_client(core, worker, NICK, 5001)
        other = await add_joined_client(core, worker, "Otherperson", 5002)
        at = core.now() + timedelta(days=5)
        await item_service.add_appointment(core, worker, client.id, at, PLACE)
        await item_service.add_appointment(core, worker, other.id, at, "Other place")
        await item_service.add_deadline(
            core, worker, client.id, "other", date(2030, 1, 1), label=LABEL
        )
        await item_service.add_plan_item(core, worker, client.id, TITLE)
        await contact_service.add_contact(core, worker, client.id, "housing", name=PARTNER)
        await contact_service.add_contact(core, worker, other.id, "housing", name="Otto Muu")
    finally:
        await core.db.close()
    out_file = tmp_path / "export.json"
    code, out, err = await run_cli(
        tmp_path, bot_env(tg, db), "export", str(client.id), "--out", str(out_file)
    )
    assert code == 0, err
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["client"]["nickname"] == NICK and data["client"]["telegram_id"] == 5001
    assert [a["place"] for a in data["appointments"]] == [PLACE]
    assert [d["label"] for d in data["deadlines"]] == [LABEL]
    assert [p["title"] for p in data["plan_items"]] == [TITLE]
    assert [(c["role"], c["name"]) for c in data["partner_contacts"]] == [("housing", PARTNER)]
    assert {"contacts", "alerts", "audit_log", "messages", "invites"} <= set(data)
    assert data["audit_log"], "the export lists what was done with the client's data"
    text = out_file.read_text(encoding="utf-8")
    assert "Otherperson" not in text and "Other place" not in text and "Otto Muu" not in text
    assert "code_hash" not in text
    # The export itself is audited, and stdout works too.
    code, out, err = await run_cli(tmp_path, bot_env(tg, db), "export", str(client.id))
    assert code == 0 and json.loads(out)["client"]["id"] == client.id
    assert query(db, "SELECT count(*) FROM audit_log WHERE action = 'client.export'") == [(2,)]
    code, out, err = await run_cli(tmp_path, bot_env(tg, db), "export", "999")
    assert code == 2 and err.strip() == "silta: no client #999"


async def test_relayed_text_is_not_kept_in_the_files_after_delivery(silta: Silta) -> None:
    await _a_full_client(silta)
    assert await _everywhere(silta, (SENTENCE, ANSWER)) == [], "no row keeps the text"
    assert _in_files(silta.db_path, (SENTENCE, ANSWER)) == []


async def test_scrub_makes_wiped_text_unreadable_in_the_files(silta: Silta) -> None:
    """What the fix above needs already works: secure_delete and a truncating checkpoint."""
    from bot.services.retention import scrub

    await _a_full_client(silta)
    assert await scrub(silta.core)
    assert _in_files(silta.db_path, (SENTENCE, ANSWER)) == []


async def test_the_database_files_are_private(silta: Silta) -> None:
    await _a_full_client(silta)
    modes = _modes(silta.db_path)
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}, f"readable by others: {modes}"


# --- logs -------------------------------------------------------------------------------------


@dataclass
class Journey:
    log: str
    secrets: dict[str, str]


async def _journey(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess], level: str
) -> Journey:
    """A whole client journey through a real bot process, logging at `level`."""
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        worker = await add_worker(core, 100, "Maria Virtanen")
        card = await onboarding.create_client(core, worker, NICK, language="en")
        assert card.client is not None
    finally:
        await core.db.close()
    bot = spawn(db, SILTA_LOG_LEVEL=level)
    await bot.start()
    maria = tg.user(100, "Maria", language_code="en")
    client = tg.user(5001, "Zed", language_code="en")
    await client.command("start", card.code)
    offer = await client.next_message(contains="Silta", timeout=15)
    qid = await client.press(offer, callback_data=offer.callback_data[0])
    await tg.wait_for_callback_answer(qid, timeout=15)
    await tg.wait_for(lambda: any("you are in" in (m.text or "") for m in client.messages()), 15)
    await client.send(SENTENCE)
    await client.next_message(contains="passed on", timeout=15)
    await maria.send("/clients")
    await maria.next_message(contains=NICK, timeout=15)
    await maria.send(f"/reply {card.client.id} {ANSWER}")
    await client.next_message(contains=ANSWER, timeout=15)
    await client.send("/next")
    await client.next_message(timeout=15)
    assert await bot.stop() == 0, bot.log_tail()
    secret = tg.token.split(":", 1)[1]
    return Journey(
        bot.log_text(),
        {
            "token": secret,
            "nickname": NICK,
            "client's text": SENTENCE,
            "worker's text": ANSWER,
            "invite code": card.code,
            "client's name": "Zed",
        },
    )


def _leaks(journey: Journey) -> list[str]:
    found = []
    for line in journey.log.splitlines():
        for what, value in journey.secrets.items():
            if value in line:
                found.append(f"{what}: {line[:160]}")
    return found


async def test_logs_at_info_never_contain_text_nicknames_or_the_token(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    journey = await _journey(tg, tmp_path, spawn, "INFO")
    assert "Silta started" in journey.log
    assert _leaks(journey) == []


async def test_logs_at_debug_never_contain_text_nicknames_or_the_token(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    journey = await _journey(tg, tmp_path, spawn, "DEBUG")
    assert "Silta started" in journey.log
    assert _leaks(journey) == []
