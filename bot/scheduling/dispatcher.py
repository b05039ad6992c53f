"""Wake at the earliest due row, claim a batch, send, record. At-least-once, never lossy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from datetime import timedelta
from typing import Any

from bot.core import Core
from bot.outgoing import PermanentSendError, TransientSendError, Transport
from bot.scheduling import planner, policy_store, preparing, recording
from bot.scheduling.kinds.base import Send
from bot.scheduling.kinds.registry import kind_of
from bot.scheduling.kinds.timers import next_daily
from bot.scheduling.recording import Outcome
from bot.scheduling.send_order import SendOrder
from bot.services import retention
from storage import admin_queries, outbox
from storage.db import savepoint
from storage.models import OutboxRow
from storage.outbox import PRIORITIES, URGENT

log = logging.getLogger(__name__)


# Sends in flight at once. Telegram answers a send in tens of milliseconds, so 8 carry far more
# than the 30 messages a second it allows; more only added to the HTTP client's per-request pool
# bookkeeping (measured on httpx, PTB's default) and make a button press's reply queue behind the
# dispatcher's sends on the one event loop (bench/README.md has the figures).
CONCURRENCY = 8
# How often sent messages are recorded while sending goes on (seconds).
GROUP_COMMIT = 0.05
# While people's updates are being handled: rows claimed at a time, and how often a waiting
# sender looks again (seconds).
BATCH_WHILE_BUSY = 20
PEOPLE_RECHECK = 0.1
# How often the database is asked whether another process (the CLI) committed something (s).
CHANGE_POLL = 1.0
# Claimed rows waiting in the chats' queues, as a multiple of the batch size: claiming stops
# there, so a long backlog stays in the outbox rather than in memory (urgent rows are still
# claimed: they never wait behind the backlog).
QUEUED_BATCHES = 2
# Rows claimed and not yet recorded (waiting, being sent, or sent and waiting for the group
# commit), as a multiple of the batch size: a limit on memory should recording fall behind.
# Room is counted on the waiting rows only, so the next batch is claimed while the last sends
# are still being recorded: counted on all open rows, the queues ran dry during each group
# commit and the senders stood idle a fifth of a burst (bench/README.md).
OPEN_BATCHES = 10


class Dispatcher:
    """Sends due outbox rows; one instance per process.

    People first: every row has a priority class (storage.outbox URGENT, TIMELY, ROUTINE). A
    claim takes a higher class first, and urgent rows even when the queues are full; claimed
    rows wait in a queue per chat and class, and the senders take them in the order
    bot/scheduling/send_order.py sets (urgent first, the rest paced below `rate`, Telegram's
    overall limit per second, and never starved).
    """

    def __init__(
        self,
        core: Core,
        transport: Transport,
        *,
        batch: int = 200,
        concurrency: int = CONCURRENCY,
        safety_poll: float = 30.0,
        change_poll: float = CHANGE_POLL,
        seed: int | None = None,
        rate: float = 0.0,
    ) -> None:
        self.core = core
        self.transport = transport
        self.batch = batch
        self.concurrency = concurrency
        self.safety_poll = safety_poll
        self.change_poll = change_poll
        self._rng = random.Random(seed)
        self._running = False
        self._again = False
        self._timer: asyncio.Handle | None = None
        self._safety: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._planning: asyncio.Task[None] | None = None
        self._run_over = asyncio.Event()
        self._stopped = False
        self._inflight: set[asyncio.Task[Any]] = set()
        self.sent = 0
        self._backoff_until: Any = None
        # Chats Telegram asked to wait (429 retry_after), and until when.
        self._chat_until: dict[int, Any] = {}
        # The sending side outlives a batch, so one slow chat never holds up the others: each
        # chat with claimed rows has a queue per priority class (each sent in order), a few
        # senders take ready queues in turn, a message at a time, and outcomes wait in `_done`
        # for the next group commit.
        self._queues: dict[tuple[int, int], deque[tuple[OutboxRow, Send]]] = {}
        # Which ready queue goes next: urgent first, the rest paced and never starved.
        self._order = SendOrder(rate)
        self._queued = asyncio.Event()
        self._senders: set[asyncio.Task[None]] = set()
        self._sending = 0
        self._done: list[Outcome] = []
        self._flusher: asyncio.Task[None] | None = None
        # Rows handed to the senders and not yet recorded.
        self._open: set[int] = set()
        # Those of them that are urgent: the queues' room is counted per side, so a flood of
        # either never keeps the other from being claimed.
        self._open_urgent: set[int] = set()
        # Rows waiting in the queues (not yet taken by a sender): urgent, and the rest.
        self._waiting = [0, 0]
        self._progress = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        # Answers sent straight from a handler, counted in the urgent share (send_order).
        self.sent_directly = 0
        core.wake = self.wake
        core.sent_directly = self._sent_directly

    def _sent_directly(self) -> None:
        self.sent_directly += 1
        self._order.charge_urgent(self._share())

    # --- waking ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Something may be due sooner: run now (coalesced with a run in progress)."""
        if self._stopped:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._running:
            self._again = True
            # A run waiting for room in the queues looks again: an urgent row may be new.
            self._progress.set()
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
            return
        if self._backoff_until is not None and due < self._backoff_until:
            # The last batch failed: wait a little rather than spin on the same error.
            due = self._backoff_until
            self._backoff_until = None
        delay = max(0.0, (due - self.core.now()).total_seconds())
        if delay <= 0:
            self._timer = loop.call_soon(self._spawn)
            return
        self._timer = loop.call_later(min(delay, self.safety_poll), self._spawn)

    async def start(self) -> None:
        """Recover rows a crash left mid-send, start the safety poll, and re-plan everyone.

        The re-plan runs in the background, so the bot polls at once: with many clients it
        takes seconds, a batch per transaction, and updates are answered in between. The
        dispatcher starts when it is done, as before.
        """
        self._stopped = False
        async with self.core.db.tx() as conn:
            released = await outbox.release_claims(conn, keep=self._open)
            await outbox.add(conn, next_daily(self.core, self.core.now()), self.core.now())
        if released:
            log.warning("re-sending %d rows interrupted by a stop", released)
        loop = asyncio.get_running_loop()
        self._planning = loop.create_task(self._plan_at_start())
        self._safety = loop.create_task(self._safety_loop())
        self._watch = loop.create_task(self._watch_loop())

    async def _plan_at_start(self) -> None:
        try:
            await planner.plan_all(self.core, until=lambda: self._stopped)
        except Exception:
            log.exception("start-up planning failed; the daily run plans again")
        self.wake()

    async def _safety_loop(self) -> None:
        """A slow poll: picks up rows and policy versions written by the CLI in another process."""
        while not self._stopped:
            await asyncio.sleep(self.safety_poll)
            try:
                await self.reload_policy_if_changed()
            except Exception:
                log.exception("policy reload failed")
            self.wake()

    async def _watch_loop(self) -> None:
        """Notice at once what another process (the CLI) committed to the database.

        SQLite's `PRAGMA data_version` changes only when another connection commits, and reading
        it costs microseconds, so a short timer sees a policy change or a new appointment within
        about a second instead of at the next safety poll.
        """
        async with self.core.db.read() as conn:
            seen = await admin_queries.data_version(conn)
        while not self._stopped:
            await asyncio.sleep(self.change_poll)
            try:
                async with self.core.db.read() as conn:
                    version = await admin_queries.data_version(conn)
                if version == seen:
                    continue
                seen = version
                await self.reload_policy_if_changed()
            except Exception:
                log.exception("looking for changes by another process failed")
            self.wake()

    async def reload_policy_if_changed(self) -> bool:
        """Load a newer stored policy version and re-plan with it."""
        return await policy_store.refresh(self.core)

    async def stop(self) -> None:
        """Stop waking and let the running batch finish recording."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        for task in (self._safety, self._watch):
            if task is not None:
                task.cancel()
        if self._planning is not None:
            # The start-up re-plan stops after the batch in hand (see _plan_at_start).
            await self._planning
        for task in list(self._inflight):
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                pass
            except Exception:  # already logged inside run_due
                pass
        # Rows waiting in the queues were never handed to Telegram: back to pending now,
        # rather than sent at the rate limit while the process is asked to stop (a few hundred
        # queued rows took SIGTERM ten seconds to honour).
        await self._unqueue()
        try:
            # Sends under way finish and are recorded; rows left claimed go back to pending
            # at the next start (at-least-once).
            await asyncio.wait_for(self.drain(), timeout=10)
        except TimeoutError:
            log.warning("stopped with %d rows still sending", len(self._open))

    async def _unqueue(self) -> None:
        """Empty the chats' queues (senders finish the send in hand) and release their rows."""
        waiting = [row for queue in self._queues.values() for row, _ in queue]
        for queue in self._queues.values():
            queue.clear()
        self._queues.clear()
        self._waiting = [0, 0]
        self._order = SendOrder(self._order.rate)
        self._queued.set()  # a paced sender waiting for its turn looks again, and ends
        if not waiting:
            return
        async with self.core.db.tx() as conn:
            await outbox.unclaim(conn, [row.id for row in waiting])
        for row in waiting:
            self._open.discard(row.id)
            self._open_urgent.discard(row.id)
        if not self._open:
            self._drained.set()
        log.info("stopping: %d queued rows left for the next start", len(waiting))

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - a test deadline
        """Tests: wait until nothing due now is left unsent."""

        async def _wait() -> None:
            if self._planning is not None:
                await asyncio.shield(self._planning)
            while True:
                await self.run_due()
                await self.drain()
                async with self.core.db.read() as conn:
                    due = await outbox.next_due(conn)
                if due is None or due > self.core.now():
                    return
                await asyncio.sleep(0.01)

        await asyncio.wait_for(_wait(), timeout)

    async def drain(self) -> None:
        """Wait until every row handed to the senders is sent and recorded."""
        await self._drained.wait()

    # --- the loop -------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Claim due rows until none is left and hand them to the senders.

        Returns how many rows were claimed; their sending goes on after it returns (see drain).
        """
        if self._running:
            self._again = True
            await self._run_over.wait()
            return 0
        self._running = True
        self._run_over.clear()
        handled = 0
        try:
            while not self._stopped:
                self._again = False
                self._progress.clear()
                classes = self._claimable()
                n = await self._one_batch(classes) if classes else 0
                handled += n
                if n:
                    continue
                full = classes != PRIORITIES
                if not full and not self._again:
                    break
                if full and not self._again:
                    await self._progress.wait()
        except Exception:
            log.exception("dispatcher batch failed; will retry")
            # Nothing else sends in this process, so rows left claimed by the failed batch
            # can go back to pending at once instead of waiting for a restart.
            async with self.core.db.tx() as conn:
                await outbox.release_claims(conn, keep=self._open)
            self._backoff_until = self.core.now() + timedelta(seconds=5)
        finally:
            self._running = False
            self._run_over.set()
        await self._arm()
        return handled

    def _claimable(self) -> tuple[int, ...]:
        """The classes there is room to claim: urgent rows and the rest each fill at most
        QUEUED_BATCHES batches of the queues, so a backlog of routine rows in memory never
        holds an urgent one in the outbox, nor a flood of urgent ones the routine rows; and
        each side holds at most OPEN_BATCHES batches not yet recorded."""
        room = QUEUED_BATCHES * self.batch
        cap = OPEN_BATCHES * self.batch
        urgent = self._waiting[0] < room and len(self._open_urgent) < cap
        rest = self._waiting[1] < room and len(self._open) - len(self._open_urgent) < cap
        return ((URGENT,) if urgent else ()) + (PRIORITIES[1:] if rest else ())

    async def _one_batch(self, classes: tuple[int, ...] = PRIORITIES) -> int:
        """Claim a batch (higher classes first), run its timers, prepare its messages in one
        transaction, queue them."""
        core = self.core
        now = core.now()
        # Preparing runs on the event loop: while people wait, in small bites.
        size = self.batch if not core.people.busy else BATCH_WHILE_BUSY
        async with core.db.tx() as conn:
            rows = await outbox.claim_due(conn, now, size, classes=classes)
        if not rows:
            return 0
        for row in rows:
            if kind_of(row.kind).timer:
                await self._run_timer(row)
        messages = [r for r in rows if not kind_of(r.kind).timer]
        if not messages:
            return len(rows)
        async with core.db.tx() as conn:
            prepared = await preparing.prepare_all(conn, self.core, messages, self._retry_at)
        # One chat's rows go in order; different chats go side by side. A chat Telegram asked
        # to wait (429 retry_after) gets nothing until then.
        held: list[tuple[OutboxRow, Any]] = []
        for row in messages:
            item = prepared.get(row.id)
            if item is None:
                continue
            until = self._chat_until.get(item.chat_id)
            if until is not None and until > core.now():
                held.append((row, until))
                continue
            self._chat_until.pop(item.chat_id, None)
            self._enqueue(row, item)
        if held:
            async with core.db.tx() as conn:
                for row, until in held:
                    await outbox.retry_later(conn, row.id, until, "chat waits")
        return len(rows)

    # --- sending: per-chat queues that outlive the batch ------------------------------------

    def _enqueue(self, row: OutboxRow, item: Send) -> None:
        key = (item.chat_id, row.priority)
        queue = self._queues.get(key)
        if queue is None:
            # A queue already being sent from just gets longer; its sender puts it back.
            queue = self._queues[key] = deque()
            self._order.add(key)
        queue.append((row, item))
        self._open.add(row.id)
        side = 0 if row.priority == URGENT else 1
        self._waiting[side] += 1
        if side == 0:
            self._open_urgent.add(row.id)
        self._drained.clear()
        self._queued.set()
        loop = asyncio.get_running_loop()
        # A few senders take queues in turn: cheaper than a task per chat queued on a
        # semaphore, which cost a quarter of the throughput (bench/README.md).
        while len(self._senders) < self.concurrency and self._order.waiting():
            task = loop.create_task(self._sender())
            self._senders.add(task)

    def _share(self) -> float:
        """The urgent share of the rate, from the live policy (kept to a sane range)."""
        return min(0.9, max(0.05, self.core.policy.delivery.urgent_share))

    async def _sender(self) -> None:
        me = asyncio.current_task()
        try:
            while True:
                key = self._order.take(self._share(), asyncio.get_running_loop().time())
                if key is None:
                    break
                if isinstance(key, float):
                    # Only paced rows wait: sleep until the next may go, or an urgent one comes.
                    self._queued.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._queued.wait(), key)
                    continue
                await self._send_next(key)
        finally:
            # Removed here, not in a done callback, so _enqueue never counts a finished sender.
            if me is not None:
                self._senders.discard(me)  # type: ignore[arg-type]

    async def _send_next(self, key: tuple[int, int]) -> None:
        """Send the head of one queue, then put the queue back in turn (or drop it if empty)."""
        chat, priority = key
        queue = self._queues[key]
        if priority != URGENT:
            await self._people_first()
            if not queue:
                return  # emptied by a stop meanwhile
        row, item = queue.popleft()
        self._taken(priority)
        self._sending += 1
        try:
            outcome = await self._send(item)
        finally:
            self._sending -= 1
        rest: list[OutboxRow] = []
        retry_at = None
        if isinstance(outcome, TransientSendError):
            # The row and the chat's rest wait alike: the chat is held until then.
            retry_at = self._retry_at(row, outcome.retry_after)
            self._chat_until[chat] = retry_at
            rest = [r for r, _ in queue]
            queue.clear()
            self._taken(priority, len(rest))
        elif isinstance(outcome, PermanentSendError) and outcome.recipient_gone:
            # Rows claimed before this is recorded wait a moment; by then the
            # recipient is marked unreachable and they are not sent.
            self._chat_until[chat] = self.core.now() + timedelta(seconds=2)
            rest = [r for r, _ in queue]
            queue.clear()
            self._taken(priority, len(rest))
        self._done.append(Outcome(row, item, outcome, rest, retry_at))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_loop())
        if self._queues.get(key) is not queue:
            return  # a stop emptied the queues meanwhile
        if queue:
            self._order.add(key)
        else:
            del self._queues[key]

    def _taken(self, priority: int, count: int = 1) -> None:
        """Rows left a queue: when that makes room, a claim waiting for it goes on."""
        side = 0 if priority == URGENT else 1
        before = self._waiting[side]
        self._waiting[side] = before - count
        room = QUEUED_BATCHES * self.batch
        if before >= room > self._waiting[side]:
            self._progress.set()

    def _retry_at(self, row: OutboxRow, retry_after: float | None = None) -> Any:
        """When to try a row again: as Telegram asked, else exponential backoff with jitter."""
        wait = (
            timedelta(seconds=retry_after)
            if retry_after is not None
            else recording.backoff(row.attempts, self._rng.random())
        )
        return self.core.now() + wait

    async def _people_first(self) -> None:
        """While someone's update is being handled, send one message at a time.

        A person waiting for a button's answer goes before a notice that can be a moment late;
        one send at a time still keeps the outbox moving.
        """
        people = self.core.people
        while people.busy and self._sending >= 1:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(people.quiet(), PEOPLE_RECHECK)

    async def _flush_loop(self) -> None:
        """Record outcomes in groups (group commit) while sending goes on.

        A crash then repeats only what Telegram confirmed in the last moments.
        """
        failures = 0
        while True:
            while self._done:
                if self._senders:
                    await asyncio.sleep(GROUP_COMMIT)
                try:
                    await self._flush()
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("recording sent messages failed; trying again")
                    await asyncio.sleep(min(30.0, 0.5 * 2**failures))
            if not self._running and not self._stopped:
                await self._arm()
            # A sender that finished while _arm() awaited saw this task still running and
            # started no other: look again before ending (no await between look and end).
            if not self._done:
                return

    async def _flush(self) -> None:
        group = self._done[:]
        core = self.core
        async with core.db.tx() as conn:
            # The whole group at once; row by row (each isolated) only if something fails.
            try:
                async with savepoint(conn, "outcomes"):
                    await recording.record_group(conn, core, group, self._retry_at)
            except Exception:
                log.warning("recording a group failed; recording one by one")
                for out in group:
                    await recording.record(conn, core, out, self._retry_at)
        # Only now, after the commit: a failed commit leaves the group for the next try.
        del self._done[: len(group)]
        scrub = False
        for out in group:
            for done in (out.row, *out.rest):
                self._open.discard(done.id)
                self._open_urgent.discard(done.id)
            if isinstance(out.outcome, int):
                self.sent += 1
                scrub = scrub or out.item.wipe_payload
        self._progress.set()
        if not self._open:
            self._drained.set()
        if scrub:
            # Relayed text was wiped from its row: make sure it is not readable in the files.
            await retention.scrub(core)

    async def _send(self, item: Send) -> int | Exception | None:
        """Send or edit; a failure is returned, not raised, so the lane goes on."""
        try:
            if item.edit_message_id is not None:
                await self.transport.edit(item.chat_id, item.edit_message_id, item.message)
                return item.edit_message_id
            return await self.transport.send(item.chat_id, item.message)
        except Exception as exc:
            return exc

    async def _run_timer(self, row: OutboxRow) -> None:
        """Run one timer row (in its own transaction, or several for the daily run)."""
        core = self.core
        try:
            await kind_of(row.kind).run_alone(core, row)
        except Exception:
            log.exception("timer %d (%s) raised; retrying later", row.id, row.kind)
            async with core.db.tx() as conn:
                await outbox.retry_later(conn, row.id, self._retry_at(row), "error")
