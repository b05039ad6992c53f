"""Benefit deadlines and the release plan, as a worker keeps them."""

from __future__ import annotations

from datetime import date, timedelta

from bot.callbacks import encode
from bot.services import items as item_service
from bot.services.plan_templates import TEMPLATE_TITLES
from storage import engine as engine_repo
from storage import items as items_repo
from tests.harness import Silta
from tests.worker_helpers import (
    ask,
    audit_actions,
    joined_client,
    office,
    outbox_rows,
    tap,
    tap_then,
)


async def _deadlines(silta: Silta, client_id: int):
    async with silta.core.db.read() as conn:
        return await items_repo.deadlines_of(conn, client_id, statuses=("open", "cancelled"))


async def _plan(silta: Silta, client_id: int):
    async with silta.core.db.read() as conn:
        return await items_repo.plan_of(conn, client_id)


async def test_a_monthly_deadline_from_the_catalogue(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    seen = len(user.messages())
    pick = await ask(o.maria_chat, "/deadline")
    kinds = await tap_then(silta, o.maria_chat, pick, "Pete")
    labels = [label for label, _ in kinds.buttons]
    assert "Housing allowance" in labels and "Something else" in labels
    due = await tap_then(silta, o.maria_chat, kinds, "Housing allowance")
    assert "By which date" in due.text
    past = await ask(o.maria_chat, "30.11.2026")
    assert "already passed" in past.text
    wrong = await ask(o.maria_chat, "31.4.2027")
    assert "does not exist" in wrong.text
    monthly = await ask(o.maria_chat, "15.12.")
    assert "every month" in monthly.text
    await tap(silta, o.maria_chat, monthly, "Every month")
    [dl] = await _deadlines(silta, pete.id)
    assert (dl.kind, dl.due_date, dl.monthly, dl.label) == (
        "housing_allowance",
        date(2026, 12, 15),
        True,
        None,
    )
    reminders = await outbox_rows(silta, "deadline_reminder", pete.id)
    assert len(reminders) == 3 and all(r.state == "pending" for r in reminders)
    await silta.settle()
    assert len(user.messages()) == seen, "the client hears of it only through reminders"
    assert "deadline.add" in [e.action for e in await audit_actions(silta)]


async def test_something_else_asks_for_a_short_text(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    kinds = await ask(o.maria_chat, "/deadline Pete")
    what = await tap_then(silta, o.maria_chat, kinds, "Something else")
    assert "at most 60" in what.text
    too_long = await ask(o.maria_chat, "y" * 61)
    assert "at most 60" in too_long.text
    await ask(o.maria_chat, "Library card", contains="By which date")
    once = await ask(o.maria_chat, "huomenna")
    await tap(silta, o.maria_chat, once, "Only once")
    [dl] = await _deadlines(silta, pete.id)
    assert (dl.kind, dl.label, dl.monthly, dl.due_date) == (
        "other",
        "Library card",
        False,
        date(2026, 12, 2),
    )


async def test_deadlines_list_cancels_one(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    await item_service.add_deadline(silta.core, o.maria, pete.id, "jobseeker", date(2026, 12, 20))
    await item_service.add_deadline(
        silta.core, o.maria, pete.id, "id_card", date(2026, 12, 10), monthly=True
    )
    listing = await ask(o.maria_chat, f"/deadlines {pete.id}")
    assert "ID card" in listing.text and "Registering as a job seeker" in listing.text
    assert "(every month)" in listing.text
    answer = await tap(silta, o.maria_chat, listing, "Cancel: ID card")
    assert "Cancelled" in (answer.text or "")
    await silta.tg.wait_for(lambda: "ID card" not in (listing.text or ""))
    statuses = {d.kind: d.status for d in await _deadlines(silta, pete.id)}
    assert statuses == {"id_card": "cancelled", "jobseeker": "open"}
    pending = [
        r for r in await outbox_rows(silta, "deadline_reminder", pete.id) if r.state == "pending"
    ]
    assert pending and all(r.key.endswith("2026-12-20") for r in pending)


async def test_deadline_for_another_team_or_with_a_stale_button_changes_nothing(
    silta: Silta,
) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    result = await item_service.add_deadline(
        silta.core, o.maria, pete.id, "jobseeker", date(2026, 12, 20)
    )
    assert result.deadline is not None
    denied = await ask(o.sam_chat, f"/deadline {pete.id}")
    assert "No such client among yours" in denied.text
    qid = await o.sam_chat.press(
        denied, callback_data=encode("wd", result.deadline.id, "cancel"), forge=True
    )
    assert "no longer active" in ((await silta.tg.wait_for_callback_answer(qid)).text or "")
    kinds = await ask(o.maria_chat, f"/deadline {pete.id}")
    await ask(o.maria_chat, "/cancel", contains="Cancelled")
    answer = await tap(silta, o.maria_chat, kinds, "ID card")
    assert "no longer active" in (answer.text or "")
    assert [d.status for d in await _deadlines(silta, pete.id)] == ["open"]


async def test_the_plan_starts_from_the_template_and_both_sides_tick(silta: Silta) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete", release_date=date(2026, 12, 10))
    plan = await ask(o.maria_chat, "/plan Pete")
    assert "0 of 5 done" in plan.text
    assert [label for label, _ in plan.buttons][:5] == [f"☐ {t}" for t in TEMPLATE_TITLES.values()]
    items = await _plan(silta, pete.id)
    assert [i.template for i in items] == list(TEMPLATE_TITLES)
    await tap(silta, o.maria_chat, plan, "ID card")
    await silta.tg.wait_for(lambda: "1 of 5 done" in (plan.text or ""))
    assert "☑️ ID card" in [label for label, _ in plan.buttons]
    assert (await _plan(silta, pete.id))[0].done_by == "worker"
    # The client ticks one from their side (the client's /next uses the same service).
    result = await item_service.toggle_plan_item(silta.core, "client", user.id, items[1].id)
    assert result.status == "ok" and result.item is not None and result.item.done_by == "client"
    again = await ask(o.maria_chat, "/plan Pete")
    assert "2 of 5 done" in again.text
    # Untick.
    await tap(silta, o.maria_chat, again, "ID card")
    await silta.tg.wait_for(lambda: "1 of 5 done" in (again.text or ""))
    actions = [e.action for e in await audit_actions(silta)]
    assert actions.count("plan.start") == 1 and "plan.tick" in actions and "plan.untick" in actions


async def test_plan_items_are_added_and_removed_and_not_seeded_twice(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    plan = await ask(o.maria_chat, f"/plan {pete.id}")
    question = await tap_then(silta, o.maria_chat, plan, "Add item")
    assert "at most 100" in question.text
    added = await ask(o.maria_chat, "Phone contract", contains="Release plan")
    assert "0 of 6 done" in added.text and "☐ Phone contract" in [lbl for lbl, _ in added.buttons]
    await tap(silta, o.maria_chat, added, "Remove an item")
    await silta.tg.wait_for(lambda: "Tap an item to remove it" in (added.text or ""))
    for title in list(TEMPLATE_TITLES.values()):
        await tap(silta, o.maria_chat, added, f"🗑 {title}")
        await silta.tg.wait_for(lambda t=title: f"🗑 {t}" not in [lbl for lbl, _ in added.buttons])
    assert [i.title for i in await _plan(silta, pete.id)] == ["Phone contract"]
    await tap(silta, o.maria_chat, added, "Back")
    reopened = await ask(o.maria_chat, f"/plan {pete.id}")
    assert "0 of 1 done" in reopened.text, "the template is used only the first time"


async def test_nobody_ticks_another_clients_plan(silta: Silta) -> None:
    o = await office(silta)
    pete, _ = await joined_client(silta, o.maria, "Pete")
    _, anna = await joined_client(silta, o.maria, "Anna", telegram_id=3002)
    await ask(o.maria_chat, f"/plan {pete.id}")
    item = (await _plan(silta, pete.id))[0]
    result = await item_service.toggle_plan_item(silta.core, "client", anna.id, item.id)
    assert result.status == "not_found"
    result = await item_service.toggle_plan_item(silta.core, "worker", o.sam.id, item.id)
    assert result.status == "not_found"
    denied = await ask(o.sam_chat, "/help")
    qid = await o.sam_chat.press(denied, callback_data=encode("pl", item.id, "tick"), forge=True)
    assert "no longer active" in ((await silta.tg.wait_for_callback_answer(qid)).text or "")
    assert (await _plan(silta, pete.id))[0].done_at is None


async def test_unticked_items_near_release_become_one_alert(silta: Silta) -> None:
    o = await office(silta)
    soon, _ = await joined_client(silta, o.maria, "Soon", release_date=date(2026, 12, 4))
    later, _ = await joined_client(
        silta, o.maria, "Later", telegram_id=3002, release_date=date(2026, 12, 20)
    )
    done, _ = await joined_client(
        silta, o.maria, "Done", telegram_id=3003, release_date=date(2026, 12, 2)
    )
    for client in (soon, later, done):
        await item_service.open_plan(silta.core, o.maria, client.id)
    for item in await _plan(silta, done.id):
        await item_service.toggle_plan_item(silta.core, "worker", o.maria.id, item.id)
    async with silta.core.db.tx() as conn:
        assert await item_service.plan_item_reminders(conn, silta.core) == 1
    async with silta.core.db.tx() as conn:
        assert await item_service.plan_item_reminders(conn, silta.core) == 0, "one open alert"
    async with silta.core.db.read() as conn:
        alerts = await engine_repo.open_alerts(conn, reason="plan_item")
    assert [a.client_id for a in alerts] == [soon.id]
    assert alerts[0].ref_id == date(2026, 12, 4).toordinal() and not alerts[0].urgent
    await silta.settle()
    card = await silta.tg.wait_for_message(100, contains="release plan with open items")
    assert "Soon" in card.text
    # A fortnight later "Later" is near its release too.
    silta.clock.set(silta.clock.now() + timedelta(days=16))
    async with silta.core.db.tx() as conn:
        assert await item_service.plan_item_reminders(conn, silta.core) == 1
