"""Updates from people are handled side by side, one chat's in order, and before the outbox.

PTB handles updates one at a time by default. With a burst going out, each press then waits
for every step of the dispatcher's sends on the shared event loop, and a queue of presses grows
for minutes (bench/README.md). Here different chats' updates run concurrently, a chat's own
updates keep their order (a worker's multi-step dialogue, a client's quick taps), and the
dispatcher slows to one send at a time while anyone's update is being handled (see People).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.core import People

# Updates in progress at once. Each is a few database statements and a few Bot API calls; more
# than this only queue on the database lock.
MAX_CONCURRENT = 32


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within a chat, and counted in People."""

    def __init__(self, people: People, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self.people = people
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        self.people.enter()
        try:
            if key is None:
                await coroutine
                return
            lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
            self._locks[key] = (lock, users + 1)
            try:
                async with lock:
                    await coroutine
            finally:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
        finally:
            self.people.leave()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
