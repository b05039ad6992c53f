"""Statistics of one period: is the service reaching people, and do alerts get handled?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median as _median

from bot.core import Core
from storage import people as people_repo
from storage import stats as stats_repo

DEFAULT_DAYS = 30
MAX_DAYS = 3660
# Order in which client statuses are shown; 'unreachable' is a status in the counts.
CLIENT_STATUSES = ("active", "paused", "invited", "unreachable", "closed")


@dataclass(frozen=True)
class Stats:
    """Counts and medians for the period [since, until); clients are as of `until`."""

    days: int
    since: datetime
    until: datetime
    clients: dict[str, int] = field(default_factory=dict)
    checkins_sent: int = 0
    checkins_answered: int = 0
    median_answer: timedelta | None = None
    alerts: dict[str, int] = field(default_factory=dict)
    alerts_answered: int = 0
    median_acknowledge: timedelta | None = None
    appointments: dict[str, int] = field(default_factory=dict)

    @property
    def answer_rate(self) -> float | None:
        """Share of sent check-ins that were answered (None when none were sent)."""
        if not self.checkins_sent:
            return None
        return min(1.0, self.checkins_answered / self.checkins_sent)

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())


def median(values: list[timedelta]) -> timedelta | None:
    """Median of durations, whole seconds; None for no values."""
    if not values:
        return None
    seconds = _median(v.total_seconds() for v in values)
    return timedelta(seconds=round(seconds))


def check_days(days: int) -> int:
    """A period length in days, 1 to MAX_DAYS; raises ValueError otherwise."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    return days


async def gather(core: Core, days: int = DEFAULT_DAYS) -> Stats:
    """Statistics for the last `days` days up to now."""
    days = check_days(days)
    until = core.now()
    since = until - timedelta(days=days)
    async with core.db.slow_read() as conn:
        clients = await people_repo.count_clients_by_status(conn)
        sent = await stats_repo.checkins_sent(conn, since, until)
        answers = await stats_repo.checkin_answers(conn, since, until)
        raised = await stats_repo.alerts_raised(conn, since, until)
        appointments = await stats_repo.appointment_outcomes(conn, since, until)
    by_reason: dict[str, int] = {}
    for reason, _, _ in raised:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    responses = [first - raised_at for _, raised_at, first in raised if first is not None]
    return Stats(
        days=days,
        since=since,
        until=until,
        clients={s: clients.get(s, 0) for s in CLIENT_STATUSES},
        checkins_sent=sent,
        checkins_answered=len(answers),
        median_answer=median([answered - asked for asked, answered in answers]),
        alerts=dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
        alerts_answered=len(responses),
        median_acknowledge=median(responses),
        appointments=appointments,
    )


def format_span(td: timedelta | None) -> str:
    """A duration for people: '2 h 5 min', '40 min', '35 s'; '–' when there is none."""
    if td is None:
        return "–"
    seconds = int(td.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"
