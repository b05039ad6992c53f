"""/handover: a client goes to a colleague."""

from __future__ import annotations

from bot.callbacks import Callback
from bot.messages import h
from bot.services import workers as worker_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker.shared import as_code, client_name, closed_text, not_found
from storage.models import Client


async def ask_handover(rq: Request, client: Client) -> None:
    t = rq.t
    candidates = await worker_service.handover_candidates(rq.core, rq.me, client)
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    if not candidates:
        await rq.reply(
            t("There is nobody in your team to hand {client} to.").format(
                client=client_name(t, client)
            ),
        )
        return
    await rq.reply(
        OutMessage(
            t("Hand {client} over to whom?").format(client=client_name(t, client)),
            kb.handover_choices(candidates, client),
        ),
    )


async def cmd_handover(rq: Request) -> None:
    """/handover CLIENT WORKER (or /handover CLIENT for buttons of colleagues)."""
    t = rq.t
    core = rq.core
    args = rq.args
    if not args:
        await rq.reply(
            t(
                "Write /handover CLIENT WORKER, e.g. {example}. Or open the client from /clients "
                "and tap Hand over."
            ).format(example=as_code("/handover 12 Maria")),
        )
        return
    found, rest = await worker_service.split_client_ref(core, rq.me, args)
    if found.client is None:
        single = await worker_service.find_client(core, rq.me, args)
        if single.client is not None:
            await ask_handover(rq, single.client)
            return
        await rq.reply(not_found(t, found.status if found.status == "many" else single.status))
        return
    target = await worker_service.find_worker(core, rq.me, rest)
    if target.worker is None:
        await rq.reply(
            t("More than one colleague has that name; use the full name or the number.")
            if target.status == "many"
            else t(
                "No such colleague in your team. Use the name or the number, e.g. {example}."
            ).format(example=as_code(f"/handover {found.client.id} 3")),
        )
        return
    await _do_handover(rq, found.client.id, target.worker.id)


async def _do_handover(rq: Request, client_id: int, worker_id: int) -> bool:
    t = rq.t
    change = await worker_service.handover(rq.core, rq.me, client_id, worker_id)
    if change.status == "done" and change.client and change.worker:
        await rq.reply(
            t(
                "{client} is now with {worker}. The client and {worker} are told; "
                "open alerts went along."
            ).format(client=client_name(t, change.client), worker=t.ltr(h(change.worker.name))),
        )
        return True
    if change.status == "same" and change.client and change.worker:
        await rq.reply(
            t("{client} is already with {worker}.").format(
                client=client_name(t, change.client), worker=t.ltr(h(change.worker.name))
            ),
        )
    elif change.status == "closed" and change.client:
        await rq.reply(closed_text(t, change.client))
    elif change.status == "no_worker":
        await rq.reply(t("That colleague cannot take clients now."))
    else:
        await rq.reply(not_found(t))
    return False


async def on_handover_button(rq: Request, cb: Callback) -> None:
    """A colleague picked for a hand-over."""
    query = rq.query
    t = rq.t
    wid = cb.choice.removeprefix("w")
    if not cb.choice.startswith("w") or not wid.isdigit():
        await kb.stale(query, t)
        return
    await answer_query(query)
    if await _do_handover(rq, cb.id, int(wid)):
        await edit_query_message(query, t("Handed over."))
