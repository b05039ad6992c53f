"""/addpartner (a prison's re-entry worker), the take / decline buttons of a referral, and
/partners: ending a partner's access or unlinking them from a client."""

from __future__ import annotations

from bot.alert_text import alert_card
from bot.callbacks import Callback, encode
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.messages import h
from bot.partner_text import decline_buttons
from bot.services import alert_facts, partner_access
from bot.services import partners as partner_service
from bot.services import referrals as referral_service
from bot.services.onboarding import OnboardingError
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.worker.shared import as_code, client_name
from storage.models import Partner


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


# --- the partner list: ending access, unlinking ------------------------------------------------

STATES = {"active": N_("active"), "ended": N_("access ended"), "invited": N_("invite not opened")}


def _partner_line(t: Translator, found: partner_access.PartnerEntry) -> str:
    """'Liisa Laine, Jyväskylä prison — active, 2 clients (invited by Maria)'."""
    p = found.partner
    clients = t.ngettext("{n} client", "{n} clients", len(found.clients)).format(
        n=len(found.clients)
    )
    line = f"{t.ltr(h(p.name))}, {t.ltr(h(p.organisation))} — {t(STATES[found.state])}, {clients}"
    if found.invited_by:
        line += " " + t("(invited by {worker})").format(worker=t.ltr(h(found.invited_by)))
    return line


async def cmd_partners(rq: Request) -> None:
    """/partners: the prison partners you invited (an admin: all), to end one's access."""
    t = rq.t
    found = await partner_access.manageable(rq.core, rq.me)
    if not found:
        await rq.reply(
            t("You have no prison partners to manage. Invite one with {command}.").format(
                command=as_code("/addpartner")
            )
        )
        return
    lines = [t("Prison partners ({n}):").format(n=len(found))]
    lines += ["• " + _partner_line(t, e) for e in found[: kb.MAX_PICK]]
    lines += ["", t("Tap a partner to see their clients or end their access.")]
    buttons: kb.Buttons = [
        [(e.partner.name, encode("pp", e.partner.id, "view"))]
        for e in found[: kb.MAX_PICK]
        if e.state != "ended"
    ]
    await rq.reply(OutMessage("\n".join(lines), buttons))


async def on_partner_button(rq: Request, cb: Callback) -> None:
    """pp: a partner's details, ending their access (with a confirmation), or unlinking them
    from one client (u<client> asks, x<client> does it)."""
    if cb.choice[:1] in ("u", "x") and cb.choice[1:].isdigit():
        await _on_unlink(rq, cb.id, int(cb.choice[1:]), do=cb.choice[0] == "x")
        return
    t = rq.t
    if cb.choice == "endy":
        ended = await partner_access.end_access(rq.core, rq.me, cb.id)
        if ended.partner is None:
            await kb.stale(rq.query, t)
            return
        await answer_query(rq.query)
        await edit_query_message(rq.query, _ended_text(t, ended))
        return
    found = await partner_access.entry(rq.core, rq.me, cb.id)
    if found is None or cb.choice not in ("view", "end", "keep"):
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    if cb.choice == "end" and found.state != "ended":
        text = t(
            "End the access of {partner}? They no longer see any client ({n} linked now), an "
            "invite not yet opened stops working, and the clients' workers are told."
        ).format(partner=t.ltr(h(found.partner.name)), n=len(found.clients))
        buttons = [
            [(t("🔒 Yes, end access"), encode("pp", found.partner.id, "endy"))],
            [(t("Keep"), encode("pp", found.partner.id, "keep"))],
        ]
        await edit_query_message(rq.query, text, buttons)
        return
    lines = [_partner_line(t, found)]
    lines += ["• " + client_name(t, c) for c in found.clients[: kb.MAX_PICK]]
    buttons = (
        [[(t("🔒 End access"), encode("pp", found.partner.id, "end"))]]
        if found.state != "ended"
        else []
    )
    await edit_query_message(rq.query, "\n".join(lines), buttons)


def _ended_text(t: Translator, ended: partner_access.AccessEnd) -> str:
    assert ended.partner is not None
    name = t.ltr(h(ended.partner.name))
    if ended.status == "already":
        return t("The access of {partner} had already ended.").format(partner=name)
    return t.ngettext(
        "Access ended: {partner} no longer sees Silta. {n} client was unlinked and their "
        "worker told.",
        "Access ended: {partner} no longer sees Silta. {n} clients were unlinked and their "
        "workers told.",
        ended.clients,
    ).format(partner=name, n=ended.clients)


async def _on_unlink(rq: Request, partner_id: int, client_id: int, *, do: bool) -> None:
    """Unlink one partner from one client on the worker's card: asked, then done."""
    t = rq.t
    linked = await partner_access.partners_of_client(rq.core, rq.me, client_id)
    partner = next((p for p in linked if p.id == partner_id), None)
    if partner is None:
        await kb.stale(rq.query, t)
        return
    name = t.ltr(h(partner.name))
    if not do:
        await answer_query(rq.query)
        await rq.reply(
            OutMessage(
                t(
                    "Unlink {partner} from client #{id}? The prison no longer sees the client."
                ).format(partner=name, id=client_id),
                [[(t("✂️ Yes, unlink"), encode("pp", partner.id, f"x{client_id}"))]],
            )
        )
        return
    if await partner_access.unlink(rq.core, rq.me, partner.id, client_id) != "ok":
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    await edit_query_message(
        rq.query,
        t("Unlinked: {partner} no longer sees client #{id}.").format(partner=name, id=client_id),
    )


def unlink_buttons(t: Translator, client_id: int, partners: list[Partner]) -> kb.Buttons:
    """The client card's row per linked partner: unlink them from this client."""
    return [
        [(t("✂️ Unlink {partner}").format(partner=p.name), encode("pp", p.id, f"u{client_id}"))]
        for p in partners
    ]
