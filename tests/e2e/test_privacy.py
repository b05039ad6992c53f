"""/privacy tells a client who keeps their data, what, how long, how to see it and how to stop;
the consent screen says it in short and offers the full notice before joining."""

from __future__ import annotations

from bot.policy import set_policy_value
from bot.scheduling import policy_store
from tests.harness import Silta
from tests.worker_helpers import joined_client


async def _county(silta: Silta) -> None:
    policy = silta.core.policy
    for key, value in (
        ("privacy.controller", "Keski-Suomen hyvinvointialue"),
        ("privacy.contact", "tietosuoja@example.fi"),
        ("retention", "180d"),
    ):
        policy = set_policy_value(policy, key, value)
    await policy_store.store(silta.core, policy, None, "cli")


async def test_privacy_names_the_county_its_contact_and_the_retention(silta: Silta) -> None:
    await _county(silta)
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    _pete, user = await joined_client(silta, worker, "Pete")
    await user.command("privacy")
    notice = await user.next_message(contains="Your data in Silta")
    assert notice.text.startswith("🔒 Your data in Silta")
    assert "Keski-Suomen hyvinvointialue" in notice.text
    assert "tietosuoja@example.fi" in notice.text
    assert "180 days after it ends" in notice.text
    assert "/stop" in notice.text and "ask your worker" in notice.text
    assert notice.protect_content


async def test_the_consent_screen_says_it_in_short_and_offers_the_notice(silta: Silta) -> None:
    await _county(silta)
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language="fi")
    pete = silta.tg.user(2001, first_name="Pete", language_code="fi")
    await pete.command("start", card.code)
    offer = await pete.next_message(contains="Maria")
    assert "Keski-Suomen hyvinvointialue" in offer.text and "180" in offer.text
    qid = await pete.press(offer, callback_data=offer.callback_data[-1])
    await silta.tg.wait_for_callback_answer(qid)
    notice = await pete.next_message(contains="Keski-Suomen")
    assert notice.text.startswith("🔒"), "in the invite's language, with a neutral first line"
    client = await silta.client(card.client.id)
    assert client.telegram_id is None, "reading the notice does not join"
