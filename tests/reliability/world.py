"""An in-process world for access and hostile-input tests: two teams, their clients, open
questions, alerts and attendance cards; a snapshot of what each role may not change; and a
probe that tells when the bot has handled everything sent before it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bot.services import admin as admin_service
from bot.services import contacts as contact_service
from bot.services import items as item_service
from storage import engine as engine_repo
from storage import partners as partners_repo
from storage.models import Alert, Appointment, Client, Worker
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import ADMIN_ID, Silta

# Tuesday's check-in is due Wednesday 10:00 in Helsinki; client B's appointment is at 12:00 and
# the attendance question an hour later. The world is looked at on Wednesday 13:05.
WEDNESDAY_1305 = datetime(2026, 12, 2, 11, 5, tzinfo=UTC)
APPOINTMENT_AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

WORKER_A, WORKER_B, INACTIVE = 100, 101, 102
CLIENT_A, CLIENT_B = 1001, 2001
STRANGER, PROBE = 3001, 4242
# The prison's re-entry worker, linked to client A only.
PARTNER = 5001
ERROR_LOGGERS = ("silta", "handlers", "bot", "storage", "telegram")


@dataclass
class World:
    """Who is who, and the messages whose buttons tests press."""

    silta: Silta
    admin: Worker
    worker_a: Worker
    worker_b: Worker
    inactive: Worker
    client_a: Client
    client_b: Client
    invited_b: Client
    appointment_b: Appointment
    alert_b: Alert
    users: dict[str, FakeUser]
    checkin_b: SentMessage
    reminder_b: SentMessage
    alert_card_b: SentMessage
    attendance_b: SentMessage
    partner_b: int = 0  # a prison partner invited by worker_b and linked to client_b
    probe_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tg(self) -> Any:
        return self.silta.tg

    async def flush(self) -> None:
        """Wait until the bot has handled every update sent so far, and sent what became due.

        The probe's answer means every update sent before it was fetched; then wait until
        all of them are handled (chats are handled side by side).
        """
        self.probe_count += 1
        probe = self.users["probe"]
        want = self.probe_count
        await probe.send("hello")
        await self.tg.wait_for(lambda: len(probe.messages()) >= want, 10, "the probe's answer")
        await self.silta.handled()
        await self.silta.settle()


def _card_with(user: FakeUser, prefix: str) -> SentMessage:
    found = [m for m in user.messages() if any(d.startswith(prefix) for d in m.callback_data)]
    assert found, f"no message with a {prefix} button for {user.id}"
    return found[-1]


async def build_world(silta: Silta) -> World:
    """Two teams (North: A and an inactive worker; South: B), their clients, and open items."""
    tg = silta.tg
    core = silta.core
    worker_a = await silta.add_worker(WORKER_A, "Anna North", team="North", language="en")
    worker_b = await silta.add_worker(WORKER_B, "Bert South", team="South", language="en")
    inactive = await silta.add_worker(INACTIVE, "Ilse Gone", team="North", language="en")
    users = {
        "admin": tg.user(ADMIN_ID, "Ada", language_code="en"),
        "worker_a": tg.user(WORKER_A, "Anna", language_code="en"),
        "worker_b": tg.user(WORKER_B, "Bert", language_code="en"),
        "inactive": tg.user(INACTIVE, "Ilse", language_code="en"),
        "client_a": tg.user(CLIENT_A, "Aku", language_code="en"),
        "client_b": tg.user(CLIENT_B, "Bea", language_code="en"),
        "stranger": tg.user(STRANGER, "Sten", language_code="en"),
        "partner": tg.user(PARTNER, "Pia", language_code="en"),
        "probe": tg.user(PROBE, "Probe", language_code="en"),
    }
    async with core.db.read() as conn:
        from storage import people as people_repo

        admin = await people_repo.worker_by_telegram(conn, ADMIN_ID)
    assert admin is not None
    await admin_service.deactivate_worker(core, admin, inactive.id)
    client_a = await silta.join(
        users["client_a"], await silta.add_client(worker_a, "Aku", language="en")
    )
    client_b = await silta.join(
        users["client_b"],
        await silta.add_client(worker_b, "Bea", language="en", release_date=date(2026, 11, 30)),
    )
    invited = await silta.add_client(worker_b, "Ville", language="en")
    assert invited.client is not None
    result = await item_service.add_appointment(
        core, worker_b, client_b.id, APPOINTMENT_AT, "Office B"
    )
    assert result.appointment is not None
    await item_service.add_deadline(
        core, worker_b, client_b.id, "other", date(2026, 12, 20), label="Rent form"
    )
    await item_service.add_plan_item(core, worker_b, client_b.id, "Get an ID card")
    await _partner_of(silta, worker_a, client_a)
    partner_b = await _partner_of(silta, worker_b, client_b, telegram_id=None)
    # Team South's partner contact: neither team North nor a client may see or change it.
    await contact_service.add_contact(
        core, worker_b, client_b.id, "prison", name="Sirkka South", phone="040 555 1234"
    )
    await silta.advance_to(WEDNESDAY_1305)
    async with core.db.read() as conn:
        open_b = await engine_repo.open_alerts(conn, client_id=client_b.id)
    assert open_b, "the unconfirmed appointment raised an alert for B"
    world = World(
        silta=silta,
        admin=admin,
        worker_a=worker_a,
        worker_b=worker_b,
        inactive=inactive,
        client_a=client_a,
        client_b=await silta.client(client_b.id),
        invited_b=invited.client,
        appointment_b=result.appointment,
        alert_b=open_b[0],
        users=users,
        checkin_b=_card_with(users["client_b"], "v1:ck:"),
        reminder_b=_card_with(users["client_b"], "v1:ap:"),
        alert_card_b=_card_with(users["worker_b"], "v1:al:"),
        attendance_b=_card_with(users["worker_b"], "v1:at:"),
        partner_b=partner_b,
    )
    return world


async def _partner_of(
    silta: Silta, worker: Worker, client: Client, telegram_id: int | None = PARTNER
) -> int:
    """Pia from the prison, invited by `worker` and linked to `client` (as a taken referral);
    without a Telegram id, a partner who never writes (only their records matter)."""
    core = silta.core
    async with core.db.tx() as conn:
        partner = await partners_repo.add_partner(
            conn,
            name="Pia Prison",
            organisation="Test prison",
            language="en",
            team_id=worker.team_id,
            invited_by=worker.id,
            now=core.now(),
        )
        await partners_repo.update_partner(conn, partner.id, telegram_id=telegram_id, active=1)
        await partners_repo.link(conn, partner.id, client.id, core.now())
    return partner.id


# --- what a role may not change -----------------------------------------------------------------


async def snapshot(silta: Silta, clients: list[int], workers: list[int] | None) -> dict[str, Any]:
    """Rows about `clients` and `workers` (None: every worker), plus what only admins change."""
    marks = ",".join(str(int(c)) for c in clients) or "NULL"
    queries = {
        "clients": f"SELECT * FROM clients WHERE id IN ({marks})",
        "appointments": f"SELECT * FROM appointments WHERE client_id IN ({marks})",
        "deadlines": f"SELECT * FROM deadlines WHERE client_id IN ({marks})",
        "plan_items": f"SELECT * FROM plan_items WHERE client_id IN ({marks})",
        "partner_contacts": f"SELECT * FROM partner_contacts WHERE client_id IN ({marks})",
        "contacts": f"SELECT * FROM contacts WHERE client_id IN ({marks})",
        "alerts": f"SELECT * FROM alerts WHERE client_id IN ({marks})",
        "alert_recipients": "SELECT * FROM alert_recipients WHERE alert_id IN "
        f"(SELECT id FROM alerts WHERE client_id IN ({marks}))",
        "invites": f"SELECT * FROM invites WHERE client_id IN ({marks})",
        "client_rows": f"SELECT * FROM outbox_all WHERE client_id IN ({marks}) "
        "AND kind NOT IN ('alert', 'alert_edit')",
        "partners": "SELECT id, telegram_id, name, active, ended_at FROM partners",
        "partner_links": f"SELECT * FROM partner_links WHERE client_id IN ({marks})",
        "teams": "SELECT * FROM teams",
        "policy_versions": "SELECT * FROM policy_versions",
    }
    # Not `unreachable`: it follows what the person does with their own chat (blocking the bot
    # marks them, writing again clears it), not a change to the staff records.
    staff = "SELECT id, telegram_id, name, role, team_id, language, active, created_at FROM workers"
    if workers is None:
        queries["workers"] = staff
    else:
        wmarks = ",".join(str(int(w)) for w in workers) or "NULL"
        queries["workers"] = f"{staff} WHERE id IN ({wmarks})"
    found: dict[str, Any] = {}
    async with silta.core.db.read() as conn:
        for name, sql in queries.items():
            cur = await conn.execute(sql)
            found[name] = [tuple(r) for r in await cur.fetchall()]
    return found


async def audit_history(silta: Silta) -> list[tuple[Any, ...]]:
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT * FROM audit_log ORDER BY id")
        return [tuple(r) for r in await cur.fetchall()]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Tables whose protected rows changed, with the rows that differ."""
    changed = {}
    for name, rows in before.items():
        if rows != after[name]:
            changed[name] = {
                "gone": [r for r in rows if r not in after[name]],
                "new": [r for r in after[name] if r not in rows],
            }
    return changed


class ErrorRecords(logging.Handler):
    """Collects ERROR records of the bot's, the handlers' and python-telegram-bot's loggers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in ERROR_LOGGERS:
            self.records.append(record)

    def lines(self) -> list[str]:
        out = []
        for r in self.records:
            text = f"{r.name}: {r.getMessage()}"
            if r.exc_info and r.exc_info[1] is not None:
                text += f" [{type(r.exc_info[1]).__name__}: {r.exc_info[1]}]"
            out.append(text)
        return out

    def __enter__(self) -> ErrorRecords:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
