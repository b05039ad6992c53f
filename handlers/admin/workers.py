"""/workers (with deactivate and reactivate buttons) and /makeadmin."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram.error import TelegramError

from bot.callbacks import Callback, encode
from bot.i18n import Translator
from bot.messages import h
from bot.services import admin as admin_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.admin.shared import as_code, fit, which_worker, worker_line
from handlers.common import Request, answer_query, edit_query_message
from handlers.menus import set_worker_commands

log = logging.getLogger(__name__)

MAX_WORKER_BUTTONS = 90  # Telegram allows about 100 buttons on one message


async def cmd_workers(rq: Request) -> None:
    """Every worker with team and client count, and buttons to deactivate or reactivate."""
    t = rq.t
    me = rq.me
    rows = await admin_service.list_workers(rq.core)
    lines = [t("<b>Workers</b>")]
    buttons: list[list[tuple[str, str]]] = []
    for row in rows:
        w = row.worker
        notes = [
            h(row.team) if row.team else t("no team"),
            t.ngettext("{count} client", "{count} clients", row.clients).format(count=row.clients),
        ]
        if w.is_admin:
            notes.append(t("admin"))
        if not w.active:
            notes.append(t("inactive"))
        elif w.telegram_id is None:
            notes.append(t("has not joined yet"))
        elif w.unreachable:
            notes.append(t("⚠️ Silta cannot reach them: ask them to open the bot"))
        lines.append(f"{worker_line(t, w)} · " + " · ".join(notes))
        if w.id == me.id or len(buttons) >= MAX_WORKER_BUTTONS:
            continue
        if w.active:
            buttons.append(
                [(t("Deactivate {name}").format(name=w.name), encode("adw", w.id, "off"))]
            )
        else:
            buttons.append(
                [(t("Reactivate {name}").format(name=w.name), encode("adw", w.id, "on"))]
            )
    await rq.reply(OutMessage(fit(t, lines), buttons))


def _deactivated_text(t: Translator, change: admin_service.WorkerChange) -> str:
    """What happened, and the hand-over command for each of their clients."""
    assert change.worker is not None
    lines = [
        t("{name} is deactivated.").format(name=worker_line(t, change.worker)),
        t.ngettext(
            "{count} open alert went to their team.",
            "{count} open alerts went to their team.",
            change.moved_alerts,
        ).format(count=change.moved_alerts),
    ]
    if change.clients:
        lines.append("")
        lines.append(
            t("Their clients need a new worker. Hand each over with /handover CLIENT WORKER:")
        )
        lines += [f"{as_code(f'/handover {c.id}')} — {t.ltr(h(c.label))}" for c in change.clients]
    else:
        lines.append(t("They had no clients to hand over."))
    return fit(t, lines)


async def _ask_deactivate(rq: Request, worker_id: int) -> None:
    """Deactivating asks first, saying how many clients need a new worker."""
    query = rq.query
    t = rq.t
    core = rq.core
    found = await admin_service.find_worker(core, str(worker_id))
    worker = found.worker
    if worker is None or not worker.active or worker.id == rq.me.id:
        await kb.stale(query, t)
        return
    await answer_query(query)
    rows = {r.worker.id: r for r in await admin_service.list_workers(core)}
    count = rows[worker.id].clients if worker.id in rows else 0
    await rq.reply(
        OutMessage(
            t.ngettext(
                "Deactivate {name}? They have {count} client to hand over; their open "
                "alerts go to their team.",
                "Deactivate {name}? They have {count} clients to hand over; their open "
                "alerts go to their team.",
                count,
            ).format(name=worker_line(t, worker), count=count),
            [
                [
                    (t("Yes, deactivate"), encode("adw", worker.id, "offy")),
                    (t("Cancel"), encode("adw", worker.id, "offn")),
                ]
            ],
        ),
    )


async def _keep_active(rq: Request, worker_id: int) -> None:
    t = rq.t
    await answer_query(rq.query, t("Cancelled."))
    await edit_query_message(rq.query, t("Cancelled: nothing was changed."))


async def _deactivate(rq: Request, worker_id: int) -> None:
    t = rq.t
    change = await admin_service.deactivate_worker(rq.core, rq.me, worker_id)
    if change.status == "done":
        await answer_query(rq.query, t("Deactivated."))
        await edit_query_message(rq.query, _deactivated_text(t, change))
    elif change.status == "unchanged":
        await answer_query(rq.query, t("Already inactive."))
    else:
        await kb.stale(rq.query, t)


async def _reactivate(rq: Request, worker_id: int) -> None:
    t = rq.t
    change = await admin_service.reactivate_worker(rq.core, rq.me, worker_id)
    if change.status == "done" and change.worker is not None:
        await answer_query(rq.query, t("Reactivated."))
        await rq.reply(t("{name} can use Silta again.").format(name=worker_line(t, change.worker)))
    elif change.status == "unchanged":
        await answer_query(rq.query, t("Already active."))
    else:
        await kb.stale(rq.query, t)


WORKER_BUTTONS: dict[str, Callable[[Request, int], Awaitable[None]]] = {
    "off": _ask_deactivate,
    "offn": _keep_active,
    "offy": _deactivate,
    "on": _reactivate,
}


async def on_worker_button(rq: Request, cb: Callback) -> None:
    """Deactivate (asks first), confirm, cancel, or reactivate a worker."""
    action = WORKER_BUTTONS.get(cb.choice)
    if action is None:
        await kb.stale(rq.query, rq.t)
        return
    await action(rq, cb.id)


async def cmd_makeadmin(rq: Request) -> None:
    """/makeadmin WORKER: give a worker the admin role."""
    t = rq.t
    ref = rq.args
    if not ref:
        await rq.reply(
            t("Write /makeadmin WORKER, e.g. {example}.").format(example=as_code("/makeadmin #3")),
        )
        return
    found = await admin_service.find_worker(rq.core, ref)
    if found.worker is None:
        await rq.reply(which_worker(t, found, ref))
        return
    change = await admin_service.make_admin(rq.core, rq.me, found.worker.id)
    worker = change.worker or found.worker
    if change.status == "unchanged":
        await rq.reply(t("{name} is already an admin.").format(name=worker_line(t, worker)))
        return
    await rq.reply(t("{name} is now an admin.").format(name=worker_line(t, worker)))
    if worker.telegram_id is not None and worker.active:
        try:
            await set_worker_commands(rq.context.bot, worker.telegram_id, worker.language, True)
        except TelegramError as exc:
            log.info("menu update failed: %s", type(exc).__name__)
