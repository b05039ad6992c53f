"""/cadence: a client's own check-in cadence (a worker command kept with the policy tools)."""

from __future__ import annotations

from bot.messages import h
from bot.services import admin as admin_service
from bot.services import workers as worker_service
from handlers.admin.shared import as_code, fit
from handlers.common import Request

CADENCE_EXAMPLE = "/cadence 12 14:1d,60:3d,7d"


async def cmd_cadence(rq: Request) -> None:
    """/cadence CLIENT PHASES: a client's own check-in rhythm; /cadence CLIENT default clears it."""
    t = rq.t
    core = rq.core
    ref, _, text = rq.args.partition(" ")
    if not ref or not text.strip():
        await rq.reply(
            t(
                "Write /cadence CLIENT PHASES, e.g. {example}: daily until day 14, "
                "every 3 days until day 60, then weekly. {default} follows the "
                "policy again."
            ).format(example=as_code(CADENCE_EXAMPLE), default=as_code("/cadence 12 default")),
        )
        return
    found = await worker_service.find_client(core, rq.me, ref)
    if found.client is None:
        if found.status == "many":
            await rq.reply(t("More than one client has that name; use the number, e.g. #12."))
        else:
            await rq.reply(t("No such client among yours."))
        return
    change = await admin_service.set_cadence(core, rq.me, found.client.id, text)
    if change.status == "invalid":
        lines = [t("Nothing was changed. Please fix:")]
        lines += [f"• {as_code(k)}: {h(reason)}" for k, reason in change.problems]
        await rq.reply(fit(t, lines))
        return
    if change.status == "denied" or change.client is None:
        await rq.reply(t("No such client among yours."))
        return
    if change.status == "closed":
        await rq.reply(t("{client} is closed.").format(client=t.ltr(h(change.client.label))))
        return
    client = t.ltr(h(change.client.label))
    if change.phases:
        text_out = t("Check-ins for {client} now follow {phases}.").format(
            client=client, phases=as_code(change.phases)
        )
    else:
        text_out = t("{client} follows the policy's cadence again.").format(client=client)
    if change.next_checkin is not None:
        text_out += "\n" + t("Next check-in: {when}").format(
            when=t.datetime(change.next_checkin, core.policy.zone)
        )
    else:
        text_out += "\n" + t("No check-in is planned now (not joined, paused or unreachable).")
    await rq.reply(text_out)
