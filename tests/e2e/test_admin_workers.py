"""An admin invites workers, moves them between teams, and deactivates them safely."""

from __future__ import annotations

import re

from bot.services import admin as admin_service
from bot.services import alerts
from storage import admin as admin_repo
from storage import engine as engine_repo
from storage import people as people_repo
from storage.models import Alert, Client, Worker
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import Silta


async def english_admin(silta: Silta) -> tuple[Worker, FakeUser]:
    admin = await silta.add_worker(901, "Ada Admin", team=None, admin=True, language="en")
    return admin, silta.tg.user(901, first_name="Ada", language_code="en")


async def raise_alert(silta: Silta, client: Client, reason: str = "no_answer") -> Alert:
    async with silta.core.db.tx() as conn:
        alert = await alerts.raise_alert(conn, silta.core, client, reason)
    await silta.settle()
    return alert


async def alert_now(silta: Silta, alert_id: int) -> Alert:
    async with silta.core.db.read() as conn:
        alert = await engine_repo.get_alert(conn, alert_id)
    assert alert is not None
    return alert


async def worker_now(silta: Silta, worker_id: int) -> Worker:
    async with silta.core.db.read() as conn:
        worker = await people_repo.get_worker(conn, worker_id)
    assert worker is not None
    return worker


def alert_cards(user: FakeUser, nickname: str) -> list[SentMessage]:
    return [m for m in user.messages() if nickname in (m.text or "") and m.callback_data]


async def press_and_wait(silta: Silta, user: FakeUser, message: SentMessage, label: str) -> str:
    qid = await user.press(message, label=label)
    answer = await silta.tg.wait_for_callback_answer(qid)
    return answer.text or ""


async def test_addworker_with_arguments_sends_an_invite_card_that_works(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    await ada.command("addworker", "Liisa Laine | South | sv")
    card = await ada.next_message(contains="Liisa Laine")
    assert card.method == "sendPhoto"
    assert card.photo is not None and card.photo.startswith(b"\x89PNG")
    assert "team South" in (card.text or "")
    assert "https://t.me/" in (card.text or "")
    code = re.search(r"Code: (\S+)", card.text or "")
    assert code is not None

    liisa = silta.tg.user(1201, first_name="Liisa", language_code="sv")
    await liisa.command("start", code.group(1).replace("-", ""))
    await liisa.next_message()
    async with silta.core.db.read() as conn:
        worker = await people_repo.worker_by_telegram(conn, 1201)
        team = await people_repo.team_by_name(conn, "South", silta.core.now(), create=False)
    assert worker is not None and team is not None
    assert (worker.name, worker.team_id, worker.language) == ("Liisa Laine", team.id, "sv")


async def test_addworker_asks_for_team_and_language_with_buttons(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    await silta.add_worker(1101, "Maria Virtanen", team="North")
    await ada.command("addworker", "Jussi Juntunen")
    ask_team = await ada.next_message(contains="Which team")
    assert "No team" in [label for label, _ in ask_team.buttons]
    await press_and_wait(silta, ada, ask_team, "North")
    await silta.tg.wait_for(lambda: "Which language" in (ask_team.text or ""))
    english = ask_team.data_for("English")
    await press_and_wait(silta, ada, ask_team, "English")
    card = await silta.tg.wait_for_message(
        901, contains="Jussi Juntunen", after=ask_team.message_id
    )
    assert card.photo is not None
    assert "team North" in (card.text or "")
    async with silta.core.db.read() as conn:
        invited = [w for w, _ in await people_repo.list_workers(conn) if w.name == "Jussi Juntunen"]
    assert len(invited) == 1 and invited[0].language == "en" and invited[0].telegram_id is None

    # The finished conversation's buttons do nothing more.
    qid = await ada.press(ask_team, callback_data=english, forge=True)
    assert "no longer active" in ((await silta.tg.wait_for_callback_answer(qid)).text or "")


async def test_addworker_refuses_an_unknown_language(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    await ada.command("addworker", "Liisa Laine | South | de")
    reply = await ada.next_message()
    assert "Unknown language" in (reply.text or "")
    async with silta.core.db.read() as conn:
        assert all(w.name != "Liisa Laine" for w, _ in await people_repo.list_workers(conn))


async def test_workers_lists_client_counts(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen")
    await silta.add_client(maria, "Pete")
    await silta.add_client(maria, "Sami")
    await ada.command("workers")
    listing = await ada.next_message(contains="Workers")
    line = next(x for x in (listing.text or "").splitlines() if "Maria Virtanen" in x)
    assert "North" in line and "2 clients" in line
    labels = [label for label, _ in listing.buttons]
    assert "Deactivate Maria Virtanen" in labels
    assert "Deactivate Ada Admin" not in labels


async def test_deactivating_a_worker_moves_their_alerts_to_the_team(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    await silta.add_worker(1102, "Kalle Korhonen", language="en")
    maria_user = silta.tg.user(1101, first_name="Maria", language_code="en")
    kalle_user = silta.tg.user(1102, first_name="Kalle", language_code="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))
    alert = await raise_alert(silta, client)
    assert len(alert_cards(maria_user, "Pete")) == 1
    assert alert_cards(kalle_user, "Pete") == []

    await ada.command("workers")
    listing = await ada.next_message(contains="Workers")
    await press_and_wait(silta, ada, listing, "Deactivate Maria Virtanen")
    confirm = await silta.tg.wait_for_message(
        901, contains="Deactivate Maria", after=listing.message_id
    )
    assert "1 client to hand over" in (confirm.text or "")
    assert (await worker_now(silta, maria.id)).active, "nothing happens before confirming"
    assert "Deactivated" in await press_and_wait(silta, ada, confirm, "Yes, deactivate")
    await silta.tg.wait_for(lambda: "is deactivated" in (confirm.text or ""))
    assert f"/handover {client.id}" in (confirm.text or "")
    assert "1 open alert went to their team" in (confirm.text or "")

    await silta.settle()
    assert len(alert_cards(kalle_user, "Pete")) == 1
    moved = await alert_now(silta, alert.id)
    assert moved.state == "open"
    assert moved.ladder[moved.step]["to"] == "team"
    assert moved.raised_at == alert.raised_at, "statistics keep the real raising time"
    assert not (await worker_now(silta, maria.id)).active

    await maria_user.command("help")
    assert "not active" in ((await maria_user.next_message()).text or "")
    async with silta.core.db.read() as conn:
        entries = await admin_repo.audit_entries(conn)
    assert any(
        e.action == "worker.deactivate" and e.detail == f"worker {maria.id}; 1 alerts moved"
        for e in entries
    )


async def test_the_team_step_timer_still_climbs_to_the_admins(silta: Silta) -> None:
    admin, ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    await silta.add_worker(1102, "Kalle Korhonen", language="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Pete", language="en"))
    alert = await raise_alert(silta, client, "contact_me")
    await admin_service.deactivate_worker(silta.core, admin, maria.id)
    await silta.settle()
    # The team step is at 8 h and the admins' at 24 h: 16 h after the move the admins hear.
    from datetime import timedelta

    await silta.advance(timedelta(hours=15))
    assert alert_cards(ada, "Pete") == []
    await silta.advance(timedelta(hours=1, minutes=1))
    assert len(alert_cards(ada, "Pete")) == 1
    assert (await alert_now(silta, alert.id)).ladder[(await alert_now(silta, alert.id)).step][
        "to"
    ] == "admins"


async def test_an_alert_the_leaving_worker_took_goes_back_to_its_own_worker(
    silta: Silta,
) -> None:
    admin, _ = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    kalle = await silta.add_worker(1102, "Kalle Korhonen", language="en")
    kalle_user = silta.tg.user(1102, first_name="Kalle", language_code="en")
    sami = silta.tg.user(1002, first_name="Sami", language_code="en")
    client = await silta.join(sami, await silta.add_client(kalle, "Sami", language="en"))
    alert = await raise_alert(silta, client)
    taken = await alerts.act(silta.core, maria, alert.id, "ack")
    assert taken.status == "taken"

    change = await admin_service.deactivate_worker(silta.core, admin, maria.id)
    assert (change.status, change.moved_alerts, change.clients) == ("done", 1, [])
    await silta.settle()
    reopened = await alert_now(silta, alert.id)
    assert (reopened.state, reopened.step, reopened.acknowledged_by) == ("open", 0, None)
    cards = alert_cards(kalle_user, "Sami")
    assert len(cards) == 2, "Kalle is told again, with a card he can take"
    assert "I'll handle it" in str(cards[-1].buttons)


async def test_an_admin_reactivates_a_worker(silta: Silta) -> None:
    admin, ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    await admin_service.deactivate_worker(silta.core, admin, maria.id)
    await ada.command("workers")
    listing = await ada.next_message(contains="Workers")
    assert "inactive" in next(x for x in (listing.text or "").splitlines() if "Maria" in x)
    assert "Reactivated" in await press_and_wait(silta, ada, listing, "Reactivate Maria Virtanen")
    await silta.tg.wait_for_message(901, contains="can use Silta again", after=listing.message_id)
    assert (await worker_now(silta, maria.id)).active


async def test_an_admin_cannot_deactivate_themselves_even_with_a_forged_button(
    silta: Silta,
) -> None:
    admin, ada = await english_admin(silta)
    await ada.command("workers")
    listing = await ada.next_message(contains="Workers")
    qid = await ada.press(listing, callback_data=f"v1:adw:{admin.id}:offy", forge=True)
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "no longer active" in (answer.text or "")
    assert (await worker_now(silta, admin.id)).active


async def test_teams_team_and_makeadmin(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    maria = await silta.add_worker(1101, "Maria Virtanen", team="North", language="en")
    await silta.add_worker(1102, "Kalle Korhonen", team="North", language="en")

    await ada.command("team", "Maria East Side")
    moved = await ada.next_message()
    assert "Maria Virtanen" in (moved.text or "") and "East Side" in (moved.text or "")
    await ada.command("teams")
    listing = await ada.next_message(contains="Teams")
    lines = (listing.text or "").splitlines()
    assert any(x.startswith("East Side:") and "Maria Virtanen" in x for x in lines)
    assert any(x.startswith("North:") and "Kalle Korhonen" in x and "Maria" not in x for x in lines)
    assert any(x.startswith("No team:") and "Ada Admin" in x for x in lines)

    await ada.command("team", "Nobody Here | North")
    assert "no worker" in ((await ada.next_message()).text or "")

    await ada.command("makeadmin", f"#{maria.id}")
    assert "is now an admin" in ((await ada.next_message()).text or "")
    assert (await worker_now(silta, maria.id)).is_admin

    def menu() -> set[str]:
        return {c["command"] for c in silta.tg.my_commands({"type": "chat", "chat_id": 1101})}

    await silta.tg.wait_for(lambda: {"policy", "workers", "stats"} <= menu(), what="admin menu")

    async with silta.core.db.read() as conn:
        actions = [e.action for e in await admin_repo.audit_entries(conn, newest_first=False)]
    assert actions[-2:] == ["worker.team", "worker.admin"]


async def test_two_workers_with_the_same_first_name_need_the_number(silta: Silta) -> None:
    _, ada = await english_admin(silta)
    await silta.add_worker(1101, "Maria Virtanen")
    await silta.add_worker(1102, "Maria Korhonen")
    await ada.command("makeadmin", "Maria")
    reply = await ada.next_message()
    assert "More than one worker" in (reply.text or "")
    assert "Maria Virtanen" in (reply.text or "") and "Maria Korhonen" in (reply.text or "")
