"""A client joins by deep link or typed code, consents, and a bad code changes nothing."""

from __future__ import annotations

from datetime import timedelta

from storage import people as people_repo
from tests.harness import Silta


async def test_a_client_joins_by_deep_link_and_agrees(silta: Silta) -> None:
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    pete = silta.tg.user(2001, first_name="Pete", language_code="fi")
    await pete.command("start", card.code)
    offer = await pete.next_message(contains="Maria")
    assert "Welcome to Silta" in offer.text
    assert "/stop" in offer.text
    assert offer.protect_content
    qid = await pete.press(offer, callback_data=offer.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    joined = await pete.next_message(contains="you are in")
    assert "Maria" in joined.text
    client = await silta.client(card.client.id)
    assert client.telegram_id == 2001 and client.status == "active"
    assert client.consent_at == silta.clock.now()
    await silta.settle()
    notice = await silta.tg.wait_for_message(100, contains="joined")
    assert "Pete" in notice.text


async def test_a_typed_code_with_dashes_and_lower_case_works(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Tiina", language="en")
    tiina = silta.tg.user(2002, language_code="en")
    await tiina.send(card.grouped.lower().replace("-", " - "))
    offer = await tiina.next_message(contains="Welcome")
    assert offer.callback_data


async def test_not_now_links_nothing_and_says_how_to_come_back(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Olli", language="en")
    olli = silta.tg.user(2003, language_code="en")
    await olli.command("start", card.code)
    offer = await olli.next_message(contains="Welcome")
    qid = await olli.press(offer, callback_data=offer.callback_data[1])
    await silta.tg.wait_for_callback_answer(qid)
    await silta.tg.wait_for(lambda: "Nothing was saved" in (olli.messages()[-1].text or ""))
    client = await silta.client(card.client.id)
    assert client.telegram_id is None and client.status == "invited"


async def test_wrong_expired_and_used_codes_get_clear_answers(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Aki", language="en")
    stranger = silta.tg.user(2004, language_code="en")
    await stranger.command("start", "ABCD-EFGH-JKMN")
    wrong = await stranger.next_message()
    assert "did not work" in wrong.text
    await silta.join(silta.tg.user(2005, language_code="en"), card)
    await stranger.command("start", card.code)
    used = await stranger.next_message(contains="already been used")
    assert used
    late = await silta.add_client(worker, "Late", language="en")
    await silta.advance(timedelta(days=15))
    await stranger.command("start", late.code)
    expired = await stranger.next_message(contains="no longer valid")
    assert expired
    async with silta.core.db.read() as conn:
        assert await people_repo.client_by_telegram(conn, 2004) is None


async def test_guessing_codes_is_throttled(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Real", language="en")
    guesser = silta.tg.user(2006, language_code="en")
    for attempt in range(5):
        await guesser.send(f"AAAA-BBBB-CC{'23456'[attempt]}{'23456'[attempt]}")
        await guesser.next_message(contains="did not work")
    # Even the right code is refused while throttled: guessing must not pay off.
    await guesser.send(card.grouped)
    throttled = await guesser.next_message(contains="Too many tries")
    assert throttled
    await silta.advance(timedelta(hours=1, minutes=1))
    await guesser.send(card.grouped)
    assert await guesser.next_message(contains="Welcome")


async def test_a_new_phone_joins_with_a_fresh_invite_and_the_old_account_is_unlinked(
    silta: Silta,
) -> None:
    from bot.services import onboarding

    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Jani", language="en")
    old = silta.tg.user(2007, language_code="en")
    await silta.join(old, card)
    fresh = await onboarding.new_client_invite(
        silta.core, worker, await silta.client(card.client.id)
    )
    new = silta.tg.user(2008, language_code="en")
    await silta.join(new, fresh)
    client = await silta.client(card.client.id)
    assert client.telegram_id == 2008
    await old.send("hello?")
    reply = await old.next_message(contains="This is Silta")
    assert reply
