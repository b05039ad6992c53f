"""/addpartner (a prison's re-entry worker) and the take / decline buttons of a referral."""

from __future__ import annotations

from bot.alert_text import alert_card
from bot.callbacks import Callback
from bot.i18n import LANGUAGE_NAMES
from bot.messages import h
from bot.partner_text import decline_buttons
from bot.services import alert_facts
from bot.services import partners as partner_service
from bot.services import referrals as referral_service
from bot.services.onboarding import OnboardingError
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker.shared import as_code


async def cmd_addpartner(rq: Request) -> None:
    """/addpartner Name | Organisation | fi/sv/en: a one-time invite for a prison partner."""
    t = rq.t
    parts = [p.strip() for p in rq.args.split("|")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        await rq.reply(
            t(
                "Who is the partner? Send /addpartner with their name and organisation, "
                "e.g. {example}. The language (fi, sv or en) can follow."
            ).format(
                example=as_code(t("/addpartner Liisa Laine | Jyväskylä prison, re-entry team | fi"))
            )
        )
        return
    language = parts[2].lower() if len(parts) > 2 and parts[2] else "fi"
    try:
        made = await partner_service.create_invite(rq.core, rq.me, parts[0], parts[1], language)
    except OnboardingError as exc:
        problem = {
            "language": t("Partners use Silta in fi, sv or en."),
            "organisation": t("Please give the organisation (1-80 characters)."),
        }.get(exc.code, t("Please give the partner's name (1-64 characters, no identity codes)."))
        await rq.reply(problem)
        return
    card = made.invite
    caption = "\n".join(
        [
            t("<b>Partner invite for {name}</b> ({organisation}, {language})").format(
                name=t.ltr(h(made.partner.name)),
                organisation=t.ltr(h(made.partner.organisation)),
                language=LANGUAGE_NAMES.get(made.partner.language, made.partner.language),
            ),
            t.ltr(h(card.link)),
            t("Code: {code}").format(code=as_code(card.grouped)),
            t("Valid until {when}. It works once; give it only to this person.").format(
                when=t.stamp(card.expires_at, rq.core.policy.zone)
            ),
        ]
    )
    await rq.reply(OutMessage(caption, photo=card.qr()))


async def on_referral_button(rq: Request, cb: Callback) -> None:
    """rf: take a referral (the client is created), or decline it with a reason."""
    t = rq.t
    query = rq.query
    if cb.choice == "decline":
        outcome = await referral_service.peek(rq.core, rq.me, cb.id)
        if outcome is None:
            await kb.stale(query, t)
            return
        await answer_query(query)
        await rq.reply(
            OutMessage(
                t("Why is the referral declined? The partner sees the reason."),
                decline_buttons(t, outcome),
            )
        )
        return
    if cb.choice == "take":
        decision = await referral_service.take(rq.core, rq.me, cb.id)
    elif cb.choice.startswith("d-"):
        decision = await referral_service.decline(rq.core, rq.me, cb.id, cb.choice[2:])
    else:
        await kb.stale(query, t)
        return
    if decision.status == "gone":
        await kb.stale(query, t)
        return
    if decision.status == "already":
        name = decision.by.name if decision.by else "?"
        await answer_query(query, t("{worker} already took this.").format(worker=name), alert=True)
        return
    await answer_query(query)
    if decision.status == "taken" and decision.client is not None:
        await rq.reply(
            t(
                "{client} is now your client, before release, with the prison partner linked "
                "and the plan started: {plan}. Make the invite card with {invite}."
            ).format(
                client=t.ltr(h(decision.client.label)),
                plan=as_code(f"/plan {decision.client.id}"),
                invite=as_code(f"/invite {decision.client.id}"),
            )
        )
    else:
        await edit_query_message(query, t("Declined. The partner was told."))
    referral = decision.referral
    if referral is not None and referral.alert_id is not None and decision.status == "taken":
        seen = await alert_facts.card_for(rq.core, rq.me, referral.alert_id, t.lang)
        if seen is not None:
            card = alert_card(t, rq.core.policy.zone, seen)
            await edit_query_message(query, card.text, card.buttons)
