"""Referrals from the prison: a partner tells the team at the start of a sentence; a worker takes
it (the client is created before release, linked to the partner, the plan started from the
policy's templates) or declines it with a reason the partner sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiosqlite import Connection

from bot.core import Core
from bot.i18n import LANGUAGES
from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.services import alerts
from bot.services.audit import audit_by
from bot.services.items import fill_plan
from bot.services.onboarding import RELEASE_RANGE_DAYS, OnboardingError, check_nickname
from bot.services.partners import audit_partner
from storage import engine as engine_repo
from storage import outbox
from storage import partners as partners_repo
from storage import people as people_repo
from storage.models import Client, Partner, Referral, Worker

# A short reason from a fixed list: never free text, so never health details.
REASONS = ("housing", "income", "substance", "id_bank", "other")
CONSENTS = ("yes", "not_asked")
DECLINE_REASONS = ("area", "known", "consent", "other")


async def refer(
    core: Core,
    partner: Partner,
    *,
    nickname: str,
    release_date: date,
    language: str,
    consent: str,
    reason: str,
) -> Referral:
    """A referral and its alert; raises OnboardingError (nickname_length, identity_code,
    release_date, invalid) when something is not acceptable."""
    nickname = check_nickname(nickname)
    if language not in LANGUAGES or consent not in CONSENTS or reason not in REASONS:
        raise OnboardingError("invalid")
    now = core.now()
    today = now.astimezone(core.policy.zone).date()
    if not 0 <= (release_date - today).days <= RELEASE_RANGE_DAYS:
        raise OnboardingError("release_date")
    async with core.db.tx() as conn:
        referral = await partners_repo.add_referral(
            conn,
            partner_id=partner.id,
            nickname=nickname,
            release_date=release_date,
            language=language,
            consent=consent,
            reason=reason,
            now=now,
        )
        await audit_partner(conn, now, partner, "referral.create", detail=f"referral {referral.id}")
        alert = await alerts.raise_referral_alert(conn, core, referral.id)
        referral = await partners_repo.update_referral(conn, referral.id, alert_id=alert.id)
    assert referral is not None
    return referral


@dataclass(frozen=True)
class Decision:
    """What a worker's take or decline did: taken, declined, already (with who), gone."""

    status: str
    referral: Referral | None = None
    client: Client | None = None
    by: Worker | None = None


async def _open_referral(conn: Connection, worker: Worker, referral_id: int) -> Referral | Decision:
    referral = await partners_repo.get_referral(conn, referral_id)
    if referral is None or referral.alert_id is None:
        return Decision("gone")
    alert = await engine_repo.get_alert(conn, referral.alert_id)
    if alert is None or not await alerts.may_handle(conn, worker, alert):
        return Decision("gone")
    if referral.state != "open":
        by = await people_repo.get_worker(conn, referral.decided_by or 0)
        return Decision("already", referral, by=by)
    return referral


async def take(core: Core, worker: Worker, referral_id: int) -> Decision:
    """The worker takes the referral: the client exists from now on, before release."""
    now = core.now()
    async with core.db.tx() as conn:
        found = await _open_referral(conn, worker, referral_id)
        if isinstance(found, Decision):
            return found
        client = await people_repo.add_client(
            conn,
            nickname=found.nickname or "?",
            worker_id=worker.id,
            language=found.language,
            now=now,
            release_date=found.release_date,
        )
        await partners_repo.link(conn, found.partner_id, client.id, now)
        await fill_plan(conn, core, client.id)
        await audit_by(conn, now, worker, "client.create", client_id=client.id)
        await audit_by(conn, now, worker, "plan.start", client_id=client.id)
        await audit_by(
            conn, now, worker, "referral.take", client_id=client.id, detail=f"referral {found.id}"
        )
        referral = await partners_repo.update_referral(
            conn, found.id, state="taken", client_id=client.id, decided_by=worker.id, decided_at=now
        )
        await alerts.resolve(conn, found.alert_id or 0, now, by=worker.id, resolution="taken")
        notice = rows.partner_notice(
            found.partner_id,
            client.id,
            "taken",
            now,
            once=str(found.id),
            worker=worker.name,
        )
        await outbox.add(conn, notice, now)
        await planner.plan_client(conn, core, client.id)
    core.wake()
    return Decision("taken", referral, client, worker)


async def decline(core: Core, worker: Worker, referral_id: int, reason: str) -> Decision:
    """The team declines the referral with a reason from the list; the partner sees it."""
    if reason not in DECLINE_REASONS:
        return Decision("gone")
    now = core.now()
    async with core.db.tx() as conn:
        found = await _open_referral(conn, worker, referral_id)
        if isinstance(found, Decision):
            return found
        referral = await partners_repo.update_referral(
            conn,
            found.id,
            state="declined",
            decided_by=worker.id,
            decided_at=now,
            decline_reason=reason,
        )
        await audit_by(conn, now, worker, "referral.decline", detail=f"referral {found.id}")
        await alerts.resolve(conn, found.alert_id or 0, now, by=worker.id, resolution="declined")
        notice = rows.partner_notice(
            found.partner_id,
            None,
            "declined",
            now,
            once=str(found.id),
            worker=worker.name,
            reason=reason,
            nickname=found.nickname or "",
        )
        await outbox.add(conn, notice, now)
    core.wake()
    return Decision("declined", referral, by=worker)


async def peek(core: Core, worker: Worker, referral_id: int) -> Referral | None:
    """An open referral the worker may decide on (before asking for a decline reason)."""
    async with core.db.read() as conn:
        found = await _open_referral(conn, worker, referral_id)
    return None if isinstance(found, Decision) else found
