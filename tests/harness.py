"""A running Silta against the fake Telegram, with an injected clock and story-level helpers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Core
from bot.scheduling.dispatcher import Dispatcher
from bot.services import onboarding
from bot.services.onboarding import InviteCard
from silta.app import Limits, build_application, shutdown, startup
from storage import people as people_repo
from storage.models import Client, Worker
from tests.fake_telegram import FakeTelegram, FakeUser

# Tuesday 1 December 2026, 11:00 in Helsinki: a working day, inside working hours.
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN_ID = 900


@dataclass
class Silta:
    """The bot under test and the world around it."""

    tg: FakeTelegram
    app: Application
    clock: FakeClock
    db_path: Path

    @property
    def core(self) -> Core:
        return self.app.bot_data.core

    @property
    def dispatcher(self) -> Dispatcher:
        dispatcher = self.app.bot_data.dispatcher
        assert dispatcher is not None, "the bot has not started"
        return dispatcher

    async def settle(self) -> None:
        """Let the dispatcher send everything due at the current fake time."""
        await self.dispatcher.settle()

    async def handled(self) -> None:
        """Wait until every update the bot has fetched is handled.

        Different chats' updates are handled side by side (bot/updates.py), so one chat's
        answer no longer proves another chat's update is done.
        """
        people = self.core.people
        calm = 0
        while calm < 3:
            await asyncio.sleep(0.005)
            calm = calm + 1 if self.app.update_queue.empty() and people.busy == 0 else 0

    async def advance(self, delta: timedelta | float) -> None:
        """Move the clock forward, stepping through every due row on the way, in order."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        target = self.clock.now() + delta
        from storage import outbox

        while True:
            await self.settle()
            async with self.core.db.read() as conn:
                due = await outbox.next_due(conn)
            if due is None or due > target:
                break
            if due > self.clock.now():
                self.clock.set(due)
        if target > self.clock.now():
            self.clock.set(target)
        await self.settle()

    async def with_button(self, user: FakeUser, label: str, timeout: float = 5.0) -> Any:
        """The newest message in the user's chat that has a button with this label."""

        def find() -> Any:
            found = [m for m in user.messages() if any(lbl == label for lbl, _ in m.buttons)]
            return found[-1] if found else None

        return await self.tg.wait_for(find, timeout, f"a message with button {label!r}")

    async def edited(
        self, user: FakeUser, message: Any, contains: str, timeout: float = 5.0
    ) -> Any:
        """`message` (one the bot sent the user) once an edit has made it contain `contains`."""

        def find() -> Any:
            found = [
                m
                for m in user.messages()
                if m.message_id == message.message_id and contains in (m.text or "")
            ]
            return found[0] if found else None

        return await self.tg.wait_for(find, timeout, f"message {message.message_id} edited")

    async def advance_to(self, when: datetime) -> None:
        await self.advance(when - self.clock.now())

    # --- people ---------------------------------------------------------------------------

    async def add_worker(
        self,
        telegram_id: int,
        name: str = "Maria Virtanen",
        *,
        team: str | None = "North",
        admin: bool = False,
        language: str = "fi",
    ) -> Worker:
        """A worker who has joined (as if by invite)."""
        core = self.core
        async with core.db.tx() as conn:
            team_row = (
                await people_repo.team_by_name(conn, team, core.now(), create=True)
                if team
                else None
            )
            return await people_repo.add_worker(
                conn,
                name=name,
                now=core.now(),
                telegram_id=telegram_id,
                role="admin" if admin else "worker",
                team_id=team_row.id if team_row else None,
                language=language,
            )

    async def add_client(
        self,
        worker: Worker,
        nickname: str = "Pete",
        *,
        language: str | None = "fi",
        release_date: date | None = None,
        backup: Worker | None = None,
    ) -> InviteCard:
        return await onboarding.create_client(
            self.core,
            worker,
            nickname,
            language=language,
            release_date=release_date,
            backup_worker_id=backup.id if backup else None,
        )

    async def joined_client(
        self, worker: Worker, nickname: str, telegram_id: int, language: str = "en"
    ) -> tuple[FakeUser, Client]:
        """A client invited by `worker` who has joined from Telegram account `telegram_id`."""
        card = await self.add_client(worker, nickname, language=language)
        user = self.tg.user(telegram_id, language_code=language)
        return user, await self.join(user, card)

    async def join(self, user: FakeUser, card: InviteCard) -> Client:
        """The client opens the deep link and agrees."""
        await user.command("start", card.code)
        offer = await user.next_message(contains="Silta")
        yes = offer.callback_data[0]
        qid = await user.press(offer, callback_data=yes)
        await self.tg.wait_for_callback_answer(qid)
        await self.tg.wait_for(lambda: len(user.messages()) >= 2)
        async with self.core.db.read() as conn:
            client = await people_repo.client_by_telegram(conn, user.id)
        assert client is not None
        await self.settle()
        return client

    async def client(self, client_id: int) -> Client:
        async with self.core.db.read() as conn:
            found = await people_repo.get_client(conn, client_id)
        assert found is not None
        return found


async def start_silta(
    tg: FakeTelegram,
    tmp_path: Path,
    *,
    start: datetime = T0,
    admin_ids: list[int] | None = None,
    limits: Limits | None = None,
    **settings: Any,
) -> Silta:
    """Build the real Application against the fake server and start polling."""
    clock = FakeClock(start)
    config = Settings(
        token=tg.token,
        api_url=tg.api_url,
        db=tmp_path / "silta.db",
        admin_ids=admin_ids if admin_ids is not None else [ADMIN_ID],
        poll_safety=3600.0,
        _env_file=None,
        **settings,
    )
    app = build_application(
        config, clock=clock, limits=limits or Limits(overall_per_second=0, read_timeout=5.0)
    )
    await app.initialize()
    await startup(app)
    clock.on_change(app.bot_data.dispatcher.wake)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return Silta(tg=tg, app=app, clock=clock, db_path=tmp_path / "silta.db")


async def stop_silta(silta: Silta) -> None:
    app = silta.app
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await shutdown(app)
    await app.shutdown()
