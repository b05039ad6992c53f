"""The service guide: a client browses topics in their language, one screen each, by buttons;
a worker sends one topic to a client from the client card."""

from __future__ import annotations

import pytest

from bot.guide import default_guide
from bot.i18n import translator
from tests.harness import Silta
from tests.worker_helpers import joined_client, office, outbox_rows, tap, tap_then

GUIDE = default_guide()


@pytest.mark.parametrize("lang", ["fi", "ru", "ar"])
async def test_a_client_browses_the_guide_in_their_language(silta: Silta, lang: str) -> None:
    t = translator(lang)
    worker = await silta.add_worker(100, "Maria Virtanen", language="fi")
    card = await silta.add_client(worker, "Pete", language=lang)
    user = silta.tg.user(3001, "Pete", language_code=lang)
    await silta.join(user, card)
    await user.command("guide")
    index = await user.next_message(
        contains=t("📖 Service guide: which office does what. Choose a topic.")
    )
    money, crisis = GUIDE.topic("money"), GUIDE.topic("crisis")
    assert money is not None and crisis is not None
    labels = [label for label, _ in index.buttons]
    assert labels == [topic.title[lang] for topic in GUIDE.topics]
    assert index.protect_content
    # One screen per topic: the list is replaced by the topic, and back again.
    await tap(silta, user, index, crisis.title[lang])
    await silta.tg.wait_for(lambda: "09 2525 0111" in (index.text or ""))
    assert crisis.title[lang] in index.text and "112" in index.text
    await tap(silta, user, index, t("◀️ All topics"))
    await silta.tg.wait_for(lambda: crisis.title[lang] in [b for b, _ in index.buttons])
    await tap(silta, user, index, money.title[lang])
    await silta.tg.wait_for(lambda: "OmaKela" in (index.text or ""))


async def test_help_and_joining_offer_the_guide(silta: Silta) -> None:
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    pete = silta.tg.user(2001, first_name="Pete", language_code="en")
    await pete.command("start", card.code)
    offer = await pete.next_message(contains="Maria")
    await pete.press(offer, callback_data=offer.callback_data[0])
    joined = await pete.next_message(contains="you are in")
    assert "📖 Service guide" in [label for label, _ in joined.buttons]
    await pete.command("help")
    help_text = await pete.next_message(contains="/guide")
    index = await tap_then(silta, pete, help_text, "Service guide", contains="Choose a topic")
    assert len(index.buttons) == len(GUIDE.topics)


async def test_a_worker_sends_the_housing_topic_to_a_client(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await o.maria_chat.command("clients")
    listing = await o.maria_chat.next_message(contains="Pete")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    housing = GUIDE.topic("housing")
    assert housing is not None
    ask = await tap_then(silta, o.maria_chat, card, "Guide topic", contains="Pete")
    await tap(silta, o.maria_chat, ask, housing.title[o.maria.language])
    await silta.tg.wait_for(lambda: "Sent" in (ask.text or ""))
    await silta.settle()
    got = await user.next_message(contains="sent you a page from the guide")
    first_line = got.text.splitlines()[0]
    assert "Maria" in first_line and "Kela" not in first_line, "a neutral lock-screen preview"
    assert housing.title["en"] in got.text and "014 266 0149" in got.text
    assert got.protect_content
    [row] = await outbox_rows(silta, "guide_topic", pete.id)
    assert row.state == "sent"
