"""Telegram faults against the real bot process, in real time: 429 storms with retry_after, 5xx,
a timeout, slow answers and a client who blocked the bot. Nothing is lost, retry_after is
honoured, nothing spins, and the other chats keep flowing."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import HeldAnswer
from tests.fake_telegram import ApiRequest, FakeTelegram
from tests.reliability.helpers import BotProcess, open_core, query, wait_until
from tests.reliability.test_crash import (
    PLACE,
    _deliveries,
    _plan_notices,
    _raise_alerts,
    _world,
)

PER_CLIENT = 3
CLIENTS = 10
BOT_WIDE_429 = 3

pytestmark = pytest.mark.slow  # real bot processes


def _sends_by_chat(tg: FakeTelegram) -> dict[int, list[ApiRequest]]:
    chats: dict[int, list[ApiRequest]] = defaultdict(list)
    for request in tg.calls("sendMessage"):
        chats[int(request.params["chat_id"])].append(request)
    return chats


def _message_key(request: ApiRequest) -> str:
    """Which planned message a send was (its room, or its alert's id)."""
    match = PLACE.search(str(request.params.get("text", "")))
    if match:
        return f"room {match.group(1)}"
    return str(request.params.get("reply_markup", ""))[:80]


def _early_retries(tg: FakeTelegram) -> list[str]:
    """The same message sent again sooner after a 429 than its retry_after allowed."""
    found = []
    attempts: dict[str, list[ApiRequest]] = defaultdict(list)
    for request in tg.calls("sendMessage"):
        attempts[_message_key(request)].append(request)
    for key, tries in attempts.items():
        for before, after in itertools.pairwise(tries):
            if before.status == 429 and after.time - before.time < 1.0 - 0.05:
                found.append(f"{key}: {after.time - before.time:.3f}s after a 429")
    return found


def _retry_after_violations(tg: FakeTelegram) -> list[str]:
    """Requests to a chat sooner after a 429 to that chat than its retry_after allowed."""
    found = []
    for chat, requests in _sends_by_chat(tg).items():
        for before, after in itertools.pairwise(requests):
            if before.status == 429:
                waited = after.time - before.time
                if waited < 1.0 - 0.05:  # retry_after=1 in every injected 429
                    found.append(f"chat {chat}: {waited:.3f}s after a 429")
    return found


async def _storm_world(
    tg: FakeTelegram, tmp_path: Path
) -> tuple[Path, dict[int, int], dict[int, int], list[int]]:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        clients = await _world(core, tg, workers=2, clients=CLIENTS)
        # Notice n goes to client n % CLIENTS: every chat gets PER_CLIENT of them.
        notices = await _plan_notices(core, clients, 0, CLIENTS * PER_CLIENT)
        alert_rows = await _raise_alerts(core, clients, 0, 6)
    finally:
        await core.db.close()
    return db, notices, alert_rows, [c.telegram_id or 0 for c in clients]


async def test_a_storm_of_faults_loses_nothing_honours_retry_after_and_does_not_spin(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db, notices, alert_rows, chats = await _storm_world(tg, tmp_path)
    storm_429, flaky_5xx, blocked = chats[0], chats[1], chats[2]
    tg.fail_next("sendMessage", 429, retry_after=1, count=4, chat_id=storm_429)
    tg.fail_next("sendMessage", 500, count=1, chat_id=flaky_5xx)
    tg.fail_next("sendMessage", 502, count=1, chat_id=flaky_5xx)
    tg.blocked.add(blocked)
    # The first answer comes after the bot's 10 s read timeout (delivered, answer lost: the one
    # duplicate allowed); the next three are slow but in time.
    tg.delay("sendMessage", 11, count=1)
    tg.delay("sendMessage", 2, count=3)
    bot = spawn(db)
    loop = asyncio.get_running_loop()
    await bot.start()
    ready = loop.time()
    tg.fail_next("sendMessage", 429, retry_after=1, count=BOT_WIDE_429)  # whoever sends next
    expected = {n for n in notices if chats[n % CLIENTS] != blocked}

    def done() -> bool:
        got, cards = _deliveries(tg)
        return set(got) >= expected and set(cards) >= set(alert_rows)

    await wait_until(done, 60, "every deliverable message")
    await asyncio.sleep(1.5)  # let anything that would spin show itself
    elapsed = loop.time() - ready
    assert await bot.stop() == 0, bot.log_tail()

    got, cards = _deliveries(tg)
    duplicates = sum(c - 1 for c in got.values()) + sum(c - 1 for c in cards.values())
    by_chat = _sends_by_chat(tg)
    # The chats no fault touched: their first notice must not have waited for the others.
    calm = [c for c in chats[3:] if all(r.status == 200 for r in by_chat[c])]
    sends = tg.calls("sendMessage")
    served = {c: next(r for r in by_chat[c] if "Room" in str(r.params["text"])) for c in calm}
    # The first send is answered after the bot's read timeout; its second attempt comes after
    # the bot gave up on it. The calm chats must be served before that (that no chat waits for
    # a slow answer at all is test_a_slow_chat_does_not_hold_up_new_messages_to_other_chats).
    timed_out = _message_key(sends[0])
    gave_up = next((i for i, r in enumerate(sends) if i and _message_key(r) == timed_out), None)
    assert gave_up is not None, "the send whose answer came too late was tried again"
    late = {c: _message_key(r) for c, r in served.items() if sends.index(r) > gave_up}
    print(
        f"\ncalm chats served within {max(r.time for r in served.values()) - ready:.1f}s; "
        f"all done in {elapsed:.1f}s"
    )
    print("chat   requests  statuses")
    for chat in chats:
        print(f"{chat:>5}  {len(by_chat[chat]):>8}  {[r.status for r in by_chat[chat]]}")
    print(f"duplicates {duplicates}, 429 answers {tg.count_429}")

    assert len(calm) >= len(chats) - 3 - BOT_WIDE_429
    assert late == {}, "calm chats were served only after the slow answer had timed out"
    assert tg.count_429 == 4 + BOT_WIDE_429
    assert _early_retries(tg) == [], "a message refused with retry_after waits that long"
    assert duplicates <= 1, "only the timed-out message may arrive twice"
    # Nothing spins: each chat saw at most one request per message, per injected fault, and the
    # re-send after the timeout; getUpdates long-polls.
    assert len(by_chat[storm_429]) <= PER_CLIENT + 4 + BOT_WIDE_429 + 1
    assert len(by_chat[flaky_5xx]) <= PER_CLIENT + 2 + BOT_WIDE_429 + 1
    faults = 4 + 2 + BOT_WIDE_429 + 1
    assert len(tg.calls("sendMessage")) <= len(notices) + len(alert_rows) + faults
    assert len(tg.calls("getUpdates")) <= elapsed / 1 + 5
    # The client who blocked the bot: their notices failed for good, they are marked
    # unreachable, and their worker has an alert about it.
    assert len(by_chat[blocked]) <= PER_CLIENT + BOT_WIDE_429
    assert query(db, "SELECT unreachable FROM clients WHERE telegram_id = ?", blocked) == [(1,)]
    assert query(
        db,
        "SELECT count(*) FROM alerts a JOIN clients c ON c.id = a.client_id "
        "WHERE c.telegram_id = ? AND a.reason = 'blocked' AND a.state = 'open'",
        blocked,
    ) == [(1,)]
    pending = query(
        db,
        "SELECT count(*) FROM outbox_all WHERE kind = 'client_notice' AND state IN "
        "('pending', 'sending')",
    )
    assert pending == [(0,)], "no notice is left behind"


async def test_no_request_reaches_a_chat_before_its_retry_after(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db, notices, _, chats = await _storm_world(tg, tmp_path)
    tg.fail_next("sendMessage", 429, retry_after=1, count=2, chat_id=chats[0])
    bot = spawn(db)
    await bot.start()
    await wait_until(
        lambda: sum(1 for m in tg.messages(chats[0]) if "Room" in (m.text or "")) >= PER_CLIENT,
        30,
        "the throttled chat's notices",
    )
    await bot.stop()
    assert _retry_after_violations(tg) == []


async def test_a_slow_chat_does_not_hold_up_new_messages_to_other_chats(
    tg: FakeTelegram,
    tmp_path: Path,
    spawn: Callable[..., BotProcess],
    hold: Callable[..., HeldAnswer],
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        clients = await _world(core, tg, workers=1, clients=3)
        slow_chat = clients[0].telegram_id or 0
        (slow_row,) = (await _plan_notices(core, clients[:1], 0, 1)).values()
        slow = hold("sendMessage", chat_id=slow_chat)
        bot = spawn(db)
        await bot.start()
        await slow.arrived(timeout=30)  # delivered; Telegram's answer held back
        await _plan_notices(core, clients[1:], 100, 2)
        await wait_until(
            lambda: all(tg.messages(c.telegram_id or 0) for c in clients[1:]),
            30,
            "the other chats' notices",
        )
        slow.release()
        await wait_until(
            lambda: query(db, "SELECT state FROM outbox_all WHERE id = ?", slow_row) == [("sent",)],
            30,
            "the slow notice recorded as sent",
        )
    finally:
        await core.db.close()
    assert await bot.stop() == 0, bot.log_tail()
    to_slow = [r for r in tg.calls("sendMessage") if r.params["chat_id"] == slow_chat]
    # Had the others waited for the slow answer, it would have timed out and been sent again.
    assert len(to_slow) == 1, "the other chats were served while the slow answer was awaited"


async def test_a_handled_429_is_not_logged_as_an_error(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    db = tmp_path / "silta.db"
    core = await open_core(tg, db)
    try:
        clients = await _world(core, tg, workers=1, clients=1)
        await _plan_notices(core, clients, 0, 1)
    finally:
        await core.db.close()
    tg.fail_next("sendMessage", 429, retry_after=1, count=1)
    bot = spawn(db)
    await bot.start()
    await wait_until(lambda: _deliveries(tg)[0], 15, "the notice after the 429")
    await bot.stop()
    assert tg.count_429 == 1
    errors = [line for line in bot.log_text().splitlines() if " ERROR " in line]
    assert errors == [], errors
