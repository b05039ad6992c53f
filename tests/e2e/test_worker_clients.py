"""A worker joins, adds clients with invite cards, sees them, pauses, hands over and closes."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services import onboarding
from storage import people as people_repo
from tests.harness import Silta
from tests.worker_helpers import (
    MARIA,
    SAM,
    TUULA,
    ask,
    audit_actions,
    joined_client,
    office,
    outbox_rows,
    pending,
    tap,
    tap_then,
)


async def test_a_worker_joins_with_an_admin_made_invite(silta: Silta) -> None:
    card = await onboarding.create_worker_invite(
        silta.core, None, "Nina Nurse", team="North", language="fi"
    )
    nina = silta.tg.user(150, "Nina", language_code="fi")
    await nina.command("start", card.code)
    welcome = await nina.next_message()
    assert "Nina Nurse" in welcome.text
    async with silta.core.db.read() as conn:
        worker = await people_repo.worker_by_telegram(conn, 150)
        team = await people_repo.team_by_name(conn, "north", silta.clock.now(), create=False)
    assert worker is not None and worker.active and worker.language == "fi"
    assert team is not None and worker.team_id == team.id
    # The menu is set just after the welcome is sent: wait for it rather than race it.
    wanted = {"newclient", "clients", "appointment", "handover", "alerts"}
    await silta.tg.wait_for(
        lambda: (
            wanted
            <= {c["command"] for c in silta.tg.my_commands({"type": "chat", "chat_id": 150}, "")}
        ),
        what="the worker's command menu",
    )
    await nina.command("start", card.code)
    again = await nina.next_message()
    assert "Nina Nurse" not in again.text, "an invite works once"
    assert [e.action for e in await audit_actions(silta)].count("worker.join") == 1


async def test_new_client_conversation_ends_with_a_printable_invite(silta: Silta) -> None:
    o = await office(silta)
    maria = o.maria_chat
    first = await ask(maria, "/newclient")
    assert "nickname" in first.text and first.buttons[-1][0].endswith("Cancel")
    refused = await ask(maria, "131052-308T")
    assert "identity code" in refused.text
    language = await ask(maria, "Pete")
    assert "Which language does Pete read" in language.text
    assert any("phone decide" in label for label, _ in language.buttons)
    release = await tap_then(silta, maria, language, "English")
    assert "released" in release.text
    assert "English" in (maria.messages()[-2].text or ""), "the pressed question shows the choice"
    wrong = await ask(maria, "31.2.2027")
    assert "does not exist" in wrong.text
    backup = await ask(maria, "3.11.2026")
    assert "backs you up" in backup.text
    labels = [label for label, _ in backup.buttons]
    assert "Tuula Team" in labels and "Sam South" not in labels and "Maria Virtanen" not in labels
    invite = await tap_then(silta, maria, backup, "Tuula")
    assert invite.photo is not None and invite.photo.startswith(b"\x89PNG")
    assert "https://t.me/" in invite.text and "Valid until" in invite.text
    code = invite.text.split("Code: ")[1].split()[0]
    assert len(code) == 14 and code.count("-") == 2
    async with silta.core.db.read() as conn:
        clients = await people_repo.clients_of(conn, [o.maria.id])
    assert len(clients) == 1
    pete = clients[0]
    assert (pete.nickname, pete.language, pete.release_date, pete.backup_worker_id) == (
        "Pete",
        "en",
        date(2026, 11, 3),
        o.tuula.id,
    )
    # The card works: a client opens the link and joins.
    user = silta.tg.user(3001, "Pete", language_code="en")
    await user.command("start", code)
    offer = await user.next_message(contains="Maria")
    assert offer.callback_data


async def test_new_client_can_skip_the_date_and_let_the_phone_pick_the_language(
    silta: Silta,
) -> None:
    sam = await silta.add_worker(SAM, "Sam South", team="Solo", language="en")
    chat = silta.tg.user(SAM, language_code="en")
    language = await ask(chat, "/newclient Aki")
    release = await tap_then(silta, chat, language, "phone decide")
    invite = await tap_then(silta, chat, release, "Skip")
    assert invite.photo is not None, "nobody else in the team: no backup question"
    async with silta.core.db.read() as conn:
        [aki] = await people_repo.clients_of(conn, [sam.id])
    assert aki.language is None and aki.release_date is None and aki.backup_worker_id is None


async def test_cancel_stops_the_conversation_and_old_buttons_go_stale(silta: Silta) -> None:
    o = await office(silta)
    maria = o.maria_chat
    await ask(maria, "/newclient")
    language = await ask(maria, "Pete")
    cancelled = await ask(maria, "/cancel")
    assert "Cancelled" in cancelled.text
    answer = await tap(silta, maria, language, "English")
    assert "no longer active" in (answer.text or "")
    after = await ask(maria, "just some text")
    assert "reply to their message" in after.text
    nothing = await ask(maria, "/cancel")
    assert "nothing to cancel" in nothing.text
    # The Cancel button does the same.
    first = await ask(maria, "/newclient")
    await tap(silta, maria, first, "Cancel")
    async with silta.core.db.read() as conn:
        assert await people_repo.clients_of(conn, [o.maria.id]) == []


async def test_a_new_invite_replaces_the_old_one(silta: Silta) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en")
    invite = await ask(o.maria_chat, "/invite Pete")
    assert invite.photo is not None and "earlier one no longer works" in invite.text
    user = silta.tg.user(3001, language_code="en")
    await user.command("start", card.code)
    old = await user.next_message()
    assert "did not work" in old.text


async def test_my_clients_show_status_last_answer_and_alerts(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await silta.add_client(o.maria, "Anna", language="en")
    await joined_client(silta, o.tuula, "Timo", telegram_id=3002)
    async with silta.core.db.tx() as conn:
        await people_repo.update_client(
            conn, pete.id, last_answer="good", last_answer_at=silta.clock.now()
        )
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    lines = listing.text.splitlines()
    assert any(line.startswith("✅ Pete") and "Good" in line for line in lines)
    assert any(line.startswith("⏳ Anna") and "not joined" in line for line in lines)
    assert "Timo" not in listing.text
    team = await ask(o.maria_chat, "/clients all")
    assert "Timo" in team.text
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    assert "Pete (#" in card.text and "Worker: Maria Virtanen" in card.text
    assert any("Pause" in label for label, _ in card.buttons)
    assert "client.view" in [e.action for e in await audit_actions(silta)]


async def test_another_teams_client_reads_as_unknown(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    for command in (
        f"/plan {pete.id}",
        "/plan Pete",
        f"/appointment #{pete.id}",
        f"/invite {pete.id}",
        "/close Pete",
        f"/reply {pete.id} hello",
    ):
        answer = await ask(o.sam_chat, command)
        assert "No such client among yours" in answer.text, command
    unknown = await ask(o.maria_chat, "/plan Nobody")
    assert "No such client among yours" in unknown.text and "/clients" in unknown.text
    # Tuula is in Maria's team: she may see Pete.
    plan = await ask(o.tuula_chat, "/plan Pete")
    assert "Release plan of Pete" in plan.text


async def test_two_clients_with_one_name_need_the_number(silta: Silta) -> None:
    o = await office(silta)
    await silta.add_client(o.tuula, "Pete", language="en")
    await silta.add_client(o.tuula, "Pete", language="en")
    answer = await ask(o.maria_chat, "/plan Pete")
    assert "More than one client" in answer.text and "#12" in answer.text


async def test_pause_and_resume_from_the_card(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    answer = await tap(silta, o.maria_chat, card, "Pause")
    assert "Paused" in (answer.text or "")
    assert (await silta.client(pete.id)).status == "paused"
    assert not [r for r in await pending(silta, pete.id) if r.kind == "checkin"]
    await silta.advance(timedelta(days=1))
    assert not [m for m in user.messages() if "How are things" in (m.text or "")]
    await silta.tg.wait_for(lambda: any("Resume" in label for label, _ in card.buttons))
    answer = await tap(silta, o.maria_chat, card, "Resume")
    assert "Resumed" in (answer.text or "")
    assert (await silta.client(pete.id)).status == "active"
    await silta.advance(timedelta(days=1))
    assert [m for m in user.messages() if "How are things" in (m.text or "")]
    actions = [e.action for e in await audit_actions(silta)]
    assert "client.pause" in actions and "client.resume" in actions


async def test_a_client_who_paused_themselves_is_not_resumed_by_the_worker(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    await user.command("stop")
    choice = await user.next_message()
    await tap(silta, user, choice, "Until I turn them back on")
    assert (await silta.client(pete.id)).status == "paused"
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    answer = await tap(silta, o.maria_chat, card, "Resume")
    assert "themselves" in (answer.text or "")
    assert (await silta.client(pete.id)).status == "paused"


async def test_hand_over_by_command_moves_the_client_and_tells_everyone(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete", backup=o.tuula)
    done = await ask(o.maria_chat, "/handover Pete Tuula")
    assert "now with Tuula Team" in done.text
    moved = await silta.client(pete.id)
    assert moved.worker_id == o.tuula.id and moved.backup_worker_id is None
    await silta.settle()
    told = await user.next_message(contains="your worker is")
    assert "Tuula" in told.text and "Team" not in told.text, "first name only"
    note = await silta.tg.wait_for_message(TUULA, contains="handed over to you")
    assert "Maria Virtanen" in note.text
    assert "client.handover" in [e.action for e in await audit_actions(silta)]
    refused = await ask(o.maria_chat, f"/handover {pete.id} Sam")
    assert "No such colleague" in refused.text


async def test_hand_over_from_the_card_by_buttons(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    choices = await tap_then(silta, o.maria_chat, card, "Hand over")
    assert [label for label, _ in choices.buttons] == ["Tuula Team"]
    await tap_then(silta, o.maria_chat, choices, "Tuula", contains="now with")
    assert (await silta.client(pete.id)).worker_id == o.tuula.id
    # Tuula's hand-over back reaches Maria as a note.
    await ask(o.tuula_chat, f"/handover #{pete.id} Maria Virtanen", contains="now with")
    await silta.settle()
    note = await silta.tg.wait_for_message(MARIA, contains="handed over to you")
    assert "Tuula Team" in note.text
    # A colleague taking Maria's client: Maria hears where the client went.
    await ask(o.tuula_chat, f"/handover {pete.id} {o.tuula.id}", contains="now with")
    await silta.settle()
    note = await silta.tg.wait_for_message(MARIA, contains="📤")
    assert "is now with Tuula Team" in note.text


async def test_closing_says_goodbye_and_stops_everything(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    confirm = await ask(o.maria_chat, "/close Pete")
    assert "goodbye" in confirm.text
    assert (await silta.client(pete.id)).status == "active", "nothing happens before confirming"
    await tap(silta, o.maria_chat, confirm, "Yes, close")
    closed = await silta.client(pete.id)
    assert closed.status == "closed" and closed.closed_at == silta.clock.now()
    assert closed.nickname == "Pete", "the record is kept"
    await silta.settle()
    goodbye = await user.next_message(contains="Silta messages have now ended")
    assert goodbye.protect_content
    assert await pending(silta, pete.id) == []
    assert [r.state for r in await outbox_rows(silta, "client_notice", pete.id)] == ["sent"]
    again = await ask(o.maria_chat, f"/close {pete.id}")
    assert "is closed" in again.text
    invite = await ask(o.maria_chat, f"/invite {pete.id}")
    assert "is closed" in invite.text
    assert "client.close" in [e.action for e in await audit_actions(silta)]


async def test_every_card_button_leads_somewhere(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    expected = {
        "📅 Appointment": "When is the appointment with Pete",
        "🗓 Deadline": "What is the deadline of Pete",
        "📆 Appointments": "no coming appointments",
        "🗂 Deadlines": "no open deadlines",
        "📋 Release plan": "Release plan of Pete",
        "🔗 New invite": "A new invite for Pete",
        "⛔ Close": "End the service of Pete",
    }
    for label, text in expected.items():
        answer = await tap_then(silta, o.maria_chat, card, label)
        assert text in answer.text, label
        if answer.photo is not None:
            # The invite card comes as a picture and then as a PDF to print.
            await silta.tg.wait_for(
                lambda: any(m.document for m in o.maria_chat.messages()), what="the card PDF"
            )
    kinds = await tap_then(silta, o.maria_chat, card, "🗓 Deadline")
    typed = await ask(o.maria_chat, "some text")
    assert "use the buttons above" in typed.text
    assert kinds.buttons


async def test_help_lists_the_commands(silta: Silta) -> None:
    o = await office(silta)
    answer = await ask(o.maria_chat, "/help")
    for command in (
        "/newclient",
        "/clients",
        "/appointment",
        "/deadline",
        "/plan",
        "/alerts",
        "/reply",
        "/handover",
        "/close",
        "/cancel",
    ):
        assert command in answer.text
    start = await ask(o.maria_chat, "/start")
    assert "/newclient" in start.text
