"""Creating clients and invites (client and worker), with their links, codes and QR cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aiosqlite import Connection

from bot import invites as codes
from bot.core import Core
from bot.i18n import LANGUAGES
from bot.identity import looks_like_personal_identity_code
from bot.scheduling import planner
from bot.services import invite_secret
from bot.services.access import visible_client
from bot.services.audit import audit_by
from bot.timeparse import TimeParseError, parse_local_date
from storage import admin as admin_repo
from storage import people as people_repo
from storage.models import Client, Worker

MAX_NICKNAME = 40


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

    @property
    def grouped(self) -> str:
        return codes.format_code(self.code)

    def qr(self) -> bytes:
        return codes.qr_png(self.link, self.grouped)


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
) -> tuple[str, datetime]:
    """A fresh code; earlier unused invites for the same person stop working."""
    now = core.now()
    await admin_repo.revoke_open_invites(conn, client_id=client_id, worker_id=worker_id, now=now)
    code = codes.new_code()
    expires = now + core.policy.invite_lifetime
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
        conn, core, kind="client", client_id=client.id, worker_id=None, created_by=worker.id
    )
    await audit_by(conn, now, worker, action, client_id=client.id, kind=actor)
    return InviteCard(code, codes.deep_link(core.bot_username, code), expires, client=client)


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
        client = await people_repo.update_client(conn, client.id, release_date=day)
        assert client is not None
        await planner.plan_client(conn, core, client.id)
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


BOT_USERNAME_KEY = "bot_username"


async def remember_bot_username(core: Core, username: str) -> None:
    """The running bot records its @name, so the command line can print working links."""
    async with core.db.tx() as conn:
        await admin_repo.set_meta(conn, BOT_USERNAME_KEY, username)


async def known_bot_username(core: Core) -> str | None:
    """The bot's @name as the running bot last recorded it (None before its first start)."""
    async with core.db.read() as conn:
        return await admin_repo.get_meta(conn, BOT_USERNAME_KEY)
