"""/stats: the statistics as text and as one bar chart."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from babel.numbers import format_percent

from bot import charts
from bot.i18n import N_, Translator
from bot.messages import h
from bot.services import stats as stats_service
from bot.transport import OutMessage
from handlers.admin.shared import as_code, fit
from handlers.common import Request

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
    "deadline_missed": N_("Deadline passed"),
    "unconfirmed": N_("Unconfirmed"),
    "paused": N_("Paused"),
    "blocked": N_("Unreachable"),
    "message": N_("Message"),
    "plan_item": N_("Release plan"),
    "plan_help": N_("Release plan help"),
    "not_reachable_after_release": N_("Not reachable after release"),
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


def _span(t: Translator, value: timedelta | None) -> str:
    """A median duration in the reader's language ('2 hours'), or a dash."""
    if value is None:
        return "–"
    return format_timedelta(value, threshold=1.5, locale=t.locale)


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
    """A label in the admin's language (the chart font draws every Silta language)."""
    return t(source)


def _chart_share(t: Translator, s: stats_service.Stats) -> str:
    """The answer rate in the admin's language."""
    if s.answer_rate is None:
        return ""
    return format_percent(s.answer_rate, locale=t.locale)


def stats_chart(t: Translator, s: stats_service.Stats) -> bytes:
    """The statistics as one bar chart (counts only, never names)."""
    return charts.png(stats_figure(t, s))


def stats_figure(t: Translator, s: stats_service.Stats) -> Figure:
    """The chart's figure, whose text objects a test can read."""

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
    return charts.bar_figure(title, sections)


async def cmd_stats(rq: Request) -> None:
    """/stats [days]: the numbers as text, then one chart."""
    t = rq.t
    raw = rq.args
    days = stats_service.DEFAULT_DAYS
    if raw:
        try:
            days = stats_service.check_days(int(raw))
        except ValueError:
            await rq.reply(
                t("Write /stats or /stats DAYS, e.g. {example} (1 to {most}).").format(
                    example=as_code("/stats 7"), most=stats_service.MAX_DAYS
                ),
            )
            return
    s = await stats_service.gather(rq.core, days)
    await rq.reply(stats_text(t, s, rq.core.policy.zone))
    await rq.reply(
        OutMessage(
            t.ngettext(
                "Statistics, last {days} day", "Statistics, last {days} days", s.days
            ).format(days=s.days),
            photo=stats_chart(t, s),
        ),
    )
