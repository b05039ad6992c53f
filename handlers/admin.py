"""The admin's side of the bot: policy, workers and teams, audit log, statistics.

Also the worker command /cadence (exported as WORKER_COMMANDS for the router to merge).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from babel.numbers import format_percent
from telegram import Update
from telegram.error import TelegramError

from bot import charts
from bot.callbacks import Callback, encode
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from bot.messages import h
from bot.policy import PolicyError, describe_policy
from bot.services import admin as admin_service
from bot.services import onboarding
from bot.services import stats as stats_service
from bot.services import workers as worker_service
from bot.services.access import Who
from bot.services.onboarding import OnboardingError
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import (
    SiltaContext,
    answer_query,
    command_args,
    edit_query_message,
    lang_of,
    reply,
)
from storage.models import Worker

log = logging.getLogger(__name__)

Command = Callable[[Update, SiltaContext, Who], Awaitable[None]]
Press = Callable[[Update, SiltaContext, Who, Callback], Awaitable[None]]

MAX_TEXT = 4096  # Telegram's limit, counted in UTF-16 code units
MAX_WORKER_BUTTONS = 90  # Telegram allows about 100 buttons on one message
MAX_TEAM_BUTTONS = 12
AUDIT_LINES = 20
POLICY_EXAMPLE = "/policy set checkins.answer_within 4h"
CADENCE_EXAMPLE = "/cadence 12 14:1d,60:3d,7d"

CLIENT_STATUS_LABELS = {
    "active": N_("Active"),
    "paused": N_("Paused"),
    "invited": N_("Invited"),
    "unreachable": N_("Unreachable"),
    "closed": N_("Closed"),
}
ALERT_REASON_LABELS = {
    "no_answer": N_("No answer"),
    "not_good": N_("Not doing well"),
    "contact_me": N_("Asks for contact"),
    "reschedule": N_("New time needed"),
    "appointment_help": N_("Appointment help"),
    "deadline_help": N_("Deadline help"),
    "unconfirmed": N_("Unconfirmed"),
    "paused": N_("Paused"),
    "blocked": N_("Unreachable"),
    "message": N_("Message"),
    "plan_item": N_("Release plan"),
}
CHART_LABELS = {
    "clients": N_("Clients now"),
    "checkins": N_("Check-ins"),
    "sent": N_("Sent"),
    "answered": N_("Answered"),
    "alerts": N_("Alerts"),
    "none": N_("None"),
    "appointments": N_("Appointments"),
    "total": N_("Scheduled"),
    "confirmed": N_("Confirmed"),
    "attended": N_("Attended"),
    "missed": N_("Missed"),
}
ACTOR_LABELS = {
    "client": N_("client"),
    "system": N_("Silta"),
    "cli": N_("command line"),
}

MENU: tuple[tuple[str, str], ...] = (
    ("policy", N_("See or change the schedule policy")),
    ("addworker", N_("Invite a new worker")),
    ("workers", N_("Workers: list, deactivate, reactivate")),
    ("teams", N_("Teams and their members")),
    ("team", N_("Move a worker to a team")),
    ("makeadmin", N_("Make a worker an admin")),
    ("audit", N_("The latest audit log entries")),
    ("stats", N_("Statistics")),
)
WORKER_MENU: tuple[tuple[str, str], ...] = (("cadence", N_("Set a client's check-in cadence")),)


# --- small helpers ----------------------------------------------------------------------------


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(t: Translator, lines: list[str], limit: int = MAX_TEXT) -> str:
    """Join lines into one message, cutting whole lines (with a note) to stay within `limit`."""
    text = "\n".join(lines)
    if _utf16(text) <= limit:
        return text
    kept = list(lines)
    while kept:
        kept.pop()
        left = len(lines) - len(kept)
        note = t.ngettext("… and {count} more line.", "… and {count} more lines.", left).format(
            count=left
        )
        text = "\n".join([*kept, note])
        if _utf16(text) <= limit:
            return text
    return text[:limit]


def _code(text: str) -> str:
    return f"<code>{h(text)}</code>"


def _me(who: Who) -> Worker:
    assert who.worker is not None
    return who.worker


def _worker_line(t: Translator, worker: Worker) -> str:
    return t.ltr(h(f"{worker.name} (#{worker.id})"))


def _which_worker(t: Translator, found: admin_service.Found, ref: str) -> str:
    """Why a worker look-up did not find exactly one."""
    if found.status == "many":
        names = ", ".join(_worker_line(t, w) for w in found.candidates[:10])
        return t("More than one worker matches: {names}. Use the number, e.g. #{id}.").format(
            names=names, id=found.candidates[0].id
        )
    return t("I found no worker {ref}. /workers lists them all.").format(ref=_code(ref))


def _span(t: Translator, value: timedelta | None) -> str:
    """A median duration in the reader's language ('2 hours'), or a dash."""
    if value is None:
        return "–"
    return format_timedelta(value, threshold=1.5, locale=t.locale)


# --- /policy ----------------------------------------------------------------------------------


async def policy_text(context: SiltaContext, t: Translator) -> str:
    """The policy in force as readable rows, with version and last change."""
    core = context.core
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
    rows = [f"{_code(key)} = {h(value)}" for key, value in describe_policy(core.policy)]
    foot = t("Change a value with /policy set KEY VALUE, e.g. {example}").format(
        example=_code(POLICY_EXAMPLE)
    )
    # The footer must survive the cut, so it is measured in before fitting the rows.
    body = fit(t, [head, "", *rows], MAX_TEXT - _utf16(foot) - 2)
    return f"{body}\n\n{foot}"


async def cmd_policy(update: Update, context: SiltaContext, who: Who) -> None:
    """/policy shows the policy; /policy set KEY VALUE changes one value."""
    t = lang_of(update, who)
    args = command_args(update)
    verb, _, rest = args.partition(" ")
    if not args or verb.lower() == "show":
        await reply(update, await policy_text(context, t))
        return
    key, _, value = rest.strip().partition(" ")
    if verb.lower() != "set" or not key or not value.strip():
        await reply(
            update,
            t(
                "To change a value: /policy set KEY VALUE, e.g. {example}. "
                "/policy shows every key and its value."
            ).format(example=_code(POLICY_EXAMPLE)),
        )
        return
    try:
        change = await admin_service.set_policy(context.core, _me(who), key, value)
    except PolicyError as exc:
        lines = [t("Nothing was changed. Please fix:")]
        lines += [f"• {_code(k)}: {h(reason)}" for k, reason in exc.problems]
        await reply(update, fit(t, lines))
        return
    if change.status == "unchanged":
        await reply(
            update,
            t("Nothing to change: {key} already has that value.").format(
                key=_code(key.strip().lower())
            ),
        )
        return
    lines = [t("Policy changed (version {version}):").format(version=change.version)]
    lines += [f"{_code(k)}: {h(old)} → {h(new)}" for k, old, new in change.changes]
    lines.append(
        t.ngettext(
            "Re-planned the messages of {count} client.",
            "Re-planned the messages of {count} clients.",
            change.replanned,
        ).format(count=change.replanned)
    )
    await reply(update, fit(t, lines))


# --- /addworker -------------------------------------------------------------------------------

_PENDING = "addworker"


def _invite_error(t: Translator, code: str) -> str:
    if code == "language":
        return t("Unknown language. Use one of: {languages}.").format(
            languages=", ".join(LANGUAGES)
        )
    return t("Please give the worker's name (1-64 characters, no identity codes).")


async def _send_worker_invite(
    update: Update, context: SiltaContext, who: Who, name: str, team: str | None, language: str
) -> None:
    """Create the invite and send it as a QR card with the link and code in the caption."""
    t = lang_of(update, who)
    try:
        card = await onboarding.create_worker_invite(
            context.core, _me(who), name, team=team, language=language
        )
    except OnboardingError as exc:
        await reply(update, _invite_error(t, exc.code))
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
            t("Code: {code}").format(code=_code(card.grouped)),
            t("Valid until {when}. It works once; give it only to this person.").format(
                when=t.stamp(card.expires_at, context.core.policy.zone)
            ),
        ]
    )
    await reply(update, OutMessage(caption, photo=card.qr()))


async def cmd_addworker(update: Update, context: SiltaContext, who: Who) -> None:
    """/addworker Name | Team | language, or /addworker Name and pick team and language."""
    t = lang_of(update, who)
    args = command_args(update)
    if not args:
        await reply(
            update,
            t(
                "Who is the new worker? Send /addworker with their name, e.g. "
                "{example}. Team and language can follow after | signs: {full}."
            ).format(
                example=_code("/addworker Maria Virtanen"),
                full=_code("/addworker Maria Virtanen | North | fi"),
            ),
        )
        return
    if "|" in args:
        parts = [p.strip() for p in args.split("|")]
        name = parts[0]
        team = parts[1] if len(parts) > 1 and parts[1] not in ("", "-") else None
        language = parts[2].lower() if len(parts) > 2 and parts[2] else "fi"
        await _send_worker_invite(update, context, who, name, team, language)
        return
    name = " ".join(args.split())
    if len(name) > 64:
        await reply(update, _invite_error(t, "name"))
        return
    # The name waits in this chat's memory while the admin taps a team and a language;
    # the token ties the buttons to this one conversation.
    token = secrets.token_hex(3)
    assert context.user_data is not None
    context.user_data[_PENDING] = {"name": name, "token": token}
    teams = [
        team for team, _ in await admin_service.teams_overview(context.core) if team is not None
    ][:MAX_TEAM_BUTTONS]
    buttons = [[(team.name, encode("adt", team.id, token))] for team in teams]
    buttons.append([(t("No team"), encode("adt", 0, token))])
    await reply(
        update,
        OutMessage(
            t("Which team is {name} in? (A new team: /addworker {name} | TEAM NAME)").format(
                name=t.ltr(h(name))
            ),
            buttons,
        ),
    )


def _pending(context: SiltaContext, token: str) -> dict | None:
    data = (context.user_data or {}).get(_PENDING)
    return data if isinstance(data, dict) and data.get("token") == token else None


async def on_addworker_team(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """The team was picked: now the language."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    pending = _pending(context, cb.choice)
    if pending is None:
        await kb.stale(query, t)
        return
    await answer_query(query)
    buttons = [
        [(LANGUAGE_NAMES[lang], encode("adl", cb.id, f"{lang}.{cb.choice}"))] for lang in LANGUAGES
    ]
    await edit_query_message(
        query,
        t("Which language does {name} use Silta in?").format(name=t.ltr(h(pending["name"]))),
        buttons,
    )


async def on_addworker_language(
    update: Update, context: SiltaContext, who: Who, cb: Callback
) -> None:
    """The language was picked: make the invite."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    language, _, token = cb.choice.partition(".")
    pending = _pending(context, token)
    if pending is None or language not in LANGUAGES:
        await kb.stale(query, t)
        return
    assert context.user_data is not None
    context.user_data.pop(_PENDING, None)
    await answer_query(query)
    team = None
    if cb.id:
        groups = await admin_service.teams_overview(context.core)
        team = next((g.name for g, _ in groups if g is not None and g.id == cb.id), None)
    await edit_query_message(
        query, t("Making an invite for {name}…").format(name=t.ltr(h(pending["name"])))
    )
    await _send_worker_invite(update, context, who, pending["name"], team, language)


# --- /workers and deactivation ----------------------------------------------------------------


async def cmd_workers(update: Update, context: SiltaContext, who: Who) -> None:
    """Every worker with team and client count, and buttons to deactivate or reactivate."""
    t = lang_of(update, who)
    me = _me(who)
    rows = await admin_service.list_workers(context.core)
    lines = [t("<b>Workers</b>")]
    buttons: list[list[tuple[str, str]]] = []
    for row in rows:
        w = row.worker
        notes = [
            h(row.team) if row.team else t("no team"),
            t.ngettext("{count} client", "{count} clients", row.clients).format(count=row.clients),
        ]
        if w.is_admin:
            notes.append(t("admin"))
        if not w.active:
            notes.append(t("inactive"))
        elif w.telegram_id is None:
            notes.append(t("has not joined yet"))
        lines.append(f"{_worker_line(t, w)} · " + " · ".join(notes))
        if w.id == me.id or len(buttons) >= MAX_WORKER_BUTTONS:
            continue
        if w.active:
            buttons.append(
                [(t("Deactivate {name}").format(name=w.name), encode("adw", w.id, "off"))]
            )
        else:
            buttons.append(
                [(t("Reactivate {name}").format(name=w.name), encode("adw", w.id, "on"))]
            )
    await reply(update, OutMessage(fit(t, lines), buttons))


def _deactivated_text(t: Translator, change: admin_service.WorkerChange) -> str:
    """What happened, and the hand-over command for each of their clients."""
    assert change.worker is not None
    lines = [
        t("{name} is deactivated.").format(name=_worker_line(t, change.worker)),
        t.ngettext(
            "{count} open alert went to their team.",
            "{count} open alerts went to their team.",
            change.moved_alerts,
        ).format(count=change.moved_alerts),
    ]
    if change.clients:
        lines.append("")
        lines.append(
            t("Their clients need a new worker. Hand each over with /handover CLIENT WORKER:")
        )
        lines += [f"{_code(f'/handover {c.id}')} — {t.ltr(h(c.label))}" for c in change.clients]
    else:
        lines.append(t("They had no clients to hand over."))
    return fit(t, lines)


async def on_worker_button(update: Update, context: SiltaContext, who: Who, cb: Callback) -> None:
    """Deactivate (asks first), confirm, cancel, or reactivate a worker."""
    query = update.callback_query
    assert query is not None
    t = lang_of(update, who)
    core = context.core
    me = _me(who)
    if cb.choice == "off":
        found = await admin_service.find_worker(core, str(cb.id))
        worker = found.worker
        if worker is None or not worker.active or worker.id == me.id:
            await kb.stale(query, t)
            return
        await answer_query(query)
        rows = {r.worker.id: r for r in await admin_service.list_workers(core)}
        count = rows[worker.id].clients if worker.id in rows else 0
        await reply(
            update,
            OutMessage(
                t.ngettext(
                    "Deactivate {name}? They have {count} client to hand over; their open "
                    "alerts go to their team.",
                    "Deactivate {name}? They have {count} clients to hand over; their open "
                    "alerts go to their team.",
                    count,
                ).format(name=_worker_line(t, worker), count=count),
                [
                    [
                        (t("Yes, deactivate"), encode("adw", worker.id, "offy")),
                        (t("Cancel"), encode("adw", worker.id, "offn")),
                    ]
                ],
            ),
        )
        return
    if cb.choice == "offn":
        await answer_query(query, t("Cancelled."))
        await edit_query_message(query, t("Cancelled: nothing was changed."))
        return
    if cb.choice == "offy":
        change = await admin_service.deactivate_worker(core, me, cb.id)
        if change.status == "done":
            await answer_query(query, t("Deactivated."))
            await edit_query_message(query, _deactivated_text(t, change))
        elif change.status == "unchanged":
            await answer_query(query, t("Already inactive."))
        else:
            await kb.stale(query, t)
        return
    if cb.choice == "on":
        change = await admin_service.reactivate_worker(core, me, cb.id)
        if change.status == "done" and change.worker is not None:
            await answer_query(query, t("Reactivated."))
            await reply(
                update, t("{name} can use Silta again.").format(name=_worker_line(t, change.worker))
            )
        elif change.status == "unchanged":
            await answer_query(query, t("Already active."))
        else:
            await kb.stale(query, t)
        return
    await kb.stale(query, t)


# --- /teams, /team, /makeadmin ----------------------------------------------------------------


async def cmd_teams(update: Update, context: SiltaContext, who: Who) -> None:
    """Teams with their active members."""
    t = lang_of(update, who)
    groups = await admin_service.teams_overview(context.core)
    lines = [t("<b>Teams</b>")]
    for team, members in groups:
        title = h(team.name) if team is not None else t("No team")
        names = ", ".join(_worker_line(t, w) for w in members) or "—"
        lines.append(f"<b>{title}</b>: {names}")
    if not groups:
        lines.append(t("No teams yet."))
    lines += [
        "",
        t("Move a worker: /team WORKER TEAM NAME, e.g. {example}").format(
            example=_code("/team #3 North")
        ),
    ]
    await reply(update, fit(t, lines))


async def cmd_team(update: Update, context: SiltaContext, who: Who) -> None:
    """/team WORKER TEAM NAME (or /team Full Name | Team Name): move a worker, making the team."""
    t = lang_of(update, who)
    args = command_args(update)
    if "|" in args:
        ref, _, team = (p.strip() for p in args.partition("|"))
    else:
        ref, _, team = args.partition(" ")
    if not ref.strip() or not team.strip():
        await reply(
            update,
            t("Write /team WORKER TEAM NAME, e.g. {example}, or with a full name: {full}.").format(
                example=_code("/team #3 North"), full=_code("/team Maria Virtanen | North")
            ),
        )
        return
    found = await admin_service.find_worker(context.core, ref)
    if found.worker is None:
        await reply(update, _which_worker(t, found, ref))
        return
    change = await admin_service.move_to_team(context.core, _me(who), found.worker.id, team)
    if change.status == "invalid":
        await reply(update, t("A team name is 1-40 characters."))
    elif change.status == "unchanged" and change.team is not None:
        await reply(
            update,
            t("{name} is already in team {team}.").format(
                name=_worker_line(t, found.worker), team=h(change.team.name)
            ),
        )
    elif change.team is not None:
        await reply(
            update,
            t("{name} is now in team {team}.").format(
                name=_worker_line(t, found.worker), team=h(change.team.name)
            ),
        )


async def cmd_makeadmin(update: Update, context: SiltaContext, who: Who) -> None:
    """/makeadmin WORKER: give a worker the admin role."""
    t = lang_of(update, who)
    ref = command_args(update)
    if not ref:
        await reply(
            update,
            t("Write /makeadmin WORKER, e.g. {example}.").format(example=_code("/makeadmin #3")),
        )
        return
    found = await admin_service.find_worker(context.core, ref)
    if found.worker is None:
        await reply(update, _which_worker(t, found, ref))
        return
    change = await admin_service.make_admin(context.core, _me(who), found.worker.id)
    worker = change.worker or found.worker
    if change.status == "unchanged":
        await reply(update, t("{name} is already an admin.").format(name=_worker_line(t, worker)))
        return
    await reply(update, t("{name} is now an admin.").format(name=_worker_line(t, worker)))
    if worker.telegram_id is not None and worker.active:
        from handlers.router import set_worker_commands

        try:
            await set_worker_commands(context.bot, worker.telegram_id, worker.language, True)
        except TelegramError as exc:
            log.info("menu update failed: %s", type(exc).__name__)


# --- /audit -----------------------------------------------------------------------------------


async def cmd_audit(update: Update, context: SiltaContext, who: Who) -> None:
    """The latest audit entries: when, who, what, which client."""
    t = lang_of(update, who)
    zone = context.core.policy.zone
    entries = await admin_service.recent_audit(context.core, AUDIT_LINES)
    lines = [t("<b>Audit log</b>, the latest {count}:").format(count=len(entries))]
    for line in entries:
        e = line.entry
        if line.actor_name is not None:
            actor = t.ltr(h(line.actor_name))
        elif e.actor_kind in ACTOR_LABELS:
            actor = t(ACTOR_LABELS[e.actor_kind])
        else:
            actor = h(e.actor_kind)
        parts = [t.stamp(e.at, zone), actor, _code(e.action)]
        if e.client_id is not None:
            parts.append(t.ltr(f"#{e.client_id}"))
        if e.detail:
            parts.append(h(e.detail))
        lines.append(" · ".join(parts))
    if not entries:
        lines.append(t("Nothing yet."))
    await reply(update, fit(t, lines))


# --- /stats -----------------------------------------------------------------------------------


def stats_text(t: Translator, s: stats_service.Stats, zone: ZoneInfo) -> str:
    """The statistics as a readable message."""
    rate = format_percent(s.answer_rate, locale=t.locale) if s.answer_rate is not None else "–"
    clients = ", ".join(f"{t(CLIENT_STATUS_LABELS[k])} {v}" for k, v in s.clients.items())
    lines = [
        t.ngettext(
            "<b>Statistics, last {days} day</b> ({start} – {end})",
            "<b>Statistics, last {days} days</b> ({start} – {end})",
            s.days,
        ).format(days=s.days, start=t.date(s.since, zone), end=t.date(s.until, zone)),
        "",
        t("<b>Clients now</b>: {counts}").format(counts=clients),
        t(
            "<b>Check-ins</b>: {sent} sent, {answered} answered ({rate}); "
            "median time to answer {median}"
        ).format(
            sent=s.checkins_sent,
            answered=s.checkins_answered,
            rate=rate,
            median=_span(t, s.median_answer),
        ),
        t("<b>Alerts</b>: {count} raised; median time until a worker took one {median}").format(
            count=s.alerts_total, median=_span(t, s.median_acknowledge)
        ),
    ]
    for reason, count in s.alerts.items():
        label = t(ALERT_REASON_LABELS[reason]) if reason in ALERT_REASON_LABELS else h(reason)
        lines.append(f"  • {label}: {count}")
    a = s.appointments
    lines.append(
        t(
            "<b>Appointments</b>: {total}; {confirmed} confirmed by the client, "
            "{attended} attended, {missed} missed"
        ).format(
            total=a.get("total", 0),
            confirmed=a.get("confirmed", 0),
            attended=a.get("attended", 0),
            missed=a.get("missed", 0),
        )
    )
    return fit(t, lines)


def _chart_label(t: Translator, source: str) -> str:
    """The translated label if the chart font can draw it, else the English one."""
    translated = t(source)
    return translated if charts.can_draw(translated) else source


def _chart_share(t: Translator, s: stats_service.Stats) -> str:
    """The answer rate as the chart font can draw it."""
    if s.answer_rate is None:
        return ""
    share = format_percent(s.answer_rate, locale=t.locale)
    return share if charts.can_draw(share) else f"{round(s.answer_rate * 100)}%"


def stats_chart(t: Translator, s: stats_service.Stats) -> bytes:
    """The statistics as one bar chart (counts only, never names)."""

    def label(key: str) -> str:
        return _chart_label(t, CHART_LABELS[key])

    reasons = [
        charts.Bar(_chart_label(t, ALERT_REASON_LABELS.get(r, r)), n) for r, n in s.alerts.items()
    ]
    a = s.appointments
    sections = [
        charts.Section(
            label("clients"),
            [charts.Bar(_chart_label(t, CLIENT_STATUS_LABELS[k]), v) for k, v in s.clients.items()],
        ),
        charts.Section(
            label("checkins"),
            [
                charts.Bar(label("sent"), s.checkins_sent),
                charts.Bar(label("answered"), s.checkins_answered, note=_chart_share(t, s)),
            ],
        ),
        charts.Section(label("alerts"), reasons or [charts.Bar(label("none"), 0)]),
        charts.Section(
            label("appointments"),
            [
                charts.Bar(label("total"), a.get("total", 0)),
                charts.Bar(label("confirmed"), a.get("confirmed", 0)),
                charts.Bar(label("attended"), a.get("attended", 0)),
                charts.Bar(label("missed"), a.get("missed", 0)),
            ],
        ),
    ]
    title = t.ngettext("Silta: last {days} day", "Silta: last {days} days", s.days).format(
        days=s.days
    )
    if not charts.can_draw(title):
        title = f"Silta: {s.days} d"
    return charts.bar_chart(title, sections)


async def cmd_stats(update: Update, context: SiltaContext, who: Who) -> None:
    """/stats [days]: the numbers as text, then one chart."""
    t = lang_of(update, who)
    raw = command_args(update)
    days = stats_service.DEFAULT_DAYS
    if raw:
        try:
            days = stats_service.check_days(int(raw))
        except ValueError:
            await reply(
                update,
                t("Write /stats or /stats DAYS, e.g. {example} (1 to {most}).").format(
                    example=_code("/stats 7"), most=stats_service.MAX_DAYS
                ),
            )
            return
    s = await stats_service.gather(context.core, days)
    await reply(update, stats_text(t, s, context.core.policy.zone))
    await reply(
        update,
        OutMessage(
            t.ngettext(
                "Statistics, last {days} day", "Statistics, last {days} days", s.days
            ).format(days=s.days),
            photo=stats_chart(t, s),
        ),
    )


# --- /cadence (for workers) -------------------------------------------------------------------


async def cmd_cadence(update: Update, context: SiltaContext, who: Who) -> None:
    """/cadence CLIENT PHASES: a client's own check-in rhythm; /cadence CLIENT default clears it."""
    t = lang_of(update, who)
    core = context.core
    ref, _, text = command_args(update).partition(" ")
    if not ref or not text.strip():
        await reply(
            update,
            t(
                "Write /cadence CLIENT PHASES, e.g. {example}: daily until day 14, "
                "every 3 days until day 60, then weekly. {default} follows the "
                "policy again."
            ).format(example=_code(CADENCE_EXAMPLE), default=_code("/cadence 12 default")),
        )
        return
    found = await worker_service.find_client(core, _me(who), ref)
    if found.client is None:
        if found.status == "many":
            await reply(update, t("More than one client has that name; use the number, e.g. #12."))
        else:
            await reply(update, t("No such client among yours."))
        return
    change = await admin_service.set_cadence(core, _me(who), found.client.id, text)
    if change.status == "invalid":
        lines = [t("Nothing was changed. Please fix:")]
        lines += [f"• {_code(k)}: {h(reason)}" for k, reason in change.problems]
        await reply(update, fit(t, lines))
        return
    if change.status == "denied" or change.client is None:
        await reply(update, t("No such client among yours."))
        return
    if change.status == "closed":
        await reply(update, t("{client} is closed.").format(client=t.ltr(h(change.client.label))))
        return
    client = t.ltr(h(change.client.label))
    if change.phases:
        text_out = t("Check-ins for {client} now follow {phases}.").format(
            client=client, phases=_code(change.phases)
        )
    else:
        text_out = t("{client} follows the policy's cadence again.").format(client=client)
    if change.next_checkin is not None:
        text_out += "\n" + t("Next check-in: {when}").format(
            when=t.datetime(change.next_checkin, core.policy.zone)
        )
    else:
        text_out += "\n" + t("No check-in is planned now (not joined, paused or unreachable).")
    await reply(update, text_out)


COMMANDS: dict[str, Command] = {
    # Admins are workers too; /cadence is also in WORKER_COMMANDS for the router to merge.
    "cadence": cmd_cadence,
    "policy": cmd_policy,
    "addworker": cmd_addworker,
    "workers": cmd_workers,
    "teams": cmd_teams,
    "team": cmd_team,
    "makeadmin": cmd_makeadmin,
    "audit": cmd_audit,
    "stats": cmd_stats,
}
CALLBACKS: dict[str, Press] = {
    "adw": on_worker_button,
    "adt": on_addworker_team,
    "adl": on_addworker_language,
}
WORKER_COMMANDS: dict[str, Command] = {
    "cadence": cmd_cadence,
}
