"""Fixtures: a fake Telegram and a running Silta pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.harness import Silta, start_silta, stop_silta


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
