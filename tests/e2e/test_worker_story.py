"""From nothing to a handed-over client, all in the bot: the worker's whole day in one story."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import onboarding
from storage import items as items_repo
from storage import people as people_repo
from tests.harness import Silta
from tests.worker_helpers import TUULA, ask, tap, tap_then


async def test_a_new_worker_takes_a_client_from_invite_to_hand_over(silta: Silta) -> None:
    tuula = await silta.add_worker(TUULA, "Tuula Team", team="North", language="en")
    # The worker joins with an invite an admin made.
    invite = await onboarding.create_worker_invite(
        silta.core, None, "Nina Nurse", team="North", language="en"
    )
    nina = silta.tg.user(150, "Nina", language_code="en")
    await nina.command("start", invite.code)
    await nina.next_message(contains="registered as a worker")

    # A new client and the invite card.
    await ask(nina, "/newclient", contains="What should")
    language = await ask(nina, "Pete", contains="Which language")
    await tap_then(silta, nina, language, "English", contains="released")
    backup = await ask(nina, "25.11.2026", contains="backs you up")
    card = await tap_then(silta, nina, backup, "No backup")
    code = card.text.split("Code: ")[1].split()[0]

    # The client joins with the code.
    pete = silta.tg.user(3001, "Pete", language_code="en")
    await pete.send(code)
    offer = await pete.next_message(contains="Nina")
    await tap(silta, pete, offer, "start")
    await silta.settle()
    await silta.tg.wait_for_message(150, contains="joined Silta")
    async with silta.core.db.read() as conn:
        client = await people_repo.client_by_telegram(conn, 3001)
    assert client is not None and client.status == "active"

    # An appointment, a deadline and a plan.
    await ask(nina, "/appointment Pete", contains="When")
    await ask(nina, "4.12. 13:00", contains="Where")
    summary = await ask(nina, "Kela, Main St 1", contains="Save it?")
    await tap(silta, nina, summary, "Save")
    kinds = await ask(nina, "/deadline Pete", contains="What is the deadline")
    await tap(silta, nina, kinds, "Registering as a job seeker")
    monthly = await ask(nina, "10.12.2026", contains="every month")
    await tap(silta, nina, monthly, "Only once")
    plan = await ask(nina, "/plan Pete", contains="Release plan")
    await tap(silta, nina, plan, "Bank account")
    await silta.settle()
    await pete.next_message(contains="New meeting")
    async with silta.core.db.read() as conn:
        assert len(await items_repo.appointments_of(conn, client.id)) == 1
        assert len(await items_repo.deadlines_of(conn, client.id)) == 1
        plan_items = await items_repo.plan_of(conn, client.id)
    assert sum(1 for i in plan_items if i.done_at) == 1

    # The client is not doing well the next morning: an alert, taken.
    await silta.advance_to(datetime(2026, 12, 2, 8, 1, tzinfo=UTC))
    question = await pete.next_message(contains="How are things")
    await tap(silta, pete, question, "Not good")
    await silta.settle()
    alert = await silta.tg.wait_for_message(150, contains="is not doing well")
    answer = await tap(silta, nina, alert, "handle")
    assert "yours" in (answer.text or "")

    # Talking to the client: a reply to the alert card.
    await nina.send("I will call you at noon.", reply_to=alert)
    await nina.next_message(contains="Sent to Pete")
    await silta.settle()
    await pete.next_message(contains="I will call you at noon.")

    # Hand-over to a colleague: the client, Tuula and the open alert move.
    await ask(nina, "/handover Pete Tuula", contains="now with Tuula Team")
    await silta.settle()
    await pete.next_message(contains="your worker is Tuula")
    await silta.tg.wait_for_message(TUULA, contains="handed over to you by Nina Nurse")
    await silta.tg.wait_for_message(TUULA, contains="is not doing well")
    assert (await silta.client(client.id)).worker_id == tuula.id
