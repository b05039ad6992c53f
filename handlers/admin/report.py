"""/report TEAM [DAYS]: the team lead's view of a team's clients (one line each, the same
totals as /summary), the rows as CSV, and the team's weekly activity as a chart."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot import charts
from bot.i18n import Translator
from bot.messages import h
from bot.records_text import report_csv, report_lines
from bot.services import records as records_service
from bot.services.records import TeamReport
from bot.transport import OutMessage
from handlers.admin.shared import as_code, fit
from handlers.common import Request

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_DAYS = 28  # four whole weeks for the chart


def _usage(t: Translator) -> str:
    return t("Write /report TEAM or /report TEAM DAYS, e.g. {example} (1 to {most} days).").format(
        example=as_code("/report North 28"), most=records_service.MAX_DAYS
    )


def _parse(text: str) -> tuple[str, int] | None:
    """('team', days) from 'North' or 'North 14'; None when there is no team or bad days."""
    words = text.split()
    days = DEFAULT_DAYS
    if len(words) > 1 and words[-1].isdigit():
        days = int(words[-1])
        words = words[:-1]
    if not words or not 1 <= days <= records_service.MAX_DAYS:
        return None
    return " ".join(words), days


def activity_chart(t: Translator, report: TeamReport) -> bytes:
    """The team's weeks in the admin's language, as PNG."""
    return charts.png(activity_figure(t, report))


def activity_figure(t: Translator, report: TeamReport) -> Figure:
    """The team's weeks in the admin's language."""
    labels = charts.ActivityLabels(
        title=t("Team {team}: activity by week").format(team=report.team),
        checkins=t("Check-ins"),
        answered=t("Answered"),
        unanswered=t("Unanswered"),
        taken=t("Median time to take an alert"),
        minutes=t("minutes"),
    )
    # A week is named by its first day; "today" would not name a week.
    weeks = [t.date(w.start, relative=False) for w in report.weeks]
    return charts.activity_figure(
        labels,
        weeks,
        [w.answered for w in report.weeks],
        [w.unanswered for w in report.weeks],
        [w.acknowledge_minutes for w in report.weeks],
    )


async def cmd_report(rq: Request) -> None:
    """A team's clients with their totals, as text, CSV and a chart; audited per client."""
    t = rq.t
    parsed = _parse(rq.args)
    if parsed is None:
        await rq.reply(_usage(t))
        return
    team, days = parsed
    until = rq.core.now().replace(microsecond=0)
    result = await records_service.team_report(
        rq.core, rq.me, team, until - timedelta(days=days), until
    )
    if result.report is None:
        await rq.reply(
            t("There is no team called {team}. /teams lists the teams.").format(team=h(team))
        )
        return
    report = result.report
    zone = rq.core.policy.zone
    await rq.reply(fit(t, [h(line) for line in report_lines(t, zone, report)]))
    day = until.astimezone(zone).date().isoformat()
    await rq.reply(
        OutMessage(
            t("The same rows for a spreadsheet."),
            document=report_csv(report).encode("utf-8"),
            document_name=f"silta-team-{day}.csv",
        )
    )
    await rq.reply(
        OutMessage(t("Answered and unanswered check-ins by week."), photo=activity_chart(t, report))
    )
