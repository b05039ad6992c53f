"""Fixtures of the reliability suite: bot processes that are always ended after the test.

A test that starts the real bot (asks for `spawn`) or runs a Hypothesis search through the
bot is marked slow: `python -m pytest -m "not slow"` leaves them out, CI runs them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import BotProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue
        searched = getattr(getattr(item, "function", None), "is_hypothesis_test", False)
        if "spawn" in getattr(item, "fixturenames", ()) or searched:
            item.add_marker(pytest.mark.slow)


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
