"""Escalation: an alert nobody takes climbs the ladder; taking it stops the climb."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import engine as engine_repo
from storage import outbox
from tests.harness import ADMIN_ID, Silta


async def _world(silta: Silta):
    maria = await silta.add_worker(100, "Maria Virtanen", team="North", language="en")
    bert = await silta.add_worker(101, "Bert Backup", team="South", language="en")
    await silta.add_worker(102, "Tuula Team", team="North", language="en")
    async with silta.core.db.tx() as conn:
        from storage import people as people_repo

        await people_repo.update_worker(conn, 1, language="en")  # the seeded admin
    card = await silta.add_client(maria, "Pete", language="en", backup=bert)
    pete = silta.tg.user(3001, language_code="en")
    client = await silta.join(pete, card)
    return client, pete


async def _say_not_good(silta: Silta, pete) -> None:
    from tests.fake_telegram import FakeUser  # noqa: F401 - documents the type

    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    qid = await pete.press(question, callback_data=question.callback_data[2])
    await silta.tg.wait_for_callback_answer(qid)
    await silta.settle()


def _alerts_in(silta: Silta, chat: int) -> list[str]:
    """Alert cards (not digests) about the client's answer in a worker's chat."""
    return [
        m.text or ""
        for m in silta.tg.messages(chat)
        if "is not doing well" in (m.text or "") and "Good morning" not in (m.text or "")
    ]


async def test_an_alert_nobody_takes_climbs_every_step(silta: Silta) -> None:
    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    assert len(_alerts_in(silta, 100)) == 1
    assert _alerts_in(silta, 101) == []
    await silta.advance(timedelta(hours=3, minutes=59))
    assert _alerts_in(silta, 101) == []
    await silta.advance(timedelta(minutes=1))
    assert len(_alerts_in(silta, 101)) == 1, "backup worker after 4 h"
    assert _alerts_in(silta, 102) == []
    await silta.advance(timedelta(hours=4))
    assert len(_alerts_in(silta, 102)) == 1, "team after 8 h"
    assert len(_alerts_in(silta, 100)) == 1, "the assigned worker is not told twice"
    assert _alerts_in(silta, ADMIN_ID) == []
    await silta.advance(timedelta(hours=16))
    assert len(_alerts_in(silta, ADMIN_ID)) == 1, "admins after 24 h"


async def test_taking_an_alert_stops_the_climb_and_others_see_who_took_it(silta: Silta) -> None:
    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    await silta.advance(timedelta(hours=4))
    card = [m for m in silta.tg.messages(101) if "is not doing well" in (m.text or "")][0]
    bert = silta.tg.user(101, language_code="en")
    take = next(d for label, d in card.buttons if "handle" in label)
    qid = await bert.press(card, callback_data=take)
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "yours" in (answer.text or "")
    await silta.settle()
    maria_card = [m for m in silta.tg.messages(100) if "is not doing well" in (m.text or "")][0]
    await silta.tg.wait_for(lambda: "Taken by Bert Backup" in (maria_card.text or ""))
    await silta.advance(timedelta(hours=20))
    assert _alerts_in(silta, 102) == [] and _alerts_in(silta, ADMIN_ID) == []


async def test_two_workers_taking_the_same_alert_at_once(silta: Silta) -> None:
    import asyncio

    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    await silta.advance(timedelta(hours=4))
    maria = silta.tg.user(100, language_code="en")
    bert = silta.tg.user(101, language_code="en")
    card_m = [m for m in silta.tg.messages(100) if "is not doing well" in (m.text or "")][0]
    card_b = [m for m in silta.tg.messages(101) if "is not doing well" in (m.text or "")][0]
    take_m = next(d for label, d in card_m.buttons if "handle" in label)
    take_b = next(d for label, d in card_b.buttons if "handle" in label)
    q1, q2 = await asyncio.gather(
        maria.press(card_m, callback_data=take_m), bert.press(card_b, callback_data=take_b)
    )
    a1 = await silta.tg.wait_for_callback_answer(q1)
    a2 = await silta.tg.wait_for_callback_answer(q2)
    texts = sorted([a1.text or "", a2.text or ""])
    assert sum("yours" in t for t in texts) == 1
    assert sum("already took" in t for t in texts) == 1
    async with silta.core.db.read() as conn:
        alerts = await engine_repo.open_alerts(conn, client_id=client.id)
    assert len(alerts) == 1 and alerts[0].state == "acknowledged"


async def test_an_acknowledged_alert_not_resolved_comes_back_after_a_day(silta: Silta) -> None:
    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    card = _card(silta, 100)
    maria = silta.tg.user(100, language_code="en")
    qid = await maria.press(
        card, callback_data=next(d for lbl, d in card.buttons if "handle" in lbl)
    )
    await silta.tg.wait_for_callback_answer(qid)
    await silta.advance(timedelta(hours=23))
    assert not [m for m in silta.tg.messages(100) if "Still open" in (m.text or "")]
    await silta.advance(timedelta(hours=1))
    assert [m for m in silta.tg.messages(100) if "Still open" in (m.text or "")]
    assert _alerts_in(silta, 101) == [], "acknowledged alerts do not climb"


async def test_a_snoozed_alert_comes_back_when_the_snooze_ends(silta: Silta) -> None:
    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    card = _card(silta, 100)
    maria = silta.tg.user(100, language_code="en")
    qid = await maria.press(card, callback_data=next(d for lbl, d in card.buttons if "1 h" in lbl))
    await silta.tg.wait_for_callback_answer(qid)
    await silta.advance(timedelta(minutes=59))
    assert not [m for m in silta.tg.messages(100) if "Still open" in (m.text or "")]
    await silta.advance(timedelta(minutes=1))
    assert [m for m in silta.tg.messages(100) if "Still open" in (m.text or "")]


async def test_done_resolves_and_stops_everything(silta: Silta) -> None:
    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    card = _card(silta, 100)
    maria = silta.tg.user(100, language_code="en")
    qid = await maria.press(card, callback_data=next(d for lbl, d in card.buttons if "Done" in lbl))
    await silta.tg.wait_for_callback_answer(qid)
    await silta.advance(timedelta(days=2))
    assert _alerts_in(silta, 101) == []
    async with silta.core.db.read() as conn:
        assert await engine_repo.open_alerts(conn, client_id=client.id, reason="not_good") == []
        pending = await outbox.pending_for_client(conn, client.id)
    assert all(r.alert_id != 1 for r in pending if r.kind in ("alert_step", "alert_resurface"))


async def test_the_ladder_is_fixed_when_the_alert_is_raised(silta: Silta) -> None:
    from bot.policy import set_policy_value

    client, pete = await _world(silta)
    await _say_not_good(silta, pete)
    core = silta.core
    await core.store_policy(
        set_policy_value(core.policy, "escalation.steps", "assigned_worker:0s,admins:1h"),
        None,
        "cli",
    )
    await silta.advance(timedelta(hours=4))
    assert len(_alerts_in(silta, 101)) == 1, "the alert in flight keeps its old ladder"
    assert _alerts_in(silta, ADMIN_ID) == []


def _card(silta: Silta, chat: int):
    return [m for m in silta.tg.messages(chat) if "is not doing well" in (m.text or "")][0]
