"""/teams and /team: who is in which team, and moving a worker."""

from __future__ import annotations

from bot.messages import h
from bot.services import admin as admin_service
from handlers.admin.shared import as_code, fit, which_worker, worker_line
from handlers.common import Request


async def cmd_teams(rq: Request) -> None:
    """Teams with their active members."""
    t = rq.t
    groups = await admin_service.teams_overview(rq.core)
    lines = [t("<b>Teams</b>")]
    for team, members in groups:
        title = h(team.name) if team is not None else t("No team")
        names = ", ".join(worker_line(t, w) for w in members) or "—"
        lines.append(f"<b>{title}</b>: {names}")
    if not groups:
        lines.append(t("No teams yet."))
    lines += [
        "",
        t("Move a worker: /team WORKER TEAM NAME, e.g. {example}").format(
            example=as_code(t("/team #3 North"))
        ),
    ]
    await rq.reply(fit(t, lines))


async def cmd_team(rq: Request) -> None:
    """/team WORKER TEAM NAME (or /team Full Name | Team Name): move a worker, making the team."""
    t = rq.t
    args = rq.args
    if "|" in args:
        ref, _, team = (p.strip() for p in args.partition("|"))
    else:
        ref, _, team = args.partition(" ")
    if not ref.strip() or not team.strip():
        await rq.reply(
            t("Write /team WORKER TEAM NAME, e.g. {example}, or with a full name: {full}.").format(
                example=as_code(t("/team #3 North")),
                full=as_code(t("/team Maria Virtanen | North")),
            ),
        )
        return
    found = await admin_service.find_worker(rq.core, ref)
    if found.worker is None:
        await rq.reply(which_worker(t, found, ref))
        return
    change = await admin_service.move_to_team(rq.core, rq.me, found.worker.id, team)
    if change.status == "invalid":
        await rq.reply(t("A team name is 1-40 characters."))
    elif change.status == "unchanged" and change.team is not None:
        await rq.reply(
            t("{name} is already in team {team}.").format(
                name=worker_line(t, found.worker), team=h(change.team.name)
            ),
        )
    elif change.team is not None:
        await rq.reply(
            t("{name} is now in team {team}.").format(
                name=worker_line(t, found.worker), team=h(change.team.name)
            ),
        )
