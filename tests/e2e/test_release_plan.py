"""The release plan with owners and dates, its reminders, and the release day (issue 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.callbacks import encode
from bot.services import onboarding
from bot.services import plan as plan_service
from storage import engine as engine_repo
from storage import items as items_repo
from tests.harness import Silta
from tests.worker_helpers import ask, office, tap, tap_then

HEL = ZoneInfo("Europe/Helsinki")
# The harness starts on Tuesday 1 December 2026 at 11:00 local; released in 30 days.
RELEASE = date(2026, 12, 31)


def at(day: int, month: int = 12, hour: int = 8, minute: int = 30) -> datetime:
    year = 2026 if month == 12 else 2027
    return datetime(year, month, day, hour, minute, tzinfo=HEL).astimezone(UTC)


async def _plan(silta: Silta, client_id: int):
    async with silta.core.db.read() as conn:
        return {i.template or i.title: i for i in await items_repo.plan_of(conn, client_id)}


def _digest(chat, day: str):
    found = [m for m in chat.messages() if "Good morning" in (m.text or "")]
    assert found, "no digest"
    return found[-1].text


async def test_a_plan_from_the_catalogue_with_owners_and_dates_that_follow_the_release(
    silta: Silta,
) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en", release_date=RELEASE)
    plan = await ask(o.maria_chat, "/plan Pete")
    assert "0 of 10 done" in plan.text
    # Each item with its owner, its date and how far that is from the release day.
    assert "☐ ID card — Prison, Thu 10 Dec, 21 days before release" in plan.text
    assert "Address change — Client, Thu 31 Dec, on release day" in plan.text
    assert "Registering as a job seeker — Client, Thu, 7 Jan 2027, 7 days after" in (plan.text)
    items = await _plan(silta, card.client.id)
    housing = items["housing"]
    # The worker hands the housing application to the prison, due three days after release.
    await o.maria_chat.press(plan, encode("pl", housing.id, "item"))
    await silta.tg.wait_for(lambda: "Due date" in str(plan.buttons))
    assert plan.text.startswith("☐ Housing application — Worker")
    await tap(silta, o.maria_chat, plan, "Prison")
    await silta.tg.wait_for(lambda: (plan.text or "").startswith("☐ Housing application — Prison"))
    question = await tap_then(silta, o.maria_chat, plan, "Due date")
    assert "-14d" in question.text
    shown = await ask(o.maria_chat, "+3d", contains="Release plan")
    assert "Housing application — Prison, Sun, 3 Jan 2027, 3 days after release" in (shown.text)
    # An item that is not needed says so, with who and when.
    await o.maria_chat.press(shown, encode("pl", items["id_card"].id, "item"))
    await silta.tg.wait_for(lambda: "Not needed" in str(shown.buttons))
    await tap(silta, o.maria_chat, shown, "Not needed")
    await silta.tg.wait_for(lambda: "➖ ID card" in (shown.text or ""))
    id_card = (await _plan(silta, card.client.id))["id_card"]
    assert id_card.state == "not_needed" and id_card.state_by == o.maria.id
    assert id_card.state_at == silta.clock.now()
    # The release date moves a week later: relative dates move with it, absolute ones do not.
    await onboarding.set_release_date(silta.core, o.maria, card.client.id, date(2027, 1, 7))
    again = await ask(o.maria_chat, "/plan Pete")
    assert "Housing application — Prison, Sun, 10 Jan 2027" in again.text
    assert "Address change — Client, Thu, 7 Jan 2027, on release day" in again.text
    assert "earlier" not in o.maria_chat.messages()[-1].text


async def test_a_release_date_moved_earlier_is_shown_to_the_worker_at_once(silta: Silta) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en", release_date=RELEASE)
    # The prison's date comes in through the command line (or another worker).
    await onboarding.set_release_date(silta.core, None, card.client.id, date(2026, 12, 20))
    await silta.settle()
    notice = await silta.tg.wait_for_message(o.maria_chat.id, contains="released earlier")
    assert "released earlier: Sun 20 Dec (was Thu 31 Dec)" in notice.text
    # Later again: no alarm.
    seen = len(o.maria_chat.messages())
    await onboarding.set_release_date(silta.core, None, card.client.id, date(2027, 1, 5))
    await silta.settle()
    assert len(o.maria_chat.messages()) == seen


async def test_the_digest_tells_of_items_due_soon_and_overdue_ones_of_the_prison(
    silta: Silta,
) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en", release_date=RELEASE)
    await ask(o.maria_chat, "/plan Pete")
    # The worker's own item with a date of its own (due Sunday 27th: 14 days before is Sunday 13th).
    own = await plan_service.add_item(
        silta.core, o.maria, card.client.id, title="Phone contract", due="2026-12-27"
    )
    assert own.status == "ok" and own.item is not None and own.item.due_offset is None
    # Thursday 3 December: the bank account is due in 14 days, the ID card in 7 (offsets).
    await silta.advance_to(at(3))
    text = _digest(o.maria_chat, "3")
    due = text.split("due soon:")[1].split("\n\n")[0]
    assert "Bank account and online banking credentials (Client, Thu 17 Dec)" in due
    assert "ID card (Prison, Thu 10 Dec)" in due
    assert "First meeting" not in due, "due in 25 days: no offset"
    # Friday 11 December: the prison's ID card (due on the 10th) is overdue.
    await silta.advance_to(at(11))
    text = _digest(o.maria_chat, "11")
    overdue = text.split("overdue (yours or the prison's):")[1]
    assert "Pete (#1) — ID card (Prison, Thu 10 Dec)" in overdue
    # The client's own overdue items are not the worker's news in this list.
    assert "Bank account" not in overdue
    # Monday's digest carries the weekend's offsets (Sunday 13th was 14 days before the phone
    # contract's date); Friday's digest did not list it.
    assert "Phone contract" not in text
    await silta.advance_to(at(14))
    monday = _digest(o.maria_chat, "14")
    assert "Phone contract (Worker, Sun 27 Dec)" in monday
    await silta.advance_to(at(31, hour=8, minute=30))
    text = _digest(o.maria_chat, "31")
    assert text.split("\n")[2] == "🔓 Released today: 1", "releases come first"


async def test_the_client_joins_on_release_day_gets_one_message_and_ticks_an_item(
    silta: Silta,
) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en", release_date=RELEASE)
    await ask(o.maria_chat, "/plan Pete")
    await silta.advance_to(at(31, hour=12, minute=0))
    user = silta.tg.user(3001, "Pete", language_code="en")
    await silta.join(user, card)
    await silta.advance_to(at(31, hour=12, minute=5))
    day = await silta.tg.wait_for_message(user.id, contains="Today is a new start")
    assert "Your worker is Maria" in day.text
    assert "☐ Address change" in day.text and "ID card" not in day.text, "only the client's"
    released = [m for m in user.messages() if "Today is a new start" in (m.text or "")]
    assert len(released) == 1
    # The client ticks their own item from /next; the worker sees it ticked.
    shown = await ask(user, "/next", contains="Coming up")
    labels = [label for label, _ in shown.buttons]
    assert "✅ Address change" in labels and not any("ID card" in lbl for lbl in labels)
    answer = await tap(silta, user, shown, "✅ Address change")
    assert "Marked done" in (answer.text or "")
    plan = await ask(o.maria_chat, "/plan Pete")
    assert "☑️ Address change" in plan.text and "1 of 10 done" in plan.text
    items = await _plan(silta, card.client.id)
    assert items["address_change"].state_by_kind == "client"
    # A second tap on the old /next changes nothing.
    answer = await tap(silta, user, shown, "✅ Address change")
    assert "no longer active" in (answer.text or "")
    # The client's reminders at the offsets: registering as a job seeker (due 7 Jan) the day
    # before, with done / later / help; help reaches the worker as an alert.
    await silta.advance_to(at(6, 1, hour=9, minute=30))
    reminder = await silta.tg.wait_for_message(user.id, contains="A reminder: Registering")
    # On 6 January the item due on the 7th is due "tomorrow".
    assert "Registering as a job seeker. Last day: tomorrow." in reminder.text
    await tap(silta, user, reminder, "I need help")
    await silta.settle()
    async with silta.core.db.read() as conn:
        alerts = await engine_repo.open_alerts(conn, reason="plan_help")
    assert [a.ref_id for a in alerts] == [items["jobseeker"].id]


async def test_moving_the_release_date_moves_the_clients_reminders(silta: Silta) -> None:
    o = await office(silta)
    user, client = await silta.joined_client(o.maria, "Pete", 3001)
    await onboarding.set_release_date(silta.core, o.maria, client.id, RELEASE)
    await ask(o.maria_chat, f"/plan {client.id}")

    async def pending_plan_keys() -> list[str]:
        async with silta.core.db.read() as conn:
            cur = await conn.execute(
                "SELECT key FROM outbox WHERE state = 'pending' AND kind = 'plan_reminder' "
                "AND client_id = ? ORDER BY due_at",
                (client.id,),
            )
            return [r[0] for r in await cur.fetchall()]

    before = await pending_plan_keys()
    assert any(k.endswith(":2026-12-17") for k in before), "bank account, 14 days before"
    await onboarding.set_release_date(silta.core, o.maria, client.id, date(2027, 1, 14))
    after = await pending_plan_keys()
    assert not any(k.endswith(":2026-12-17") for k in after)
    assert any(k.endswith(":2026-12-31") for k in after), "the bank account is now due on the 31st"
    # The release-day message follows the date too.
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT key FROM outbox WHERE state = 'pending' AND kind = 'release_day'"
        )
        assert [r[0] for r in await cur.fetchall()] == [f"release:{client.id}:2027-01-14"]
    # Nothing on the 3rd (14 days before the old date); on the 17th, 14 days before the new one.
    await silta.advance_to(at(3, hour=10))
    assert not any("Bank account" in (m.text or "") for m in user.messages())
    await silta.advance_to(at(17, hour=10))
    reminder = await silta.tg.wait_for_message(user.id, contains="A reminder: Bank account")
    assert "Last day: Thu 31 Dec." in reminder.text


async def test_a_client_who_never_joins_raises_an_alert_after_release_day(silta: Silta) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en", release_date=date(2026, 12, 3))
    await silta.advance_to(at(3, hour=23, minute=50))
    async with silta.core.db.read() as conn:
        assert not await engine_repo.open_alerts(conn, reason="not_reachable_after_release")
    await silta.advance_to(at(4, hour=9, minute=0))
    async with silta.core.db.read() as conn:
        alerts = await engine_repo.open_alerts(conn, reason="not_reachable_after_release")
    assert len(alerts) == 1
    card = await silta.tg.wait_for_message(o.maria_chat.id, contains="not yet reachable")
    assert "Pete" in card.text
    # One alert, however many days pass.
    await silta.advance_to(at(6, hour=9, minute=0))
    async with silta.core.db.read() as conn:
        assert len(await engine_repo.open_alerts(conn, reason="not_reachable_after_release")) == 1
