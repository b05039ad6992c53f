"""Which claimed queue the dispatcher's senders take next: people first, the rest never starved.

Claimed rows wait in a queue per chat and priority class (storage.outbox URGENT, TIMELY,
ROUTINE). Urgent queues go first, with two rules that keep a burst from delaying a person and
the people from starving the burst:

- with a known `rate` (Telegram's overall limit, per second), non-urgent sends are paced to the
  rate minus the urgent share, so an urgent send never finds the rate limiter's queue full of
  routine ones;
- when urgent and other queues are both waiting, picks are shared in proportion to the urgent
  share (start-time fair queuing), so routine rows still go out at the rest of the rate while
  urgent traffic continues. A class that was idle starts at the virtual clock, ahead of the
  busy one: an urgent row arriving in a burst is the very next pick.

Timely queues go before routine ones; both are the "rest" above. A message a handler sent
straight to Telegram (the edit that answers a press) is charged to the urgent side as if it had
been picked here, so people's answers and urgent rows together keep to the urgent share while
routine rows wait.
"""

from __future__ import annotations

from collections import deque

from storage.outbox import PRIORITIES, URGENT

Key = tuple[int, int]  # (chat id, priority class)


class SendOrder:
    """Ready queues by class, and the choice of the next one."""

    def __init__(self, rate: float = 0.0) -> None:
        self.rate = rate
        self._ready: list[deque[Key]] = [deque() for _ in PRIORITIES]
        # Virtual times at which urgent (0) and the rest (1) may next start, and the virtual clock.
        self._vtime = [0.0, 0.0]
        self._vclock = 0.0
        # Loop time before which no non-urgent send starts.
        self._paced_until = 0.0

    def add(self, key: Key) -> None:
        """A queue with rows to send, at the end of its class's turn."""
        self._ready[key[1]].append(key)

    def waiting(self) -> int:
        return sum(len(ready) for ready in self._ready)

    def charge_urgent(self, share: float) -> None:
        """An urgent message went out without a pick (a direct answer): count it as one.

        While nothing else waits the virtual clock moves with it, so answers in a quiet hour
        leave the urgent side no debt to work off later.
        """
        begin = max(self._vtime[0], self._vclock)
        if not any(self._ready[1:]):
            self._vclock = begin
        self._vtime[0] = begin + 1 / share

    def take(self, share: float, now: float) -> Key | float | None:
        """The next queue to send from; else seconds until a paced send may start; else None.

        `share` is the urgent share of the rate (0 < share < 1), `now` the loop's clock.
        """
        urgent = bool(self._ready[URGENT])
        rest = next((q for q in self._ready[1:] if q), None)
        wait = self._paced_until - now if rest is not None and self.rate > 0 else 0.0
        can_rest = rest is not None and wait <= 0
        if not urgent and not can_rest:
            return wait if rest is not None else None
        weights = (share, 1 - share)
        if urgent and can_rest:
            # The class whose next pick starts first goes (start-time fair queuing).
            cls = 0 if max(self._vtime[0], self._vclock) <= max(self._vtime[1], self._vclock) else 1
        else:
            cls = 0 if urgent else 1
        begin = max(self._vtime[cls], self._vclock)
        self._vclock = begin
        self._vtime[cls] = begin + 1 / weights[cls]
        if cls == 0:
            return self._ready[URGENT].popleft()
        assert rest is not None
        if self.rate > 0:
            self._paced_until = max(self._paced_until, now) + 1 / (self.rate * (1 - share))
        return rest.popleft()
