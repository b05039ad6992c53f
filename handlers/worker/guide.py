"""A worker sends one topic of the service guide to a client, from the client card."""

from __future__ import annotations

from bot.callbacks import Callback, encode
from bot.services import guide as guide_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker.shared import client_name, not_found
from storage.models import Client


async def ask_topic(rq: Request, client: Client) -> None:
    """Which topic to send: one button per topic, titled in the worker's language."""
    t = rq.t
    _version, guide = await guide_service.current_guide(rq.core)
    buttons = [
        (topic.title[topic.language_for(t.lang)], encode("gs", client.id, topic.key))
        for topic in guide.topics
    ]
    await rq.reply(
        OutMessage(
            t(
                "Which guide topic do you send to {client}? It comes in the client's language."
            ).format(client=client_name(t, client)),
            kb.pairs(buttons),
        )
    )


async def on_send_topic(rq: Request, cb: Callback) -> None:
    """The topic was chosen: it goes through the outbox, and the worker sees that it went."""
    t = rq.t
    status = await guide_service.send_topic(rq.core, rq.me, cb.id, cb.choice)
    if status == "not_found":
        await answer_query(rq.query, not_found(t))
        return
    await answer_query(rq.query)
    if status == "unreachable":
        await edit_query_message(
            rq.query,
            t("This client cannot get messages right now (not joined, closed or unreachable)."),
        )
        return
    await edit_query_message(rq.query, t("📖 Sent. The client sees it in their own language."))
