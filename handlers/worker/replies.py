"""/reply, and a worker's reply to a relayed client message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from bot.callbacks import Callback, encode
from bot.i18n import Translator
from bot.messages import h
from bot.outgoing import OutMessage
from bot.services import media as media_service
from bot.services import workers as worker_service
from bot.services.media import too_big
from handlers.common import Request, answer_query, edit_query_message
from handlers.keyboards import stale
from handlers.media import media_of
from handlers.worker.flow import TextStep, take_text
from handlers.worker.shared import as_code, not_found


async def cmd_reply(rq: Request) -> None:
    """/reply CLIENT TEXT: a message to the client, from the worker by first name."""
    t = rq.t
    args = rq.args
    found, text = await worker_service.split_client_ref(rq.core, rq.me, args)
    if found.client is None or not text:
        if not args or len(args.split()) < 2:
            await rq.reply(
                t(
                    "Write /reply CLIENT TEXT, e.g. {example}. Or reply to the client's message."
                ).format(example=as_code(t("/reply 12 See you tomorrow!"))),
            )
        else:
            await rq.reply(not_found(t, found.status))
        return
    result = await worker_service.reply_to_client(rq.core, rq.me, found.client.id, text)
    await rq.reply(_reply_status(t, result, rq.core.policy.zone))


async def on_text(rq: Request, steps: Mapping[tuple[str, str], TextStep]) -> None:
    """A reply to a relayed client message goes to that client; otherwise a conversation step."""
    message = rq.update.effective_message
    assert message is not None and rq.who.worker is not None
    t = rq.t
    target = message.reply_to_message
    if target is not None and message.text:
        client_id = await worker_service.client_of_relay(
            rq.core, message.chat_id, target.message_id
        )
        if client_id is not None:
            result = await worker_service.reply_to_client(
                rq.core, rq.who.worker, client_id, message.text
            )
            await rq.reply(_reply_status(t, result, rq.core.policy.zone))
            return
    if message.text and await take_text(rq, message.text, steps):
        return
    await rq.reply(
        t("To answer a client, reply to their message. Type /help to see what you can do.")
    )


async def on_media(rq: Request) -> None:
    """A photo, voice message or file replying to a relayed client message goes to that client."""
    message = rq.update.effective_message
    assert message is not None and rq.who.worker is not None
    t = rq.t
    media = media_of(message)
    target = message.reply_to_message
    client_id = None
    if media is not None and target is not None:
        client_id = await worker_service.client_of_relay(
            rq.core, message.chat_id, target.message_id
        )
    if media is None or client_id is None:
        await rq.reply(
            t(
                "To send a photo, voice message or file to a client, send it as a reply to "
                "the client's message."
            )
        )
        return
    if too_big(rq.core.policy, media):
        await rq.reply(
            t("This file is too big to pass on (over {n} MB). Please send a smaller one.").format(
                n=rq.core.policy.messages.max_media_mb
            )
        )
        return
    result = await media_service.to_client(rq.core, rq.who.worker, client_id, media)
    await rq.reply(_reply_status(t, result, rq.core.policy.zone))


async def on_send_now(rq: Request, cb: Callback) -> None:
    """ "Send now anyway": a reply waiting for the end of the quiet hours goes at once."""
    t = rq.t
    result = await worker_service.send_reply_now(rq.core, rq.me, cb.id)
    if result.client is None:
        await stale(rq.query, t)
        return
    if result.status == "sent":
        await answer_query(rq.query)
        await edit_query_message(rq.query, _sent(t, result))
    elif result.status == "already":
        await answer_query(rq.query, t("That message has already been sent."))
        await edit_query_message(rq.query, _sent(t, result))
    else:
        await stale(rq.query, t)


def _sent(t: Translator, result: worker_service.ReplyResult) -> str:
    assert result.client is not None
    return t("Sent to {client}.").format(client=t.ltr(h(result.client.label)))


def _reply_status(t: Translator, result: worker_service.ReplyResult, zone: tzinfo) -> OutMessage:
    if result.status == "sent" and result.arrives_at is not None and result.row_id is not None:
        # Not sent yet: the worker is told when it will be, and may judge it cannot wait.
        text = t("{client} gets this {when}, after the quiet hours.").format(
            client=t.ltr(h(result.client.label)) if result.client else "",
            when=t.datetime(result.arrives_at, zone),
        )
        return OutMessage(text, [[(t("Send now anyway"), encode("rn", result.row_id))]])
    return OutMessage(_status_text(t, result))


def _status_text(t: Translator, result: worker_service.ReplyResult) -> str:
    if result.status == "sent" and result.client is not None:
        return _sent(t, result)
    if result.status == "unreachable":
        return t("This client cannot get messages right now (not joined, closed or unreachable).")
    if result.status == "too_long":
        return t("Your message is very long. Please send it in shorter parts.")
    return t("No such client among yours.")
