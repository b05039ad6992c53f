"""/policy: show the schedule policy, or change one value."""

from __future__ import annotations

from bot.messages import h
from bot.policy import PolicyError, describe_policy
from bot.reasons import render
from bot.services import admin as admin_service
from handlers.admin.shared import MAX_TEXT, as_code, fit, utf16_units
from handlers.common import Request

POLICY_EXAMPLE = "/policy set checkins.answer_within 4h"


async def policy_text(rq: Request) -> str:
    """The policy in force as readable rows, with version and last change."""
    t = rq.t
    core = rq.core
    info = await admin_service.policy_info(core)
    if info.version == 0:
        head = t("<b>Schedule policy</b> (the defaults; never changed)")
    elif info.changed_at is not None:
        head = t("<b>Schedule policy</b>, version {version}: changed by {who}, {when}").format(
            version=info.version,
            who=t.ltr(h(info.changed_by)) if info.changed_by else t("command line"),
            when=t.stamp(info.changed_at, core.policy.zone),
        )
    else:
        head = t("<b>Schedule policy</b>, version {version}").format(version=info.version)
    rows = [f"{as_code(key)} = {h(value)}" for key, value in describe_policy(core.policy)]
    foot = t("Change a value with /policy set KEY VALUE, e.g. {example}").format(
        example=as_code(POLICY_EXAMPLE)
    )
    # The footer must survive the cut, so it is measured in before fitting the rows.
    body = fit(t, [head, "", *rows], MAX_TEXT - utf16_units(foot) - 2)
    return f"{body}\n\n{foot}"


async def cmd_policy(rq: Request) -> None:
    """/policy shows the policy; /policy set KEY VALUE changes one value."""
    t = rq.t
    args = rq.args
    verb, _, rest = args.partition(" ")
    if not args or verb.lower() == "show":
        await rq.reply(await policy_text(rq))
        return
    key, _, value = rest.strip().partition(" ")
    if verb.lower() != "set" or not key or not value.strip():
        await rq.reply(
            t(
                "To change a value: /policy set KEY VALUE, e.g. {example}. "
                "/policy shows every key and its value."
            ).format(example=as_code(POLICY_EXAMPLE)),
        )
        return
    try:
        change = await admin_service.set_policy(rq.core, rq.me, key, value)
    except PolicyError as exc:
        lines = [t("Nothing was changed. Please fix:")]
        lines += [f"• {as_code(k)}: {h(render(t, reason))}" for k, reason in exc.problems]
        await rq.reply(fit(t, lines))
        return
    if change.status == "unchanged":
        await rq.reply(
            t("Nothing to change: {key} already has that value.").format(
                key=as_code(key.strip().lower())
            ),
        )
        return
    lines = [t("Policy changed (version {version}):").format(version=change.version)]
    lines += [f"{as_code(k)}: {h(old)} → {h(new)}" for k, old, new in change.changes]
    lines.append(
        t.ngettext(
            "Re-planned the messages of {count} client.",
            "Re-planned the messages of {count} clients.",
            change.replanned,
        ).format(count=change.replanned)
    )
    await rq.reply(fit(t, lines))
