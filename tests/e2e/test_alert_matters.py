"""Alerts a worker can act on: one per matter, climbing in working time, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services import items as item_service
from bot.services import workers as worker_service
from storage import engine as engine_repo
from storage import people as people_repo
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import ADMIN_ID, Silta
from tests.worker_helpers import MARIA, TUULA, joined_client, office

BERT = 101


def _cards(silta: Silta, chat: int, text: str) -> list[SentMessage]:
    """Alert cards (not digests, not notices) in a worker's chat that contain `text`."""
    return [
        m
        for m in silta.tg.messages(chat)
        if text in (m.text or "") and m.buttons and "Good morning" not in (m.text or "")
    ]


async def _with_backup(silta: Silta, **kwargs: object):
    o = await office(silta)
    bert = await silta.add_worker(BERT, "Bert Backup", team="South", language="en")
    client, pete = await joined_client(silta, o.maria, "Pete", backup=bert, **kwargs)
    return o, bert, client, pete


async def test_missed_check_ins_day_after_day_are_one_alert_with_a_count(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    # Three daily check-ins at 10:00, none answered; each answer time ends at 16:00.
    await silta.advance_to(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    async with silta.core.db.read() as conn:
        open_ones = await engine_repo.open_alerts(conn, client_id=client.id)
    assert [(a.reason, a.count) for a in open_ones] == [("no_answer", 3)]
    cards = _cards(silta, MARIA, "has not answered")
    assert len(cards) == 1, [c.text for c in cards]
    await silta.tg.wait_for(lambda: "(×3)" in (cards[0].text or ""), what="the count on the card")
    assert "Check-in asked" in (cards[0].text or "")


async def test_the_client_answering_a_check_in_closes_the_alert_and_tells_the_worker(
    silta: Silta,
) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await silta.advance_to(datetime(2026, 12, 3, 7, 0, tzinfo=UTC))
    (card,) = _cards(silta, MARIA, "has not answered")
    await silta.advance_to(datetime(2026, 12, 3, 8, 5, tzinfo=UTC))  # the next day's question
    question = await silta.with_button(pete, "😊 Good")
    await silta.tg.wait_for_callback_answer(await pete.press(question, label="😊 Good"))
    await silta.settle()
    assert await o.maria_chat.next_message(contains="All clear")
    await silta.tg.wait_for(lambda: not (card.buttons or []), what="the card loses its buttons")
    async with silta.core.db.read() as conn:
        assert await engine_repo.open_alerts(conn, client_id=client.id) == []


async def test_asking_for_another_time_never_becomes_not_confirmed(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    await item_service.add_appointment(silta.core, o.maria, client.id, at, "Kela office")
    await silta.advance_to(datetime(2026, 12, 2, 12, 1, tzinfo=UTC))  # the day-before reminder
    reminder = await silta.with_button(pete, "🕐 I need another time")
    await silta.tg.wait_for_callback_answer(await pete.press(reminder, label="another time"))
    await silta.advance_to(at + timedelta(hours=1))
    assert _cards(silta, MARIA, "needs another time"), "the request itself reaches the worker"
    card_text = _cards(silta, MARIA, "needs another time")[0].text or ""
    assert "Kela office" in card_text, "the card says which appointment"
    texts = [m.text or "" for m in silta.tg.messages(MARIA)]
    assert not [t for t in texts if "has not confirmed" in t]


async def test_an_evening_alert_waits_for_the_morning_and_the_backup_for_working_time(
    silta: Silta,
) -> None:
    o, bert, client, pete = await _with_backup(silta)
    await silta.advance_to(datetime(2026, 12, 1, 18, 32, tzinfo=UTC))  # 20:32 in Helsinki
    await pete.send("Can we talk tomorrow?")
    await pete.next_message(contains="passed on")
    await silta.advance_to(datetime(2026, 12, 2, 5, 59, tzinfo=UTC))
    assert _cards(silta, MARIA, "Can we talk") == []
    await silta.advance_to(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))  # 08:00, working time
    assert len(_cards(silta, MARIA, "Can we talk")) == 1, "the assigned worker first"
    assert _cards(silta, BERT, "Can we talk") == [], "the backup gets a head start of 4 h"
    await silta.advance_to(datetime(2026, 12, 2, 9, 59, tzinfo=UTC))
    assert _cards(silta, BERT, "Can we talk") == []
    await silta.advance_to(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))  # 4 h of working time
    assert len(_cards(silta, BERT, "Can we talk")) == 1


async def test_the_backups_copy_shows_the_text_and_that_the_worker_replied(silta: Silta) -> None:
    o, bert, client, pete = await _with_backup(silta)
    await pete.send("My housing allowance was refused")
    card = await o.maria_chat.next_message(contains="housing allowance")
    await silta.advance(timedelta(hours=4))
    (backup_card,) = _cards(silta, BERT, "housing allowance")
    assert "Assigned: Maria Virtanen" in (backup_card.text or "")
    assert "Writes in: English" in (backup_card.text or "")
    await o.maria_chat.send("I'll call you at two.", reply_to=card)
    await o.maria_chat.next_message(contains="Sent to")
    await silta.settle()
    await silta.tg.wait_for(
        lambda: "Replied by Maria Virtanen" in (backup_card.text or ""), what="the backup's copy"
    )
    assert "housing allowance" in (backup_card.text or ""), "the client's words stay"
    await silta.advance(timedelta(hours=8))
    assert _cards(silta, TUULA, "housing allowance") == [], "a reply stops the climb"


async def test_resolving_keeps_the_clients_text_in_every_copy(silta: Silta) -> None:
    o, bert, client, pete = await _with_backup(silta)
    await pete.send("I lost my ID card")
    maria_card = await o.maria_chat.next_message(contains="lost my ID")
    await silta.advance(timedelta(hours=4))
    (bert_card,) = _cards(silta, BERT, "lost my ID")
    bert_chat = silta.tg.user(BERT, "Bert", language_code="en")
    await silta.tg.wait_for_callback_answer(await bert_chat.press(bert_card, label="Done"))
    await silta.settle()
    for card in (maria_card, bert_card):
        await silta.tg.wait_for(lambda c=card: "Done, by Bert Backup" in (c.text or ""))
        assert "lost my ID card" in (card.text or "")
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT count(*) FROM alerts WHERE words IS NOT NULL")
        assert (await cur.fetchone())[0] == 0, "the words are wiped from the database"


async def test_a_client_who_blocks_the_bot_is_noticed_at_once(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await pete.block()
    await silta.settle()
    assert await silta.tg.wait_for_message(MARIA, contains="cannot be reached")
    assert (await silta.client(client.id)).unreachable
    listing = await _ask(o.maria_chat, "/clients")
    assert "📵 Pete" in listing
    await pete.unblock()
    await silta.settle()
    assert await o.maria_chat.next_message(contains="can be reached again")
    assert not (await silta.client(client.id)).unreachable


async def _ask(user: FakeUser, text: str) -> str:
    await user.send(text)
    return (await user.next_message()).text or ""


async def test_a_message_to_a_worker_who_never_opened_the_bot_reaches_the_backup(
    silta: Silta,
) -> None:
    silta.tg.strict_chats = True  # Telegram: a chat nobody opened is "chat not found"
    maria = await silta.add_worker(MARIA, "Maria Virtanen", team="North", language="en")
    bert = await silta.add_worker(BERT, "Bert Backup", team="South", language="en")
    async with silta.core.db.tx() as conn:
        await people_repo.update_worker(conn, 1, language="en")  # the seeded admin
    for opened in (BERT, ADMIN_ID):
        await silta.tg.user(opened, language_code="en").command("start")
    await silta.settle()
    client, pete = await joined_client(silta, maria, "Pete", backup=bert)
    await pete.send("Are you there?")
    await pete.next_message(contains="passed on")
    await silta.settle()
    assert _cards(silta, BERT, "Are you there?"), "the backup gets it at once"
    notice = await silta.tg.wait_for_message(ADMIN_ID, contains="cannot reach worker")
    assert "Maria Virtanen" in (notice.text or "")
    admin = silta.tg.user(ADMIN_ID, language_code="en")
    await admin.command("workers")
    listing = await admin.next_message(contains="Maria Virtanen")
    assert "cannot reach them" in (listing.text or "")


async def test_a_goodbye_that_cannot_be_delivered_is_one_line_not_an_alert(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await pete.block(notify=False)  # not noticed until the goodbye fails
    change = await worker_service.close_client(silta.core, o.maria, client.id)
    assert change.status == "done"
    await silta.settle()
    assert await o.maria_chat.next_message(contains="could not be delivered")
    await silta.advance(timedelta(days=2))
    texts = [m.text or "" for m in silta.tg.messages(MARIA) + silta.tg.messages(ADMIN_ID)]
    assert not [t for t in texts if "cannot be reached" in t], "no alert that climbs"


async def test_a_delivered_goodbye_is_reported_as_delivered(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await worker_service.close_client(silta.core, o.maria, client.id)
    await silta.settle()
    assert await pete.next_message(contains="")  # the goodbye itself
    assert await o.maria_chat.next_message(contains="got the goodbye")


async def test_a_client_who_declines_is_one_line_to_the_worker(silta: Silta) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en")
    pete = silta.tg.user(3001, language_code="en")
    await pete.command("start", card.code)
    offer = await pete.next_message(contains="Silta")
    await silta.tg.wait_for_callback_answer(
        await pete.press(offer, callback_data=offer.callback_data[1])
    )
    await silta.settle()
    line = await o.maria_chat.next_message(contains="did not accept")
    assert not line.buttons


async def test_a_pause_is_one_line_with_its_end(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await pete.command("stop")
    menu = await silta.with_button(pete, "For a week")
    await silta.tg.wait_for_callback_answer(await pete.press(menu, label="week"))
    await silta.settle()
    line = await o.maria_chat.next_message(contains="paused the messages until")
    assert not line.buttons
    async with silta.core.db.read() as conn:
        assert await engine_repo.open_alerts(conn, client_id=client.id) == []


async def test_please_contact_me_twice_is_one_urgent_alert(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await silta.advance_to(datetime(2026, 12, 2, 8, 1, tzinfo=UTC))
    question = await silta.with_button(pete, "📞 Please contact me")
    await silta.tg.wait_for_callback_answer(await pete.press(question, label="📞 Please"))
    await pete.command("contact")
    await silta.settle()
    await silta.advance(timedelta(seconds=5))
    cards = _cards(silta, MARIA, "asks you to get in touch")
    assert len(cards) == 1, [c.text for c in cards]
    await silta.tg.wait_for(lambda: "(×2)" in (cards[0].text or ""), what="the second ask counted")


async def test_a_missed_check_in_then_not_doing_well_makes_the_alert_urgent_at_night(
    silta: Silta,
) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    async with silta.core.db.tx() as conn:
        from bot.services import alerts as alert_service

        await alert_service.raise_alert(conn, silta.core, client, "contact_me", ref_id=1)
        first = await alert_service.raise_alert(conn, silta.core, client, "not_good", ref_id=2)
    assert first.count == 2 and first.urgent


async def test_any_sign_of_life_closes_the_unreachable_alert(silta: Silta) -> None:
    o = await office(silta)
    client, pete = await joined_client(silta, o.maria, "Pete")
    await pete.block()
    await silta.settle()
    card = await silta.tg.wait_for_message(MARIA, contains="cannot be reached")
    await pete.unblock(notify=False)  # Telegram's update lost; the client types /next
    await pete.command("next")
    await silta.settle()
    assert await o.maria_chat.next_message(contains="can be reached again")
    await silta.tg.wait_for(lambda: not card.buttons, what="the card closed")
    await silta.advance(timedelta(days=2))
    admin_texts = [m.text or "" for m in silta.tg.messages(ADMIN_ID)]
    assert not [t for t in admin_texts if "cannot be reached" in t], "it stopped climbing"
