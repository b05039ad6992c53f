"""/addworker: invite a new worker, picking team and language by buttons when not given."""

from __future__ import annotations

import secrets

from bot.callbacks import Callback, encode
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.messages import h
from bot.services import admin as admin_service
from bot.services import onboarding
from bot.services.onboarding import OnboardingError
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.admin.shared import as_code
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import PendingWorker

MAX_TEAM_BUTTONS = 12


def _invite_error(t: Translator, code: str) -> str:
    if code == "language":
        return t("Unknown language. Use one of: {languages}.").format(
            languages=", ".join(LANGUAGES)
        )
    return t("Please give the worker's name (1-64 characters, no identity codes).")


async def _send_worker_invite(rq: Request, name: str, team: str | None, language: str) -> None:
    """Create the invite and send it as a QR card with the link and code in the caption."""
    t = rq.t
    try:
        card = await onboarding.create_worker_invite(
            rq.core, rq.me, name, team=team, language=language
        )
    except OnboardingError as exc:
        await rq.reply(_invite_error(t, exc.code))
        return
    assert card.worker is not None
    details = LANGUAGE_NAMES.get(language, language)
    if team:
        details = t("team {team}, {language}").format(team=h(team), language=details)
    caption = "\n".join(
        [
            t("<b>Worker invite for {name}</b> ({details})").format(
                name=t.ltr(h(card.worker.name)), details=details
            ),
            t.ltr(h(card.link)),
            t("Code: {code}").format(code=as_code(card.grouped)),
            t("Valid until {when}. It works once; give it only to this person.").format(
                when=t.stamp(card.expires_at, rq.core.policy.zone)
            ),
        ]
    )
    await rq.reply(OutMessage(caption, photo=card.qr()))


async def cmd_addworker(rq: Request) -> None:
    """/addworker Name | Team | language, or /addworker Name and pick team and language."""
    t = rq.t
    args = rq.args
    if not args:
        await rq.reply(
            t(
                "Who is the new worker? Send /addworker with their name, e.g. "
                "{example}. Team and language can follow after | signs: {full}."
            ).format(
                example=as_code(t("/addworker Maria Virtanen")),
                full=as_code(t("/addworker Maria Virtanen | North | fi")),
            ),
        )
        return
    if "|" in args:
        parts = [p.strip() for p in args.split("|")]
        name = parts[0]
        team = parts[1] if len(parts) > 1 and parts[1] not in ("", "-") else None
        language = parts[2].lower() if len(parts) > 2 and parts[2] else "fi"
        await _send_worker_invite(rq, name, team, language)
        return
    name = " ".join(args.split())
    if len(name) > 64:
        await rq.reply(_invite_error(t, "name"))
        return
    # The name waits in this chat's memory while the admin taps a team and a language;
    # the token ties the buttons to this one conversation.
    token = secrets.token_hex(3)
    rq.user_data.addworker = PendingWorker(name=name, token=token)
    teams = [team for team, _ in await admin_service.teams_overview(rq.core) if team is not None][
        :MAX_TEAM_BUTTONS
    ]
    buttons = [[(team.name, encode("adt", team.id, token))] for team in teams]
    buttons.append([(t("No team"), encode("adt", 0, token))])
    await rq.reply(
        OutMessage(
            t("Which team is {name} in? (A new team: /addworker {name} | TEAM NAME)").format(
                name=t.ltr(h(name))
            ),
            buttons,
        ),
    )


def _pending(rq: Request, token: str) -> PendingWorker | None:
    pending = rq.user_data.addworker
    return pending if pending is not None and pending.token == token else None


async def on_addworker_team(rq: Request, cb: Callback) -> None:
    """The team was picked: now the language."""
    query = rq.query
    t = rq.t
    pending = _pending(rq, cb.choice)
    if pending is None:
        await kb.stale(query, t)
        return
    await answer_query(query)
    buttons = [
        [(LANGUAGE_NAMES[lang], encode("adl", cb.id, f"{lang}.{cb.choice}"))] for lang in LANGUAGES
    ]
    await edit_query_message(
        query,
        t("Which language does {name} use Silta in?").format(name=t.ltr(h(pending.name))),
        buttons,
    )


async def on_addworker_language(rq: Request, cb: Callback) -> None:
    """The language was picked: make the invite."""
    query = rq.query
    t = rq.t
    language, _, token = cb.choice.partition(".")
    pending = _pending(rq, token)
    if pending is None or language not in LANGUAGES:
        await kb.stale(query, t)
        return
    rq.user_data.addworker = None
    await answer_query(query)
    team = None
    if cb.id:
        groups = await admin_service.teams_overview(rq.core)
        team = next((g.name for g, _ in groups if g is not None and g.id == cb.id), None)
    await edit_query_message(
        query, t("Making an invite for {name}…").format(name=t.ltr(h(pending.name)))
    )
    await _send_worker_invite(rq, pending.name, team, language)
