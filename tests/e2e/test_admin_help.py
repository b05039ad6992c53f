"""Admins and help: an admin from SILTA_ADMIN_IDS gives their name, sees the admin commands,
reads /policy set errors in their own language, and Finnish help has Finnish examples."""

from __future__ import annotations

from storage import people as people_repo
from tests.harness import ADMIN_ID, Silta
from tests.worker_helpers import ask, office


async def test_a_seeded_admin_is_asked_their_name_and_sees_the_admin_commands(
    silta: Silta,
) -> None:
    admin = silta.tg.user(ADMIN_ID, "Aino", language_code="fi")
    asked = await ask(admin, "/start")
    assert "Mikä on nimesi" in asked.text
    thanks = await ask(admin, "Aino Aalto")
    assert "Kiitos, Aino Aalto" in thanks.text
    help_text = (await admin.next_message(contains="/policy")).text
    assert "Ylläpitäjän komennot" in help_text
    assert "/addworker" in help_text and "/cadence" in help_text and "/clients" in help_text
    async with silta.core.db.read() as conn:
        me = await people_repo.worker_by_telegram(conn, ADMIN_ID)
    assert me is not None and me.name == "Aino Aalto" and not me.needs_name
    again = await ask(admin, "/start")
    assert "/policy" in again.text, "asked once only"


async def test_policy_errors_are_in_the_admins_language(silta: Silta) -> None:
    admin = silta.tg.user(ADMIN_ID, "Aino", language_code="fi")
    await ask(admin, "/start")
    await ask(admin, "Aino Aalto")
    refused = await ask(admin, "/policy set checkins.answer_within 5x", contains="Korjaa")
    assert "tuntematon aikayksikkö 'x' arvossa '5x'" in refused.text
    assert "unknown" not in refused.text
    refused = await ask(admin, "/policy set chekins.time 10:00", contains="Korjaa")
    assert "tuntematon asetus" in refused.text and "checkins.time" in refused.text


async def test_worker_help_lists_cadence_not_the_admin_commands(silta: Silta) -> None:
    o = await office(silta)
    help_text = (await ask(o.maria_chat, "/help")).text
    assert "/cadence" in help_text
    assert "/policy" not in help_text and "/addworker" not in help_text


async def test_finnish_help_has_finnish_examples(silta: Silta) -> None:
    await silta.add_worker(150, "Kaisa Korhonen", language="fi")
    kaisa = silta.tg.user(150, language_code="fi")
    assert "/reply 12 Nähdään huomenna!" in (await ask(kaisa, "/reply")).text
