"""Fixtures: a fake Telegram and a running Silta pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.policy import model as policy_model
from tests.fake_telegram import ApiRequest, FakeTelegram
from tests.harness import Silta, start_silta, stop_silta


@pytest.fixture(autouse=True)
def exact_checkin_times(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stories were written for check-ins at the exact set time: the default policy here
    does not spread them (delivery.checkin_spread 0s). Tests of the spread are marked
    `spread` and keep the production default."""
    if request.node.get_closest_marker("spread") is None:
        monkeypatch.setattr(policy_model, "CHECKIN_SPREAD", timedelta(0))


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; any request that breaks the Bot API description fails the test."""
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    fake.assert_no_violations()


@pytest.fixture
async def silta(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[Silta]:
    """Silta running against the fake Telegram, time controlled by a FakeClock."""
    running = await start_silta(tg, tmp_path)
    try:
        yield running
    finally:
        await stop_silta(running)


class HeldAnswer:
    """Telegram slow to answer one request: it takes effect at once, its answer waits for release().

    Unlike a fixed delay, the test decides when the answer comes, so it can show what the bot
    did in the meantime (another chat served, the next row of the same chat not sent) by the
    order of events rather than by how many seconds passed.
    """

    def __init__(self, tg: FakeTelegram, method: str, chat_id: int | None) -> None:
        self.tg = tg
        self.method = method
        self.chat_id = chat_id
        self.request: ApiRequest | None = None
        self._arrived = asyncio.Event()
        self._released = asyncio.Event()
        # The fake has fixed delays but no held answers; wrapping its method table is the one
        # seam that lets the answer wait for an event without changing the fake.
        self._real = tg._handlers[method]
        tg._handlers[method] = self._handle

    async def _handle(self, params: dict[str, Any]) -> Any:
        chosen = self.request is None and self.chat_id in (None, params.get("chat_id"))
        if not chosen:
            return await self._real(params)
        # The fake records each request, with these very params, before calling its handler.
        self.request = next(r for r in reversed(self.tg.requests) if r.params is params)
        result = await self._real(params)
        self._arrived.set()
        await self._released.wait()
        return result

    async def arrived(self, timeout: float = 10.0) -> ApiRequest:
        """Wait until the held request has reached the fake (and taken effect); return it."""
        try:
            await asyncio.wait_for(self._arrived.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no {self.method} to hold arrived in {timeout}s"
                + (f" for chat {self.chat_id}" if self.chat_id is not None else "")
            ) from None
        assert self.request is not None
        return self.request

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def release(self) -> None:
        """Let the answer go to the bot."""
        self._released.set()

    def restore(self) -> None:
        self.release()
        self.tg._handlers[self.method] = self._real


@pytest.fixture
def hold(tg: FakeTelegram) -> Iterator[Callable[..., HeldAnswer]]:
    """hold(method, chat_id=None): hold back the answer to the next such request to the fake.

    Ask for it after `silta`, so that its answers are released before the bot is stopped.
    """
    made: list[HeldAnswer] = []

    def factory(method: str = "sendMessage", chat_id: int | None = None) -> HeldAnswer:
        held = HeldAnswer(tg, method, chat_id)
        made.append(held)
        return held

    try:
        yield factory
    finally:
        for held in reversed(made):
            held.restore()
