"""What a client is told happens next: who sees their answer or message, and when; and, in
/help, who can see what they send at all. Both come from the live policy (working hours, the
Finnish holidays, the escalation ladder), never from a promise written once."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.messages import h
from bot.policy import Policy
from bot.services.next_step import NextStep

# Who a ladder step reaches, as /help names them (a list, so the nominative fits every language).
LADDER_ROLES = {
    "assigned_worker": N_("your worker"),
    "backup_worker": N_("the worker who stands in for your worker"),
    "team": N_("your worker's team"),
    "admins": N_("the people who run Silta"),
}


def _when(t: Translator, zone: ZoneInfo, step: NextStep) -> dict[str, str]:
    """The working time the reader sees it, in the project's date and time forms."""
    assert step.at is not None
    return {"day": t.day(step.at, zone), "time": t.time(step.at, zone)}


def sees_line(t: Translator, zone: ZoneInfo, step: NextStep) -> str:
    """One sentence: who sees it, now or when working hours begin."""
    name = t.ltr(h(step.name))
    if step.who == "nobody":
        return t("Nobody can read this here right now.")
    if step.at is None:
        now = {
            "assigned_worker": t("{worker} sees this now."),
            "backup_worker": t("{worker}, who stands in for your worker, sees this now."),
            "team": t("Your worker's team sees this now."),
            "admins": t("The people who run Silta see this now."),
        }
        return now[step.who].format(worker=name)
    later = {
        "assigned_worker": t("{worker} sees this when working hours begin: {day} at {time}."),
        "backup_worker": t(
            "{worker}, who stands in for your worker, sees this when working hours begin: "
            "{day} at {time}."
        ),
        "team": t("Your worker's team sees this when working hours begin: {day} at {time}."),
        "admins": t("The people who run Silta see this when working hours begin: {day} at {time}."),
    }
    return later[step.who].format(worker=name, **_when(t, zone, step))


def crisis_lines(t: Translator, crisis_text: str) -> str:
    """The configured crisis and duty numbers, under a heading that names no service."""
    return t("If you need help right now:") + "\n" + escape(crisis_text)


def acknowledged(
    t: Translator, zone: ZoneInfo, first: str, step: NextStep, crisis_text: str
) -> str:
    """A neutral first line (a lock screen may show it), who sees it and when, and the crisis
    numbers when the client asked for help and nobody sees it now."""
    parts = [first + "\n" + sees_line(t, zone, step)]
    if step.crisis:
        parts.append(crisis_lines(t, crisis_text))
    return "\n\n".join(parts)


def passed_on(t: Translator, zone: ZoneInfo, step: NextStep) -> str:
    """A relayed message: to whom, and when it is read if that is not now."""
    if step.who == "assigned_worker":
        first = t("Your message was passed on to {worker}.").format(worker=t.ltr(h(step.name)))
        if step.at is None:
            return first
    else:
        first = t("Your message was passed on.")
    return first + "\n" + sees_line(t, zone, step)


def who_sees(t: Translator, policy: Policy) -> str:
    """For /help: who can see what the client sends, in the order of the live ladder."""
    lines = [t("Who sees what you send here:")]
    for i, step in enumerate(policy.escalation.steps):
        role = t(LADDER_ROLES.get(step.to, step.to))
        if i == 0:
            lines.append("• " + role)
        else:
            lines.append("• " + t("{who}, if it is not taken up in time").format(who=role))
    lines.append(t("Nobody else sees it."))
    return "\n".join(lines)
