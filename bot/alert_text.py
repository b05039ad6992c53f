"""The alert card a worker gets, and the one-message summary of open alerts (`/alerts`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import appointment_text
from bot.callbacks import encode
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.messages import ALERT_REASONS, MAX_MESSAGE_UNITS, Buttons, choice_label, h
from bot.outgoing import OutMessage, clip, utf16_len
from bot.partner_text import referral_buttons, referral_card, referral_outcome
from bot.services.alert_facts import AlertFacts
from bot.services.alerts import words_of
from storage.models import Alert, Client, Worker


def alert_buttons(t: Translator, alert: Alert) -> Buttons:
    """What a worker can do with an alert in its current state."""
    if alert.state == "resolved":
        return []
    rows: Buttons = []
    if alert.state == "open":
        rows.append([(t("✋ I'll handle it"), encode("al", alert.id, "ack"))])
    rows.append(
        [
            (t("Snooze 1 h"), encode("al", alert.id, "s1")),
            (t("Snooze 4 h"), encode("al", alert.id, "s4")),
        ]
    )
    rows.append([(t("✔️ Done"), encode("al", alert.id, "done"))])
    return rows


def alert_card(
    t: Translator,
    zone: ZoneInfo,
    seen: AlertFacts,
    *,
    words: str | None = None,
    resurfaced: bool = False,
) -> OutMessage:
    """The alert as a worker sees it: who (and in which language), what, since when, what the
    client said and last answered, who is assigned, what happened since, and buttons."""
    alert, client = seen.alert, seen.client
    if seen.referral is not None:
        return _referral(t, zone, seen, resurfaced)
    who = t.ltr(h(client.label)) if client else "—"
    # The first line is the notification preview on a worker's lock screen, often in a shared
    # office: it names the client and that they need attention, and the reason comes below.
    head = ("❗ " if alert.urgent else "🔔 ") + t("{client} needs attention").format(client=who)
    if alert.count > 1:
        head += " " + t("(×{n})").format(n=alert.count)
    reason = t("{client} {reason}").format(
        client=who, reason=t(ALERT_REASONS.get(alert.reason, alert.reason))
    )
    lines = [head, t("Still open:") + " " + reason] if resurfaced else [head, reason]
    if client is not None and client.language:
        lines.append(
            t("🗣 Writes in: {language}").format(
                language=LANGUAGE_NAMES.get(client.language, client.language)
            )
        )
    lines.extend(_alert_matter(t, zone, seen))
    lines.extend(_alert_since(t, zone, alert))
    if client is not None and client.last_answer and client.last_answer_at:
        lines.append(
            t("Last check-in answer: {answer}, {when}").format(
                answer=choice_label(t, "ck", client.last_answer),
                when=t.stamp(client.last_answer_at, zone),
            )
        )
    if seen.assigned is not None:
        lines.append(t("👤 Assigned: {worker}").format(worker=t.ltr(h(seen.assigned.name))))
    status = _alert_status(t, zone, seen)
    said = words_of(words if words is not None else alert.words)
    if said:
        tail = ["", t("Reply to this message to answer the client.")]
        if alert.state == "resolved":
            tail = []
        # Telegram counts the text after entity parsing: the escapes below count as one.
        room = MAX_MESSAGE_UNITS - utf16_len("\n".join(lines + tail + status)) - 8
        lines += ["", "💬 " + h(_fit_words(said, room)), *tail]
    lines.extend(status)
    return OutMessage("\n".join(lines), alert_buttons(t, alert))


def _referral(t: Translator, zone: ZoneInfo, seen: AlertFacts, resurfaced: bool) -> OutMessage:
    """A referral's card: what the prison told, since when, and take / decline."""
    referral = seen.referral
    assert referral is not None
    lines = referral_card(t, zone, referral, seen.partner, seen.alert.raised_at)
    if resurfaced:
        lines.insert(0, t("Still open:"))
    lines.extend(_alert_since(t, zone, seen.alert))
    if referral.state != "open":
        lines.append(referral_outcome(t, referral, seen.decided_by.name if seen.decided_by else ""))
    return OutMessage("\n".join(lines), referral_buttons(t, referral))


def _fit_words(said: list[str], room: int) -> str:
    """The client's messages in `room`: the first whole if it fits, then as many of the latest
    as fit, '…' for any left out between."""
    first, rest = said[0], said[1:]
    used = utf16_len(first)
    latest: list[str] = []
    for text in reversed(rest):
        if used + utf16_len(text) + 2 > room:
            break
        latest.insert(0, text)
        used += utf16_len(text) + 2
    parts = [first, *(["…"] if len(latest) < len(rest) else []), *latest]
    shown = "\n\n".join(parts)
    return shown if utf16_len(shown) <= room else clip(shown, room)


def alert_summary(
    t: Translator, zone: ZoneInfo, found: list[tuple[Alert, Client | None]], shown: int
) -> OutMessage:
    """/alerts: one message, counts by matter (oldest first), a button to open each alert."""
    lines = [
        t.ngettext("{n} open alert", "{n} open alerts", len(found)).format(n=len(found)),
        "",
    ]
    groups: dict[str, list[Alert]] = {}
    for alert, _ in sorted(found, key=lambda pair: pair[0].raised_at):
        groups.setdefault(alert.reason, []).append(alert)
    for reason, alerts in groups.items():
        mark = "❗" if any(a.urgent for a in alerts) else "🔔"
        lines.append(
            t("{mark} {reason}: {n}, oldest {when}").format(
                mark=mark,
                reason=t(ALERT_REASONS.get(reason, reason)),
                n=len(alerts),
                when=t.stamp(alerts[0].raised_at, zone),
            )
        )
    if len(found) > shown:
        lines += ["", t("The first {n} are below; handle them to see the rest.").format(n=shown)]
    buttons: Buttons = []
    for alert, client in found[:shown]:
        who = client.label if client else "—"
        reason = t(ALERT_REASONS.get(alert.reason, alert.reason))
        label = f"{'❗' if alert.urgent else '🔔'} {who} — {reason}"
        buttons.append([(label[:60], encode("al", alert.id, "open"))])
    return OutMessage("\n".join(lines), buttons)


def _alert_since(t: Translator, zone: ZoneInfo, alert: Alert) -> list[str]:
    """Since when, and when the latest cause came if there were several."""
    lines = [t("Since {when}").format(when=t.stamp(alert.raised_at, zone))]
    if alert.count > 1 and alert.last_at is not None:
        lines.append(t("Latest: {when}").format(when=t.stamp(alert.last_at, zone)))
    return lines


def _alert_matter(t: Translator, zone: ZoneInfo, seen: AlertFacts) -> list[str]:
    """The matter in one line: which check-in, appointment or deadline; until when paused."""
    alert = seen.alert
    if seen.appointment is not None:
        appt = seen.appointment
        return [
            t("📅 Appointment: {when}, {place}").format(
                when=t.datetime(appt.at, zone), place=appointment_text.worker_what(t, appt)
            )
        ]
    if seen.deadline is not None:
        return [
            t("📄 {what}, due {date}").format(
                what=h(seen.deadline_label), date=t.day(seen.deadline.due_date)
            )
        ]
    if alert.reason == "no_answer" and seen.contact is not None:
        return [
            t("Check-in asked {when}, no answer").format(when=t.stamp(seen.contact.opened_at, zone))
        ]
    return []


def _alert_status(t: Translator, zone: ZoneInfo, seen: AlertFacts) -> list[str]:
    """What has happened since: answered, taken, snoozed, resolved (and how)."""
    alert, taker = seen.alert, seen.taker
    lines: list[str] = []
    if seen.replier is not None and alert.replied_at is not None:
        lines.append(
            t("↩️ Replied by {worker}: {when}").format(
                worker=t.ltr(h(seen.replier.name)), when=t.stamp(alert.replied_at, zone)
            )
        )
    if alert.state == "acknowledged" and taker is not None:
        lines.append(t("✋ Taken by {worker}").format(worker=t.ltr(h(taker.name))))
    elif alert.state == "snoozed" and taker is not None and alert.snoozed_until:
        lines.append(
            t("⏰ Snoozed by {worker} until {time}").format(
                worker=t.ltr(h(taker.name)), time=t.time(alert.snoozed_until, zone)
            )
        )
    elif alert.state == "resolved":
        lines.append(_resolved_line(t, alert, taker))
    return lines


def _resolved_line(t: Translator, alert: Alert, taker: Worker | None) -> str:
    """How an alert ended."""
    if alert.resolution == "answered":
        return t("✔️ All clear: the client answered.")
    if alert.resolution == "reachable":
        return t("✔️ All clear: the client can be reached again.")
    if alert.resolution == "settled":
        return t("✔️ All clear: the client answered the reminder.")
    if alert.resolution == "closed":
        return t("✔️ Closed: the client's Silta service ended.")
    if alert.resolution == "replied":
        return "✔️"
    if taker is not None:
        return t("✔️ Done, by {worker}").format(worker=t.ltr(h(taker.name)))
    return t("✔️ Done")
