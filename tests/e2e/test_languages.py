"""The main client journey in every language, and Arabic kept readable right-to-left."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import LANGUAGES, translator
from bot.scheduling import planner
from storage import items as items_repo
from tests.harness import Silta

HEL = ZoneInfo("Europe/Helsinki")
LRI, PDI = "\u2066", "\u2069"


# The reminder on Wednesday 2 December of Thursday's 10:00 appointment, in each language.
TOMORROW_AT_TEN = {
    "fi": "Muistutus tapaamisesta: huomenna klo 10.00.",
    "sv": "Påminnelse om ett möte: i morgon kl. 10.00.",
    "en": "Reminder of a meeting: tomorrow at 10:00.",
    "ru": "Напоминание о встрече: завтра в 10:00",
    "et": "Meeldetuletus kohtumisest: homme kell 10:00.",
    "ar": f"تذكير بموعد: غدًا في {LRI}10:00{PDI}.",
}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_client_journey_in_every_language(silta: Silta, lang: str) -> None:
    t = translator(lang)
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language=lang)
    pete = silta.tg.user(9001, language_code="en")
    # Joining: the consent screen comes in the language the worker chose.
    await pete.command("start", card.code)
    offer = await pete.next_message(contains=t("Welcome to Silta!"))
    assert t("You can pause at any time with /stop.") in offer.text
    qid = await pete.press(offer, callback_data=offer.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    await silta.tg.wait_for(lambda: len(pete.messages()) >= 2)
    client = await silta.client(card.client.id)
    # An appointment reminder with the date and time in the client's locale.
    at = datetime(2026, 12, 3, 10, 0, tzinfo=HEL).astimezone(UTC)
    async with silta.core.db.tx() as conn:
        await items_repo.add_appointment(
            conn, client_id=client.id, at=at, place="Kela", created_by=None, now=silta.clock.now()
        )
        await planner.plan_client(conn, silta.core, client.id)
    await silta.advance_to(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    question = await silta.with_button(pete, t("😊 Good"))
    assert t("Hi! How are things today?") in question.text
    qid = await pete.press(question, callback_data=question.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    assert await silta.edited(pete, question, t("Thank you! Good to hear."))
    await silta.advance_to(datetime(2026, 12, 2, 10, 0, tzinfo=HEL).astimezone(UTC))
    reminder = await silta.with_button(pete, t("✅ I'll be there"))
    assert reminder.text.startswith(TOMORROW_AT_TEN[lang])
    qid = await pete.press(reminder, callback_data=reminder.callback_data[0])
    await silta.tg.wait_for_callback_answer(qid)
    assert await silta.edited(pete, reminder, t("Great, see you there!"))
    # Free text to the worker, and the menu in the language.
    await pete.send("Hello")
    assert await pete.next_message(
        contains=t("Your message was passed on to {worker}.").format(worker=t.ltr("Maria"))
    )
    await pete.command("help")
    assert await pete.next_message(contains=t("/next – what is coming up"))


async def test_arabic_keeps_names_times_and_codes_left_to_right(silta: Silta) -> None:
    t = translator("ar")
    assert t.rtl
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language="ar")
    pete = silta.tg.user(9002, language_code="ar")
    await pete.command("start", card.code)
    offer = await pete.next_message()
    # The worker's name sits inside an isolate, so it is not reordered by the Arabic around it.
    assert f"{LRI}Maria{PDI}" in offer.raw_text
    at = datetime(2026, 12, 3, 10, 0, tzinfo=HEL)
    assert t.time(at, HEL).startswith(LRI) and t.time(at, HEL).endswith(PDI)
