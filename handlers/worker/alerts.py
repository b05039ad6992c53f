"""/alerts: alert cards, and the buttons that take, snooze or finish an alert."""

from __future__ import annotations

from bot.callbacks import Callback
from bot.messages import alert_card
from bot.services import alerts as alert_service
from bot.services import workers as worker_service
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker.shared import send_tracked

MAX_ALERT_CARDS = 10


async def cmd_alerts(rq: Request) -> None:
    """/alerts: one card per open alert (at most ten), then how many more there are."""
    t = rq.t
    core = rq.core
    views = await worker_service.visible_alerts(core, rq.me)
    if not views:
        await rq.reply(t("No open alerts."))
        return
    chat = rq.update.effective_chat
    shown = await alert_service.facts_of(core, [v.alert for v in views[:MAX_ALERT_CARDS]], t.lang)
    for view in shown:
        card = alert_card(t, core.policy.zone, view)
        message_id = await send_tracked(rq, card)
        if message_id is not None and chat is not None and view.client is not None:
            await worker_service.remember_card(core, rq.me, view.client.id, chat.id, message_id)
    if len(views) > MAX_ALERT_CARDS:
        await rq.reply(
            t.ngettext(
                "{n} more open alert. Handle these first, then type /alerts again.",
                "{n} more open alerts. Handle these first, then type /alerts again.",
                len(views) - MAX_ALERT_CARDS,
            ).format(n=len(views) - MAX_ALERT_CARDS),
        )


async def on_alert_button(rq: Request, cb: Callback) -> None:
    """I'll handle it / snooze / done on an alert card."""
    query = rq.query
    assert rq.who.worker is not None
    t = rq.t
    outcome = await alert_service.act(rq.core, rq.who.worker, cb.id, cb.choice)
    core = rq.core
    if outcome.status == "denied" or outcome.status == "gone":
        await kb.stale(query, t)
        return
    if outcome.status == "already_taken":
        name = outcome.by.name if outcome.by else "?"
        await answer_query(query, t("{worker} already took this.").format(worker=name), alert=True)
    elif outcome.status == "already_resolved":
        await answer_query(query, t("This alert is already done."))
    else:
        await answer_query(
            query,
            {
                "taken": t("Thank you, it is yours."),
                "snoozed": t("Snoozed."),
                "resolved": t("Marked as done."),
            }.get(outcome.status),
        )
    if outcome.alert is not None:
        (seen,) = await alert_service.facts_of(core, [outcome.alert], t.lang)
        card = alert_card(t, core.policy.zone, seen, words=outcome.words)
        await edit_query_message(query, card.text, card.buttons)
