"""The order of sends: an answer a handler sent straight away counts in the urgent share."""

from __future__ import annotations

from bot.scheduling.send_order import SendOrder
from storage.outbox import ROUTINE, URGENT

SHARE = 1 / 3


def _both_waiting() -> SendOrder:
    order = SendOrder()  # no pacing: only the share decides
    for chat in range(10):
        order.add((chat, URGENT))
        order.add((100 + chat, ROUTINE))
    return order


def _classes(order: SendOrder, n: int) -> list[int]:
    picks = [order.take(SHARE, 0.0) for _ in range(n)]
    return [pick[1] for pick in picks if isinstance(pick, tuple)]


def test_urgent_and_routine_share_the_picks_when_both_wait() -> None:
    assert _classes(_both_waiting(), 6).count(URGENT) == 2


def test_answers_sent_directly_use_up_the_urgent_share() -> None:
    order = _both_waiting()
    order.charge_urgent(SHARE)
    order.charge_urgent(SHARE)
    # Two urgent messages already went: the next picks are routine until its turn comes round.
    assert _classes(order, 4) == [ROUTINE] * 4


def test_answers_while_nothing_waits_bank_no_debt() -> None:
    order = SendOrder()
    for _ in range(50):
        order.charge_urgent(SHARE)
    order.add((1, URGENT))
    order.add((2, ROUTINE))
    order.add((3, URGENT))
    # Fifty presses in a quiet hour do not hold an urgent row back behind routine ones later.
    assert URGENT in _classes(order, 3)
