"""Answers that promise only what will happen (issue 18, item 2).

A client who asks for help, says they are not OK or writes to their worker is told who really
sees it and when: now in working hours, else the real next working time (weekends and Finnish
public holidays skipped), with the crisis and duty numbers when they asked for help. /help says
who can see what, from the live escalation ladder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from bot.policy import set_policy_value
from storage import people as people_repo
from tests.fake_telegram import FakeTelegram
from tests.harness import ADMIN_ID, Silta, start_silta, stop_silta

HEL = ZoneInfo("Europe/Helsinki")
MARIA, TUULA = 100, 101
DUTY = "014 266 0149"  # the social and crisis duty, in the configured crisis text


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


@pytest.fixture
async def started(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator:
    """Start Silta at a moment the test chooses."""
    running: list[Silta] = []

    async def start(at: datetime) -> Silta:
        running.append(await start_silta(tg, tmp_path, start=at))
        return running[-1]

    yield start
    for silta in running:
        await stop_silta(silta)


async def _pete(silta: Silta, lang: str, *, backup: bool = False):
    maria = await silta.add_worker(MARIA, "Maria Virtanen", language="en")
    tuula = await silta.add_worker(TUULA, "Tuula Niemi", language="en") if backup else None
    card = await silta.add_client(maria, "Pete", language=lang, backup=tuula)
    pete = silta.tg.user(7001, first_name="Pete", language_code=lang)
    client = await silta.join(pete, card)
    return maria, client, pete


def _sees_later(silta: Silta, t, who: str, at: datetime) -> str:
    """The expected line, with the dates as the client reads them now (no year, "tomorrow")."""
    t = t.at(silta.clock.now(), HEL)
    return t("{worker} sees this when working hours begin: {day} at {time}.").format(
        worker=t.ltr(who), day=t.day(at, HEL), time=t.time(at, HEL)
    )


@pytest.mark.parametrize("lang", ["fi", "en", "ar"])
async def test_help_asked_on_a_friday_evening_names_monday_morning_and_the_crisis_numbers(
    started, lang: str
) -> None:
    t = translator(lang)
    silta = await started(local(2026, 12, 4, 19, 0))  # Friday evening
    _, _, pete = await _pete(silta, lang)
    await pete.command("contact")
    told = await pete.next_message(contains=t("Okay, I passed on your request."))
    assert told.text.startswith(t("Okay, I passed on your request.")), "a neutral first line"
    # Independence Day falls on the Sunday: Monday 7 December is a working day.
    assert _sees_later(silta, t, "Maria", local(2026, 12, 7, 8, 0)) in told.text
    assert "112" in told.text and "09 2525 0111" in told.text and DUTY in told.text
    assert told.protect_content


async def test_not_good_on_christmas_eve_names_the_monday_after_christmas(started) -> None:
    t = translator("fi")
    silta = await started(local(2026, 12, 23, 12, 0))
    _, _, pete = await _pete(silta, "fi")
    # Thursday 24 December, 10:00: an ordinary working hour, but Christmas Eve is a holiday, and
    # so are Christmas Day and Boxing Day after it.
    await silta.advance_to(local(2026, 12, 24, 10, 5))
    question = await silta.with_button(pete, t("😟 Not good"))
    qid = await pete.press(question, label=t("😟 Not good"))
    await silta.tg.wait_for_callback_answer(qid)
    told = await silta.edited(pete, question, t("Thank you for telling me."))
    assert _sees_later(silta, t, "Maria", local(2026, 12, 28, 8, 0)) in told.text
    assert "112" in told.text and DUTY in told.text


async def test_at_ten_on_a_tuesday_the_worker_sees_it_now(started) -> None:
    silta = await started(local(2026, 12, 1, 10, 0))
    _, _, pete = await _pete(silta, "en")
    await pete.command("contact")
    told = await pete.next_message(contains="Okay, I passed on your request.")
    assert "Maria sees this now." in told.text
    assert "112" not in told.text, "in working hours the worker sees it now"
    await silta.settle()
    card = await silta.tg.wait_for_message(MARIA, contains="asks you to get in touch")
    # Maria's lock screen shows who, not why: the reason is on the second line.
    first, second = card.text.split("\n")[:2]
    assert first.startswith("❗ Pete") and first.endswith("needs attention")
    assert "asks you to get in touch" in second


async def test_a_message_written_on_saturday_says_when_it_is_read(started) -> None:
    silta = await started(local(2026, 12, 5, 14, 0))
    _, _, pete = await _pete(silta, "en")
    await pete.send("Can we meet next week?")
    told = await pete.next_message(contains="Your message was passed on to Maria.")
    assert _sees_later(silta, translator("en"), "Maria", local(2026, 12, 7, 8, 0)) in told.text
    assert "112" not in told.text, "a message is not a request for help"


async def test_with_the_worker_gone_the_client_hears_the_backup_sees_it(started) -> None:
    silta = await started(local(2026, 12, 5, 14, 0))
    maria, _, pete = await _pete(silta, "en", backup=True)
    async with silta.core.db.tx() as conn:
        await people_repo.update_worker(conn, maria.id, active=0)
    await pete.send("Hello?")
    told = await pete.next_message(contains="Your message was passed on.")
    assert (
        "Tuula, who stands in for your worker, sees this when working hours begin: "
        + "Mon 7 Dec at 08:00."
    ) in told.text
    assert "Maria" not in told.text


async def test_a_client_with_no_worker_hears_the_admins_see_it_and_they_do(started) -> None:
    silta = await started(local(2026, 12, 1, 10, 0))
    _, client, pete = await _pete(silta, "en")
    async with silta.core.db.tx() as conn:
        await people_repo.update_client(conn, client.id, worker_id=None)
    await pete.send("Is anyone there?")
    told = await pete.next_message(contains="Your message was passed on.")
    assert "The people who run Silta see this now." in told.text
    await silta.settle()
    assert await silta.tg.wait_for_message(ADMIN_ID, contains="Is anyone there?")
    # A photo cannot be copied to nobody's chat: the client hears that plainly.
    await pete.send_photo(caption="the letter")
    assert await pete.next_message(contains="Please write a message instead.")


async def test_help_names_who_sees_what_from_the_ladder_and_follows_a_change(started) -> None:
    silta = await started(local(2026, 12, 1, 10, 0))
    _, _, pete = await _pete(silta, "en")
    await pete.command("help")
    told = await pete.next_message(contains="Who sees what you send here:")
    for role in (
        "• your worker\n",
        "• the worker who stands in for your worker, if it is not taken up in time",
        "• your worker's team, if it is not taken up in time",
        "• the people who run Silta, if it is not taken up in time",
    ):
        assert role in told.text
    assert "travel through Telegram" in told.text
    policy = set_policy_value(silta.core.policy, "escalation.steps", "assigned_worker:0s,admins:4h")
    await silta.core.store_policy(policy, None, "cli")
    await pete.command("help")
    told = await pete.next_message(contains="Who sees what you send here:")
    assert "team" not in told.text and "stands in" not in told.text
    assert "• the people who run Silta, if it is not taken up in time" in told.text
