"""Fixtures of the reliability suite: bot processes that are always ended after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import BotProcess


@pytest.fixture
async def spawn(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[Callable[..., BotProcess]]:
    """Make `python -m bot run` processes against `tg`; any still running is killed afterwards."""
    made: list[BotProcess] = []

    def factory(db: Path | None = None, **env: str) -> BotProcess:
        process = BotProcess(tg, tmp_path, db or tmp_path / "silta.db", dict(env))
        made.append(process)
        return process

    try:
        yield factory
    finally:
        for process in made:
            await process.kill()
