"""The worker's side of the bot."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import Callback
from bot.i18n import N_
from bot.messages import alert_card, h
from bot.services import alerts as alert_service
from bot.services import workers as worker_service
from bot.services.access import Who
from handlers.common import SiltaContext, answer_query, edit_query_message, lang_of, reply

MENU = (
    ("help", N_("What I can do")),
)


async def join_as_worker(update: Update, context: SiltaContext, invite_id: int) -> None:
    """A worker invite was opened."""
    user = update.effective_user
    assert user is not None
    result = await worker_service.join_worker(context.core, user.id, invite_id)
    t = lang_of(update)
    if result.status == "joined" and result.worker is not None:
        from bot.i18n import translator
        from handlers.router import set_worker_commands

        t = translator(result.worker.language)
        await reply(update, t("Welcome to Silta, {name}! You are now registered as a worker. "
                              "Type /help to see what you can do.").format(
            name=t.ltr(h(result.worker.name))))
        await set_worker_commands(context.bot, user.id, result.worker.language,
                                  result.worker.is_admin)
    elif result.status == "already":
        await reply(update, t("You are already registered as a worker."))
    else:
        await reply(update, t("This invite is no longer valid. Ask your admin for a new one."))


async def cmd_start(update: Update, context: SiltaContext, who: Who) -> None:
    """A worker pressing /start gets the help."""
    await cmd_help(update, context, who)


async def cmd_help(update: Update, context: SiltaContext, who: Who) -> None:
    """What a worker can do."""
    t = lang_of(update, who)
    await reply(update, t("Silta for workers. Alerts come to this chat; reply to a client's "
                          "message to answer them."))


async def on_alert_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """I'll handle it / snooze / done on an alert card."""
    query = update.callback_query
    assert query is not None and who.worker is not None
    t = lang_of(update, who)
    outcome = await alert_service.act(context.core, who.worker, cb.id, cb.choice)
    core = context.core
    if outcome.status == "denied" or outcome.status == "gone":
        await answer_query(query, t("This button is no longer active."))
        return
    if outcome.status == "already_taken":
        name = outcome.by.name if outcome.by else "?"
        await answer_query(query, t("{worker} already took this.").format(worker=name), alert=True)
    elif outcome.status == "already_resolved":
        await answer_query(query, t("This alert is already done."))
    else:
        await answer_query(query, {
            "taken": t("Thank you, it is yours."),
            "snoozed": t("Snoozed."),
            "resolved": t("Marked as done."),
        }.get(outcome.status))
    if outcome.alert is not None:
        async with core.db.read() as conn:
            from storage import people as people_repo

            client = await people_repo.get_client(conn, outcome.alert.client_id or 0)
            taker_id = (outcome.alert.resolved_by if outcome.alert.state == "resolved"
                        else outcome.alert.acknowledged_by)
            taker = await people_repo.get_worker(conn, taker_id) if taker_id else None
        card = alert_card(t, core.policy.zone, outcome.alert, client, taker)
        await edit_query_message(query, card.text, card.buttons)


async def on_text(update: Update, context: SiltaContext, who: Who) -> None:
    """A reply to a relayed client message goes to that client."""
    message = update.effective_message
    assert message is not None and who.worker is not None
    t = lang_of(update, who)
    target = message.reply_to_message
    if target is not None and message.text:
        client_id = await worker_service.client_of_relay(context.core, message.chat_id,
                                                         target.message_id)
        if client_id is not None:
            result = await worker_service.reply_to_client(context.core, who.worker, client_id,
                                                          message.text)
            await reply(update, _reply_status(t, result))
            return
    await reply(update, t("To answer a client, reply to their message. Type /help to see what "
                          "you can do."))


def _reply_status(t, result: worker_service.ReplyResult) -> str:  # noqa: ANN001
    if result.status == "sent" and result.client is not None:
        return t("Sent to {client}.").format(client=t.ltr(h(result.client.label)))
    if result.status == "unreachable":
        return t("This client cannot get messages right now (not joined, closed or "
                 "unreachable).")
    return t("No such client among yours.")


COMMANDS = {
    "help": cmd_help,
}
CALLBACKS = {
    "al": on_alert_button,
}
