"""Creating clients and invites (client and worker), with their links, codes and QR cards."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from aiosqlite import Connection

from bot import invites as codes
from bot.card import CardFacts, qr_png
from bot.clock import utc_iso
from bot.core import Core
from bot.i18n import LANGUAGES
from bot.identity import looks_like_personal_identity_code
from bot.policy import Policy, local_to_utc
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.services import invite_secret
from bot.services.access import visible_client
from bot.services.audit import audit_by
from bot.timeparse import TimeParseError, parse_local_date
from storage import admin as admin_repo
from storage import outbox
from storage import people as people_repo
from storage.models import Client, Worker

log = logging.getLogger(__name__)

MAX_NICKNAME = 40
# Wrong invite codes from everyone together in an hour that are worth an admin's attention (a
# busy day brings a few typos; this many is someone guessing), and how seldom to say so.
UNUSUAL_WRONG_CODES_PER_HOUR = 50
WRONG_CODES_ALARM_EVERY = timedelta(hours=24)
WRONG_CODES_ALARM_KEY = "wrong_codes_alarm_at"


class OnboardingError(Exception):
    """Input refused; `code` says why (for a translated message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class InviteCard:
    """What a worker hands over: link, code for typing, expiry and a printable QR image."""

    code: str
    link: str
    expires_at: datetime
    client: Client | None = None
    worker: Worker | None = None
    made_by: Worker | None = None  # the worker whose name a client's printed card shows

    @property
    def grouped(self) -> str:
        return codes.format_code(self.code)

    def last_day(self, policy: Policy) -> date:
        """The last whole local day the invite works: what a printed card promises."""
        # An invite expiring at 10:23 works only part of that day; a card never over-promises.
        return self.expires_at.astimezone(policy.zone).date() - timedelta(days=1)

    def qr(self) -> bytes:
        return qr_png(self.link, self.grouped)

    def printable(self, core: Core) -> CardFacts:
        """What the client's printed card shows (a client invite only)."""
        assert self.client is not None
        return CardFacts(
            link=self.link,
            code=self.grouped,
            bot_username=core.bot_username,
            language=self.client.language,
            worker_first_name=self.made_by.first_name if self.made_by else "",
            team_phone=core.policy.invites.team_phone,
            last_day=self.last_day(core.policy),
        )


def check_nickname(text: str) -> str:
    """A short nickname, never an identity code."""
    nickname = " ".join(text.split())
    if not nickname or len(nickname) > MAX_NICKNAME:
        raise OnboardingError("nickname_length")
    if looks_like_personal_identity_code(nickname):
        raise OnboardingError("identity_code")
    if nickname.startswith("/"):
        raise OnboardingError("nickname_length")
    return nickname


async def _issue(
    conn: Connection,
    core: Core,
    *,
    kind: str,
    client_id: int | None,
    worker_id: int | None,
    created_by: int | None,
    expires: datetime | None = None,
) -> tuple[str, datetime]:
    """A fresh code; earlier unused invites for the same person stop working."""
    now = core.now()
    await admin_repo.revoke_open_invites(conn, client_id=client_id, worker_id=worker_id, now=now)
    code = codes.new_code()
    expires = expires or now + core.policy.invite_lifetime
    await admin_repo.add_invite(
        conn,
        code_hash=await invite_secret.hash_new_code(conn, core.settings, code),
        kind=kind,
        client_id=client_id,
        worker_id=worker_id,
        created_by=created_by,
        expires_at=expires,
        now=now,
    )
    return code, expires


async def _client_invite(
    conn: Connection,
    core: Core,
    now: datetime,
    worker: Worker,
    client: Client,
    actor: str,
    action: str,
) -> InviteCard:
    """A client's invite made by `worker` (audited as `action` by `actor`), as a card."""
    code, expires = await _issue(
        conn,
        core,
        kind="client",
        client_id=client.id,
        worker_id=None,
        created_by=worker.id,
        expires=client_invite_expiry(core.policy, now, client.release_date),
    )
    await audit_by(conn, now, worker, action, client_id=client.id, kind=actor)
    link = codes.deep_link(core.bot_username, code)
    return InviteCard(code, link, expires, client=client, made_by=worker)


def client_invite_expiry(policy: Policy, now: datetime, release_date: date | None) -> datetime:
    """When a client's new invite stops working.

    Made before release (or on the release day), it lasts to the end of the local day
    `invites.valid_after_release` after the release date: the card is handed over in prison and
    the phone comes back at the gate. Never shorter than `invite_lifetime`, which alone applies
    to clients with no release date or already released.
    """
    lifetime = now + policy.invite_lifetime
    if release_date is None or release_date < now.astimezone(policy.zone).date():
        return lifetime
    last_day = release_date + policy.invites.valid_after_release
    end = local_to_utc(last_day + timedelta(days=1), time(0, 0), policy.zone)
    return max(lifetime, end)


async def create_client(
    core: Core,
    worker: Worker,
    nickname: str,
    *,
    language: str | None,
    release_date: date | None = None,
    backup_worker_id: int | None = None,
    actor: str = "worker",
) -> InviteCard:
    """A new client record assigned to `worker`, and its first invite."""
    nickname = check_nickname(nickname)
    if language is not None and language not in LANGUAGES:
        raise OnboardingError("language")
    now = core.now()
    if release_date is not None:
        today = now.astimezone(core.policy.zone).date()
        if abs((release_date - today).days) > RELEASE_RANGE_DAYS:
            raise OnboardingError("release_date")
    async with core.db.tx() as conn:
        if backup_worker_id is not None:
            backup = await people_repo.get_worker(conn, backup_worker_id)
            if backup is None or not backup.active or backup.id == worker.id:
                raise OnboardingError("backup")
        client = await people_repo.add_client(
            conn,
            nickname=nickname,
            worker_id=worker.id,
            language=language,
            now=now,
            release_date=release_date,
            backup_worker_id=backup_worker_id,
        )
        return await _client_invite(conn, core, now, worker, client, actor, "client.create")


async def new_client_invite(
    core: Core, worker: Worker, client: Client, actor: str = "worker"
) -> InviteCard:
    """`/invite`: a new code for an existing client (for a new phone); the old one stops."""
    if client.status == "closed":
        raise OnboardingError("closed")
    now = core.now()
    async with core.db.tx() as conn:
        return await _client_invite(conn, core, now, worker, client, actor, "client.invite")


async def create_worker_invite(
    core: Core,
    admin: Worker | None,
    name: str,
    *,
    team: str | None,
    language: str = "fi",
    role: str = "worker",
) -> InviteCard:
    """`/addworker`: a pending worker record and the invite that activates it."""
    name = " ".join(name.split())
    if not name or len(name) > 64 or looks_like_personal_identity_code(name):
        raise OnboardingError("name")
    if language not in LANGUAGES:
        raise OnboardingError("language")
    now = core.now()
    async with core.db.tx() as conn:
        team_row = await people_repo.team_by_name(conn, team, now, create=True) if team else None
        worker = await people_repo.add_worker(
            conn,
            name=name,
            now=now,
            role=role,
            team_id=team_row.id if team_row else None,
            language=language,
        )
        code, expires = await _issue(
            conn,
            core,
            kind="worker",
            client_id=None,
            worker_id=worker.id,
            created_by=admin.id if admin else None,
        )
        await audit_by(
            conn,
            now,
            admin,
            "worker.invite",
            detail=f"worker {worker.id}",
            kind="admin" if admin else None,
        )
    return InviteCard(code, codes.deep_link(core.bot_username, code), expires, worker=worker)


# A release date further than this from today is a typo (people are enrolled after release too).
RELEASE_RANGE_DAYS = 5 * 366


def parse_release_date(text: str, today: date) -> date:
    """A release date typed like a due date, but one in the past is fine; raises TimeParseError.

    Without a year it is the nearest such day: "1.12." typed on 2.12. is yesterday (people are
    often enrolled just after release), not next December.
    """
    day = parse_local_date(text, today, past_ok=True)
    if abs((day - today).days) > RELEASE_RANGE_DAYS:
        raise TimeParseError("impossible")
    return day


MAX_WORKER_NAME = 64


async def set_own_name(core: Core, worker: Worker, text: str) -> Worker | None:
    """A worker's own name (an admin seeded as "Admin" gives it at first contact); None when
    it is empty, too long or looks like an identity code."""
    name = " ".join(text.split())
    if (
        not name
        or len(name) > MAX_WORKER_NAME
        or name.startswith("/")
        or looks_like_personal_identity_code(name)
    ):
        return None
    now = core.now()
    async with core.db.tx() as conn:
        await people_repo.update_worker(conn, worker.id, name=name, needs_name=0)
        await audit_by(conn, now, worker, "worker.name", detail=f"worker {worker.id}")
        return await people_repo.get_worker(conn, worker.id)


async def set_release_date(
    core: Core, actor: Worker | None, client_id: int, day: date | None, *, kind: str | None = None
) -> Client | None:
    """Correct a client's release date (None: not known) and re-plan from it.

    Check-ins count their days from the release date, so a wrong one starts them a year late
    or never; the client's rows follow the new date at once. None when the client is not
    visible to `actor` or is closed.
    """
    now = core.now()
    async with core.db.tx() as conn:
        client = await visible_client(conn, actor, client_id)
        if client is None or client.status == "closed":
            return None
        before = client.release_date
        client = await people_repo.update_client(conn, client.id, release_date=day)
        assert client is not None
        await planner.plan_client(conn, core, client.id)
        await _tell_if_earlier(conn, core, actor, client, before)
        await audit_by(
            conn,
            now,
            actor,
            "client.release_date",
            client_id=client.id,
            detail=day.isoformat() if day else "unknown",
            kind=kind,
        )
    core.wake()
    return client


async def _tell_if_earlier(
    conn: Connection, core: Core, actor: Worker | None, client: Client, before: date | None
) -> None:
    """A release date moved earlier (early release happens) by someone else than the client's
    worker: the worker is told at once, since the plan's dates moved with it."""
    day = client.release_date
    if before is None or day is None or day >= before or client.worker_id is None:
        return
    if actor is not None and actor.id == client.worker_id:
        return
    now = core.now()
    notice = rows.worker_notice(
        client.worker_id,
        client.id,
        "release_earlier",
        now,
        once=day.isoformat(),
        day=day.isoformat(),
        before=before.isoformat(),
    )
    await outbox.add(conn, notice, now)


async def note_wrong_code(conn: Connection, telegram_id: int, now: datetime) -> None:
    """Count a wrong invite code against its sender; tell the admins once (a day) when wrong
    codes arrive at an unusual rate. Valid codes keep working whatever the rate."""
    await admin_repo.record_failed_attempt(conn, telegram_id, now)
    total = await admin_repo.failed_attempts_since(conn, now - timedelta(hours=1))
    if total < UNUSUAL_WRONG_CODES_PER_HOUR:
        return
    last = await admin_repo.get_meta(conn, WRONG_CODES_ALARM_KEY)
    if last is not None and datetime.fromisoformat(last) > now - WRONG_CODES_ALARM_EVERY:
        return
    await admin_repo.set_meta(conn, WRONG_CODES_ALARM_KEY, now.isoformat())
    log.warning("%d wrong invite codes in the last hour; the admins are told", total)
    for admin in await people_repo.admins(conn):
        notice = rows.worker_notice(
            admin.id, None, "wrong_codes", now, once=utc_iso(now), count=total
        )
        await outbox.add(conn, notice, now)


BOT_USERNAME_KEY = "bot_username"


async def remember_bot_username(core: Core, username: str) -> None:
    """The running bot records its @name, so the command line can print working links."""
    async with core.db.tx() as conn:
        await admin_repo.set_meta(conn, BOT_USERNAME_KEY, username)


async def known_bot_username(core: Core) -> str | None:
    """The bot's @name as the running bot last recorded it (None before its first start)."""
    async with core.db.read() as conn:
        return await admin_repo.get_meta(conn, BOT_USERNAME_KEY)
