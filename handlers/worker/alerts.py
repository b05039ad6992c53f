"""/alerts: a summary with a button per alert, the cards, and the buttons that take, snooze or
finish an alert."""

from __future__ import annotations

from bot.alert_text import alert_card, alert_summary
from bot.callbacks import Callback
from bot.services import alert_facts
from bot.services import alerts as alert_service
from bot.services import workers as worker_service
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker.shared import send_tracked

MAX_ALERT_CARDS = 10


async def cmd_alerts(rq: Request) -> None:
    """/alerts: one summary message (counts by matter, oldest first) with a button per alert."""
    t = rq.t
    core = rq.core
    views = await worker_service.visible_alerts(core, rq.me)
    if not views:
        await rq.reply(t("No open alerts."))
        return
    found = [(v.alert, v.client) for v in views]
    await rq.reply(alert_summary(t, core.policy.zone, found, MAX_ALERT_CARDS))


async def _open_card(rq: Request, alert_id: int) -> None:
    """A button of the summary: the alert's card, as its recipients got it."""
    t = rq.t
    core = rq.core
    seen = await alert_facts.card_for(core, rq.me, alert_id, t.lang)
    if seen is None:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    message_id = await send_tracked(rq, alert_card(t, core.policy.zone, seen))
    chat = rq.update.effective_chat
    if message_id is not None and chat is not None and seen.client is not None:
        await worker_service.remember_card(core, rq.me, seen.client.id, chat.id, message_id)


async def on_alert_button(rq: Request, cb: Callback) -> None:
    """I'll handle it / snooze / done on an alert card."""
    query = rq.query
    assert rq.who.worker is not None
    t = rq.t
    if cb.choice == "open":
        await _open_card(rq, cb.id)
        return
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
        (seen,) = await alert_facts.facts_of(core, [outcome.alert], t.lang)
        card = alert_card(t, core.policy.zone, seen, words=outcome.words)
        await edit_query_message(query, card.text, card.buttons)
