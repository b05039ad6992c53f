"""The client's other paths: answering reminders, writing to the worker, pausing, commands, and
input that is stale, forged or not text. Texts are checked through the client's own catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from bot.scheduling import planner
from storage import engine as engine_repo
from storage import items as items_repo
from storage import outbox
from tests.harness import Silta

HEL = ZoneInfo("Europe/Helsinki")
LANGS = ["fi", "sv", "en"]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


async def _joined(silta: Silta, lang: str, tid: int = 7001):
    worker = await silta.add_worker(100, "Maria Virtanen", language="en")
    card = await silta.add_client(worker, "Pete", language=lang)
    user = silta.tg.user(tid, first_name="Pete", language_code=lang)
    client = await silta.join(user, card)
    return worker, client, user


async def _appointment(silta: Silta, client_id: int, at: datetime) -> int:
    async with silta.core.db.tx() as conn:
        appt = await items_repo.add_appointment(
            conn, client_id=client_id, at=at, place="Kela", created_by=None, now=silta.clock.now()
        )
        await planner.plan_client(conn, silta.core, client_id)
    return appt.id


@pytest.mark.parametrize("lang", LANGS)
async def test_needing_another_time_alerts_the_worker(silta: Silta, lang: str) -> None:
    t = translator(lang)
    _, client, pete = await _joined(silta, lang)
    appt_id = await _appointment(silta, client.id, local(2026, 12, 3, 12, 0))
    await silta.advance_to(local(2026, 12, 2, 12, 0))
    reminder = await silta.with_button(pete, t("🕐 I need another time"))
    qid = await pete.press(reminder, callback_data=reminder.callback_data[1])
    await silta.tg.wait_for_callback_answer(qid)
    told = await silta.edited(pete, reminder, t("Okay, I passed on that you need another time."))
    assert t("{worker} sees this now.").format(worker="Maria") in told.text
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="needs another time")
    async with silta.core.db.read() as conn:
        appt = await items_repo.get_appointment(conn, appt_id)
    assert appt is not None and appt.confirmation == "reschedule"


@pytest.mark.parametrize("lang", ["fi", "en"])
async def test_help_with_a_deadline_alerts_the_worker(silta: Silta, lang: str) -> None:
    t = translator(lang)
    _, client, pete = await _joined(silta, lang)
    async with silta.core.db.tx() as conn:
        await items_repo.add_deadline(
            conn,
            client_id=client.id,
            kind="jobseeker",
            label=None,
            due_date=date(2026, 12, 3),
            monthly=False,
            created_by=None,
            now=silta.clock.now(),
        )
        await planner.plan_client(conn, silta.core, client.id)
    await silta.advance_to(local(2026, 12, 3, 9, 0))
    reminder = await pete.next_message(contains=silta.core.policy.benefit_label("jobseeker", lang))
    qid = await pete.press(reminder, callback_data=reminder.callback_data[2])
    await silta.tg.wait_for_callback_answer(qid)
    told = await silta.edited(pete, reminder, t("Okay, I passed on that you need help."))
    assert t("{worker} sees this now.").format(worker="Maria") in told.text
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="needs help with a deadline")


@pytest.mark.parametrize("lang", LANGS)
async def test_writing_freely_reaches_the_worker_and_the_reply_comes_back(
    silta: Silta, lang: str
) -> None:
    t = translator(lang)
    _, client, pete = await _joined(silta, lang)
    await pete.send("Can we meet on Friday?")
    told = await pete.next_message()
    assert t("Your message was passed on to {worker}.").format(worker="Maria") in told.text
    await silta.settle()
    card = await silta.tg.wait_for_message(100, contains="Can we meet on Friday?")
    maria = silta.tg.user(100, language_code="en")
    await maria.send("Yes, at 12 at the office.", reply_to=card)
    assert await maria.next_message(contains="Sent to Pete")
    await silta.settle()
    reply = await pete.next_message(contains="Yes, at 12 at the office.")
    assert t("Message from {worker}:").format(worker="Maria") in reply.text
    assert reply.protect_content
    async with silta.core.db.read() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM outbox_all "
            "WHERE payload LIKE '%Friday%' OR payload LIKE '%office%'"
        )
        assert (await cur.fetchone())[0] == 0, "relayed text is not kept after delivery"


async def test_pausing_for_a_week_stops_messages_tells_the_worker_and_ends_by_itself(
    silta: Silta,
) -> None:
    _, client, pete = await _joined(silta, "en")
    await pete.command("stop")
    ask = await pete.next_message(contains="pause")
    week = next(d for label, d in ask.buttons if label == "For a week")
    qid = await pete.press(ask, callback_data=week)
    await silta.tg.wait_for_callback_answer(qid)
    await silta.tg.wait_for(lambda: "paused until" in (ask.text or ""))
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="paused the messages")
    before = len(pete.messages())
    await silta.advance(timedelta(days=6))
    assert not any("How are things" in (m.text or "") for m in pete.messages()[before:])
    await silta.advance(timedelta(days=1, hours=1))
    assert await pete.next_message(contains="Messages are on again")
    assert (await silta.client(client.id)).status == "active"
    await silta.advance(timedelta(days=1))
    assert any("How are things" in (m.text or "") for m in pete.messages()[before:])


async def test_pausing_until_resumed_and_start_turns_messages_back_on(silta: Silta) -> None:
    _, client, pete = await _joined(silta, "en")
    await pete.command("stop")
    ask = await pete.next_message(contains="pause")
    qid = await pete.press(
        ask, callback_data=next(d for lbl, d in ask.buttons if lbl == "Until I turn them back on")
    )
    await silta.tg.wait_for_callback_answer(qid)
    await silta.advance(timedelta(days=10))
    assert (await silta.client(client.id)).status == "paused"
    await pete.command("start")
    assert await pete.next_message(contains="Messages are on again")
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="turned messages back on")
    async with silta.core.db.read() as conn:
        assert [r for r in await outbox.pending_for_client(conn, client.id) if r.kind == "checkin"]


async def test_cancel_on_the_pause_question_changes_nothing(silta: Silta) -> None:
    _, client, pete = await _joined(silta, "en")
    await pete.command("stop")
    ask = await pete.next_message(contains="pause")
    qid = await pete.press(ask, callback_data=next(d for lbl, d in ask.buttons if lbl == "Cancel"))
    await silta.tg.wait_for_callback_answer(qid)
    assert (await silta.client(client.id)).status == "active"


@pytest.mark.parametrize(
    ("lang", "when"), [("fi", "to 3.12. klo 12.00: Kela"), ("sv", "tors 3.12 kl. 12.00: Kela")]
)
async def test_next_lists_what_is_coming_in_the_clients_locale(
    silta: Silta, lang: str, when: str
) -> None:
    """On Tuesday 1 December, Thursday's appointment is written as people here write it."""
    t = translator(lang)
    _, client, pete = await _joined(silta, lang)
    at = local(2026, 12, 3, 12, 0)
    await _appointment(silta, client.id, at)
    await pete.command("next")
    listing = await pete.next_message(contains=t("Coming up:"))
    assert when in listing.text


async def test_next_with_nothing_planned(silta: Silta) -> None:
    _, _, pete = await _joined(silta, "en")
    await pete.command("next")
    assert await pete.next_message(contains="Nothing coming up")


async def test_contact_raises_an_urgent_alert(silta: Silta) -> None:
    _, client, pete = await _joined(silta, "en")
    await pete.command("contact")
    assert await pete.next_message(contains="Maria sees this now")
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="asks you to get in touch")


async def test_changing_the_language(silta: Silta) -> None:
    _, client, pete = await _joined(silta, "en")
    await pete.command("language")
    menu = await pete.next_message(contains="Choose your language")
    labels = [label for label, _ in menu.buttons]
    assert {"Suomi", "Svenska", "English"} <= set(labels)
    qid = await pete.press(menu, callback_data=dict(menu.buttons)["Svenska"])
    await silta.tg.wait_for_callback_answer(qid)
    sv = translator("sv")
    await silta.tg.wait_for(lambda: sv("Language changed.") in (menu.text or ""))
    assert (await silta.client(client.id)).language == "sv"
    commands = await silta.tg.wait_for(
        lambda: silta.tg.my_commands({"type": "chat", "chat_id": pete.id}, "")
    )
    assert commands and commands[0]["description"] == sv("What is coming up")
    await pete.command("help")
    assert await pete.next_message(contains=sv("/stop – pause the messages"))


async def test_help_says_who_sees_what_and_how_to_stop(silta: Silta) -> None:
    _, _, pete = await _joined(silta, "en")
    await pete.command("help")
    help_text = await pete.next_message(contains="Who sees what you send here")
    assert "/stop" in help_text.text and "travel through Telegram" in help_text.text


async def test_stale_forged_and_foreign_buttons_change_nothing(silta: Silta) -> None:
    _, client, pete = await _joined(silta, "en")
    other = silta.tg.user(7002, language_code="en")
    await silta.join(
        other,
        await silta.add_client(
            (await silta.add_worker(101, "Other Worker", team="South", language="en")),
            "Olli",
            language="en",
        ),
    )
    await silta.advance_to(local(2026, 12, 2, 10, 0))
    question = [m for m in pete.messages() if m.callback_data][-1]
    data = question.callback_data[2]  # "not good"
    # Olli presses Pete's button (forged onto his own chat): refused, nothing recorded.
    qid = await other.press(question.message_id, callback_data=data, forge=True)
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "no longer active" in (answer.text or "")
    for junk in ("v1:ck:999:good", "v2:ck:1:good", "garbage", "v1:al:1:ack", "v1:cs:1:yes"):
        qid = await pete.press(question.message_id, callback_data=junk, forge=True)
        answer = await silta.tg.wait_for_callback_answer(qid)
        assert answer.text, junk
    async with silta.core.db.read() as conn:
        assert await engine_repo.open_alerts(conn, client_id=client.id) == []
        contact = await engine_repo.get_contact(conn, 1)
    assert contact is not None and contact.state == "open"


async def test_a_sticker_gets_a_smile_and_a_location_a_polite_answer(silta: Silta) -> None:
    _, _, pete = await _joined(silta, "en")
    await pete.send_sticker()
    assert await pete.next_message(contains="Thank you")
    await pete.send_location(60.17, 24.94)
    assert await pete.next_message(contains="photos, voice messages and files")
    await silta.settle()
    assert not [m for m in silta.tg.messages(100) if m.method == "copyMessage"]


async def test_a_client_who_blocks_the_bot_mid_conversation(silta: Silta) -> None:
    _, client, pete = await _joined(silta, "en")
    await pete.send("I might lose my phone")
    await pete.next_message(contains="passed on")
    await silta.settle()
    card = await silta.tg.wait_for_message(100, contains="I might lose my phone")
    await pete.block(notify=False)  # Telegram's my_chat_member update lost: the send tells
    maria = silta.tg.user(100, language_code="en")
    await maria.send("Call me when you can.", reply_to=card)
    await maria.next_message(contains="Sent to")
    await silta.settle()
    assert await silta.tg.wait_for_message(100, contains="cannot be reached")
    assert (await silta.client(client.id)).unreachable
