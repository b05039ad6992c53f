"""Messages to workers: alert cards and edits, relayed messages, notices, questions, digests."""

from __future__ import annotations

from aiosqlite import Connection

from bot import alert_text, messages
from bot.core import Core
from bot.outgoing import OutMessage
from bot.scheduling.kinds import rows
from bot.scheduling.kinds.base import Prepared, Send, Skip, ToWorker, WorkerMessage
from bot.services import alert_facts, digest
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Alert, Client, OutboxRow
from storage.outbox import ROUTINE, TIMELY, URGENT


class AttendanceQuestion(WorkerMessage):
    """After an appointment: did the client come? Asked of whoever has the client now."""

    name = "appt_after"
    priority = ROUTINE

    async def recipient_id(self, conn: Connection, row: OutboxRow) -> int | Skip | None:
        appt = await items_repo.get_appointment(conn, row.ref_id or 0)
        owner = await people_repo.get_client(conn, row.client_id or 0)
        if appt is None or owner is None or appt.status != "scheduled":
            return Skip("appointment settled")
        return owner.worker_id

    async def compose(self, job: ToWorker) -> Prepared:
        appt = await items_repo.get_appointment(job.conn, job.row.ref_id or 0)
        assert job.about is not None and appt is not None  # checked by recipient_id
        return Send(
            job.chat, messages.attendance_question(job.t, job.core.policy.zone, job.about, appt)
        )

    # Nothing follows the send: it is asked once, and the worker's answer settles it.


class AlertCard(WorkerMessage):
    """An alert to one recipient, with take / snooze / done buttons."""

    name = "alert"
    priority = TIMELY  # urgent for a person asking for help (rows.alert_card)

    async def compose(self, job: ToWorker) -> Prepared:
        alert = await engine_repo.get_alert(job.conn, job.row.alert_id or 0)
        if alert is None:
            return Skip("alert gone")
        if alert.state == "resolved":
            return Skip("resolved before delivery")
        seen = await alert_facts.facts(job.conn, job.core, alert, job.t.lang)
        card = alert_text.alert_card(
            job.t, job.core.policy.zone, seen, resurfaced=bool(job.row.payload.get("resurfaced"))
        )
        return Send(job.chat, card, composed_from=_version(alert))

    async def after_sent(
        self, conn: Connection, core: Core, row: OutboxRow, sent: Send, message_id: int | None
    ) -> None:
        if message_id is None or not row.worker_id:
            return
        if row.alert_id:
            await engine_repo.set_recipient_message(
                conn, row.alert_id, row.worker_id, sent.chat_id, message_id
            )
            alert = await engine_repo.get_alert(conn, row.alert_id)
            if alert is not None and _version(alert) != sent.composed_from:
                # It changed while the card was on its way (another cause, taken, resolved).
                rec = {
                    "worker_id": row.worker_id,
                    "chat_id": sent.chat_id,
                    "message_id": message_id,
                }
                edit = rows.alert_edit(alert, rec, core.now(), tag=f"late:{message_id}")
                await outbox.add(conn, edit, core.now())
        await _remember_relay(conn, core, row, sent, message_id)


def _version(alert: Alert) -> tuple[object, ...]:
    """What a card shows that can change after it was composed."""
    return (
        alert.count,
        alert.state,
        alert.urgent,
        alert.reason,
        alert.acknowledged_by,
        alert.replied_by,
        alert.words,
    )


class AlertEdit(WorkerMessage):
    """The card a recipient already has, edited to show who took or resolved it."""

    name = "alert_edit"
    priority = URGENT

    async def compose(self, job: ToWorker) -> Prepared:
        alert = await engine_repo.get_alert(job.conn, job.row.alert_id or 0)
        if alert is None:
            return Skip("alert gone")
        seen = await alert_facts.facts(job.conn, job.core, alert, job.t.lang)
        card = alert_text.alert_card(
            job.t, job.core.policy.zone, seen, words=job.row.payload.get("words")
        )
        return Send(
            job.row.payload["chat_id"],
            card,
            edit_message_id=job.row.payload["message_id"],
            wipe_payload=True,
        )


class RelayToWorker(WorkerMessage):
    """A client's further message while an alert about their writing is open."""

    name = "relay_to_worker"
    priority = URGENT

    async def compose(self, job: ToWorker) -> Prepared:
        if job.about is None:
            return Skip("no client")
        return Send(job.chat, self.render(job, job.about), wipe_payload=True)

    def render(self, job: ToWorker, about: Client) -> OutMessage:
        return messages.relay_to_worker(job.t, about, job.row.payload.get("text", ""))

    async def after_sent(
        self, conn: Connection, core: Core, row: OutboxRow, sent: Send, message_id: int | None
    ) -> None:
        if message_id is not None:
            await _remember_relay(conn, core, row, sent, message_id)


class MediaToWorker(RelayToWorker):
    """A client's photo, voice message or file, copied (not forwarded) to their worker; like a
    relayed text, a reply to it answers the client and its ids are wiped once delivered."""

    name = "media_to_worker"

    def render(self, job: ToWorker, about: Client) -> OutMessage:
        return messages.media_to_worker(job.t, about, job.row.payload)


class WorkerNotice(WorkerMessage):
    """A short notice to a worker (a client joined, a hand-over, all clear...)."""

    name = "worker_notice"
    priority = TIMELY

    async def compose(self, job: ToWorker) -> Prepared:
        notice = job.row.payload.get("notice", "")
        message = messages.worker_notice(
            job.t, job.core.policy.zone, notice, job.row.payload, job.about
        )
        return Send(job.chat, message)


class Digest(WorkerMessage):
    """The morning digest, composed from the facts at send time."""

    name = "digest"
    priority = ROUTINE

    async def compose(self, job: ToWorker) -> Prepared:
        facts = await digest.digest_facts(job.conn, job.core, job.worker)
        if facts is None:
            return Skip("nothing to report")
        return Send(job.chat, messages.digest(job.t, job.core.policy.zone, facts))


async def _remember_relay(
    conn: Connection, core: Core, row: OutboxRow, sent: Send, message_id: int
) -> None:
    """A worker who replies to this message answers the client it is about."""
    if row.client_id and row.worker_id:
        await engine_repo.add_relay(
            conn,
            client_id=row.client_id,
            worker_id=row.worker_id,
            chat_id=sent.chat_id,
            message_id=message_id,
            now=core.now(),
        )
