"""Updates from different chats are handled side by side; one chat's updates keep their order."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tests.conftest import HeldAnswer
from tests.harness import Silta

WORDS = ("first", "second", "third", "fourth", "fifth", "sixth")


async def test_one_chats_quick_messages_are_handled_in_order(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    pete, _ = await silta.joined_client(worker, "Pete", 6001)
    for word in WORDS:
        await pete.send(f"the {word} message")
    await silta.tg.wait_for(lambda: len(pete.messages()) >= 2 + len(WORDS), 10, "six receipts")
    await silta.handled()
    await silta.settle()
    relayed = " ".join(m.text or "" for m in silta.tg.messages(100))
    positions = [relayed.find(f"the {word} message") for word in WORDS]
    assert -1 not in positions, relayed
    assert positions == sorted(positions), "the worker reads them in the order they were written"


async def test_a_slow_answer_in_one_chat_does_not_hold_up_another_chat(
    silta: Silta, hold: Callable[..., HeldAnswer], caplog: pytest.LogCaptureFixture
) -> None:
    worker = await silta.add_worker(100, language="en")
    pete, _ = await silta.joined_client(worker, "Pete", 6001)
    stranger = silta.tg.user(5001, language_code="en")
    slow = hold("sendMessage", chat_id=pete.id)
    await pete.send("hello")
    await slow.arrived()  # Pete's receipt is delivered, Telegram's answer to it held back
    await stranger.send("hi")
    await stranger.next_message(timeout=10)
    slow.release()
    await silta.tg.wait_for(lambda: len(pete.messages()) >= 3, 10, "Pete's receipt")
    await silta.handled()
    # Had the stranger waited behind Pete, they would have been answered only after Pete's
    # send had timed out, an error the router logs.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], "the stranger was answered only after Pete's update gave up"
