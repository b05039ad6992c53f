"""Wake at the earliest due row, claim a batch, send, record. At-least-once, never lossy."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

from bot.core import Core
from bot.scheduling import kinds, planner
from bot.transport import PermanentSendError, TransientSendError, Transport
from storage import outbox
from storage.models import OutboxRow
from storage.outbox import Planned

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends due outbox rows; one instance per process."""

    def __init__(
        self,
        core: Core,
        transport: Transport,
        *,
        batch: int = 200,
        concurrency: int = 32,
        safety_poll: float = 30.0,
        seed: int | None = None,
    ) -> None:
        self.core = core
        self.transport = transport
        self.batch = batch
        self.concurrency = concurrency
        self.safety_poll = safety_poll
        self._rng = random.Random(seed)
        self._running = False
        self._again = False
        self._timer: asyncio.TimerHandle | None = None
        self._safety: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopped = False
        self._inflight: set[asyncio.Task[Any]] = set()
        self.sent = 0
        core.wake = self.wake

    # --- waking ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Something may be due sooner: run now (coalesced with a run in progress)."""
        if self._stopped:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._idle.clear()
        if self._running:
            self._again = True
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_soon(self._spawn)

    def _spawn(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self.run_due())
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _arm(self) -> None:
        """Sleep until the earliest pending row (capped by the safety poll)."""
        if self._stopped:
            return
        async with self.core.db.read() as conn:
            due = await outbox.next_due(conn)
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if due is None:
            self._idle.set()
            return
        delay = max(0.0, (due - self.core.now()).total_seconds())
        if delay <= 0:
            self._timer = loop.call_soon(self._spawn)
            return
        self._idle.set()
        self._timer = loop.call_later(min(delay, self.safety_poll), self._spawn)

    async def start(self) -> None:
        """Recover rows a crash left mid-send, plan, and start the loop and the safety poll."""
        self._stopped = False
        async with self.core.db.tx() as conn:
            released = await outbox.release_claims(conn)
            key, due = kinds.daily_key(self.core.now(), self.core)
            await outbox.add(conn, Planned(key=key, kind="daily", due_at=due), self.core.now())
        if released:
            log.warning("re-sending %d rows interrupted by a stop", released)
        await planner.plan_all(self.core)
        self._safety = asyncio.get_running_loop().create_task(self._safety_loop())
        self.wake()

    async def _safety_loop(self) -> None:
        while not self._stopped:
            await asyncio.sleep(self.safety_poll)
            self.wake()

    async def stop(self) -> None:
        """Stop waking and let the running batch finish recording."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._safety is not None:
            self._safety.cancel()
        for task in list(self._inflight):
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                pass
            except Exception:  # already logged inside run_due
                pass

    async def settle(self, timeout: float = 10.0) -> None:
        """Tests: wait until nothing due now is left unsent."""
        async def _wait() -> None:
            while True:
                await self.run_due()
                async with self.core.db.read() as conn:
                    due = await outbox.next_due(conn)
                if due is None or due > self.core.now():
                    return
                await asyncio.sleep(0.01)

        await asyncio.wait_for(_wait(), timeout)

    # --- the loop -------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Process due rows until none is left; returns how many rows were handled."""
        if self._running:
            self._again = True
            while self._running:
                await asyncio.sleep(0.005)
            return 0
        self._running = True
        handled = 0
        try:
            while True:
                self._again = False
                n = await self._one_batch()
                handled += n
                if n == 0 and not self._again:
                    break
        except Exception:
            log.exception("dispatcher batch failed; will retry")
        finally:
            self._running = False
        await self._arm()
        return handled

    async def _one_batch(self) -> int:
        now = self.core.now()
        async with self.core.db.tx() as conn:
            rows = await outbox.claim_due(conn, now, self.batch)
        if not rows:
            return 0
        # One chat's rows go in order; different chats go side by side.
        lanes: dict[Any, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            lane = ("w", row.worker_id) if row.worker_id else ("c", row.client_id or row.id)
            if row.kind in kinds.TIMER_KINDS:
                lane = ("t", row.id)
            lanes[lane].append(row)
        sem = asyncio.Semaphore(self.concurrency)

        async def run_lane(lane_rows: list[OutboxRow]) -> None:
            async with sem:
                for row in lane_rows:
                    await self._process(row)

        await asyncio.gather(*(run_lane(r) for r in lanes.values()))
        return len(rows)

    async def _process(self, row: OutboxRow) -> None:
        core = self.core
        try:
            if row.kind in kinds.TIMER_KINDS:
                if row.kind == "daily":
                    await self._daily(row)
                    return
                async with core.db.tx() as conn:
                    await kinds.run_timer(conn, core, row)
                    await outbox.finish(conn, row.id, "sent", "timer done")
                return
            async with core.db.tx() as conn:
                prepared = await kinds.prepare(conn, core, row)
                if isinstance(prepared, kinds.Skip):
                    await outbox.finish(conn, row.id, prepared.state, prepared.reason)
                    return
                if isinstance(prepared, kinds.Later):
                    # Never re-queue into the past: that would spin instead of waiting.
                    due = max(prepared.due_at, core.now() + timedelta(seconds=1))
                    await outbox.retry_later(conn, row.id, due, prepared.reason)
                    return
            message_id: int | None
            if prepared.edit_message_id is not None:
                await self.transport.edit(prepared.chat_id, prepared.edit_message_id,
                                          prepared.message)
                message_id = prepared.edit_message_id
            else:
                message_id = await self.transport.send(prepared.chat_id, prepared.message)
            async with core.db.tx() as conn:
                await outbox.mark_sent(conn, row.id, core.now(), chat_id=prepared.chat_id,
                                       message_id=message_id, wipe_payload=prepared.wipe_payload)
                await kinds.after_sent(conn, core, row, prepared, message_id)
            self.sent += 1
        except TransientSendError as exc:
            if exc.retry_after is not None:
                delay = timedelta(seconds=exc.retry_after)
            else:
                delay = kinds.backoff(row.attempts, self._rng.random())
            log.info("row %d (%s): %s, retry in %.1fs", row.id, row.kind, exc.reason,
                     delay.total_seconds())
            async with core.db.tx() as conn:
                await outbox.retry_later(conn, row.id, core.now() + delay, exc.reason)
        except PermanentSendError as exc:
            log.warning("row %d (%s) failed for good: %s", row.id, row.kind, exc.reason)
            async with core.db.tx() as conn:
                await outbox.finish(conn, row.id, "failed", exc.reason)
                if exc.recipient_gone:
                    await kinds.on_recipient_gone(conn, core, row, exc.reason)
        except Exception:
            # A bug must not lose the row: log without personal data and try again later.
            log.exception("row %d (%s) raised; retrying later", row.id, row.kind)
            async with core.db.tx() as conn:
                await outbox.retry_later(
                    conn, row.id, core.now() + kinds.backoff(row.attempts, self._rng.random()),
                    "error",
                )

    async def _daily(self, row: OutboxRow) -> None:
        """Once a day: re-plan everyone, plan digests, purge what retention allows."""
        core = self.core
        from bot.services.digest import plan_digests
        from bot.services.retention import purge

        await planner.plan_all(core)
        async with core.db.tx() as conn:
            await plan_digests(conn, core)
        await purge(core)
        async with core.db.tx() as conn:
            await outbox.finish(conn, row.id, "sent", "daily done")
            key, due = kinds.daily_key(core.now(), core)
            await outbox.add(conn, Planned(key=key, kind="daily", due_at=due), core.now())
