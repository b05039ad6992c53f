"""Summaries for the client record system: a worker's week with one client, as the worker
copies it into the county's system, marked as recorded, and refused to another team."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.callbacks import encode
from bot.outgoing import OutMessage
from bot.services import items as item_service
from silta.cli import main
from storage import admin as admin_repo
from storage import people as people_repo
from storage import records as records_repo
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import Silta
from tests.worker_helpers import Office, ask, audit_actions, joined_client, office, tap

HELSINKI_10 = timedelta(hours=8)  # 10:00 in Helsinki in winter, in UTC


@dataclass
class Week:
    team: Office
    pete: FakeUser
    client_id: int


async def _answer_checkin(silta: Silta, pete: FakeUser, label: str | None) -> None:
    """The day's check-in arrives; the client taps `label`, or lets it pass unanswered."""
    await silta.settle()
    question = [m for m in pete.messages() if "How are things" in m.text][-1]
    assert any(label == "😊 Good" for label, _ in question.buttons), "today's check-in is out"
    if label is not None:
        await tap(silta, pete, question, label)
        await silta.settle()


async def _confirm_reminders(silta: Silta, pete: FakeUser) -> None:
    """Pete answers every appointment reminder he has with "I'll be there"."""
    await silta.settle()
    for message in pete.messages():
        if any(label == "✅ I'll be there" for label, _ in message.buttons):
            await tap(silta, pete, message, "I'll be there")
    await silta.settle()


async def a_week(silta: Silta) -> Week:
    """Wednesday 2 to Saturday 5 December 2026 with Pete, Maria's client (no release date)."""
    team = await office(silta)
    maria = team.maria_chat
    client, pete = await joined_client(silta, team.maria)
    core = silta.core
    day = datetime(2026, 12, 2, tzinfo=UTC)
    for place, hour in (("Kela", 9), ("Clinic", 10)):
        made = await item_service.add_appointment(
            core, team.maria, client.id, day + timedelta(days=1, hours=hour), place
        )
        assert made.status == "ok"
    # Wednesday: Pete is not doing well; Maria takes the alert 40 minutes later, then closes it.
    await silta.advance_to(day + HELSINKI_10)
    await _answer_checkin(silta, pete, "Not good")
    alert = await silta.tg.wait_for_message(team.maria.telegram_id, contains="is not doing well")
    await silta.advance(timedelta(minutes=40))
    await tap(silta, maria, alert, "handle")
    await tap(silta, maria, await silta.with_button(maria, "✔️ Done"), "Done")
    await silta.advance_to(day + timedelta(hours=12))
    await _confirm_reminders(silta, pete)
    # Thursday: a good day; the Kela appointment kept, the clinic one missed.
    await silta.advance_to(day + timedelta(days=1, hours=7))
    await _confirm_reminders(silta, pete)
    await silta.advance_to(day + timedelta(days=1) + HELSINKI_10)
    await _answer_checkin(silta, pete, "Good")
    await _confirm_reminders(silta, pete)
    await silta.advance_to(day + timedelta(days=1, hours=13))
    for hour, label in (("11:00", "Attended"), ("12:00", "Missed")):
        asked = await silta.tg.wait_for(
            lambda hour=hour: next(
                (m for m in maria.messages() if "come to the meeting" in m.text and hour in m.text),
                None,
            ),
            5.0,
            f"the attendance question about {hour}",
        )
        await tap(silta, maria, asked, label)
    # Friday: no answer at all.
    await silta.advance_to(day + timedelta(days=2) + HELSINKI_10)
    await _answer_checkin(silta, pete, None)
    # Saturday: an answer, two plan items ticked, three messages.
    await silta.advance_to(day + timedelta(days=3) + HELSINKI_10)
    await _answer_checkin(silta, pete, "Okay")
    await silta.advance_to(day + timedelta(days=3, hours=9))
    plan = await ask(maria, "/plan Pete", contains="Release plan")
    await tap(silta, maria, plan, "Bank account")
    plan = await silta.with_button(maria, "☑️ Bank account and online banking credentials")
    await tap(silta, maria, plan, "ID card")
    await pete.send("Thank you for yesterday")
    await silta.handled()
    await pete.send("See you")
    await silta.handled()
    await ask(maria, "/reply Pete See you on Monday", contains="Sent to Pete")
    await silta.advance_to(day + timedelta(days=3, hours=10))
    return Week(team, pete, client.id)


async def _speak(silta: Silta, worker_id: int, language: str) -> None:
    async with silta.core.db.tx() as conn:
        await people_repo.update_worker(conn, worker_id, language=language)


async def _summary(silta: Silta, chat: FakeUser, command: str = "/summary Pete") -> SentMessage:
    await chat.send(command)
    message = await chat.next_message(contains="Silta")
    # English times carry a narrow no-break space before AM/PM; plain spaces read better here.
    message.text = message.text.replace("\u202f", " ")
    return message


EXPECTED = {
    "fi": [
        "Silta-yhteenveto: Pete (#1)",
        "Ajanjakso: 5.11.2026 12.00 – 5.12.2026 12.00",
        "Vastuutyöntekijä: Maria Virtanen",
        "Vaihe: vapautumispäivää ei ole merkitty",
        "",
        "2.12.2026 10.00 Kuulumiskysely: vastaus 😟 Ei hyvää klo 10.00",
        "2.12.2026 10.00 Kiireellinen hälytys: Ei voi hyvin",
        "2.12.2026 10.40 Hälytyksen otti hoitaakseen Maria Virtanen ajassa 40 minuuttia",
        "2.12.2026 10.40 Hälytyksen kuittasi hoidetuksi Maria Virtanen",
        "2.12.2026 11.00 Tapaamismuistutus: ✅ Tulen",
        "2.12.2026 12.00 Tapaamismuistutus: ✅ Tulen",
        "3.12.2026 9.00 Tapaamismuistutus: ✅ Tulen",
        "3.12.2026 10.00 Tapaamismuistutus: ✅ Tulen",
        "3.12.2026 10.00 Kuulumiskysely: vastaus 😊 Hyvää klo 10.00",
        "3.12.2026 11.00 Tapaaminen (Kela): asiakas tuli",
        "3.12.2026 12.00 Tapaaminen (Clinic): asiakas ei tullut",
        "4.12.2026 10.00 Kuulumiskysely: ei vastausta",
        "4.12.2026 16.00 Hälytys: Ei vastausta",
        "5.12.2026 10.00 Kuulumiskysely: vastaus 🙂 Ihan ok klo 10.00",
        "5.12.2026 10.00 Hälytys päättyi: asiakas vastasi",
        "5.12.2026 11.00 Hälytys: Viesti",
        "5.12.2026 11.00 Vapautumissuunnitelman kohta tehty: Henkilökortti",
        "5.12.2026 11.00 Vapautumissuunnitelman kohta tehty: Pankkitili ja verkkopankkitunnukset",
        "5.12.2026 11.00 Viesti asiakkaalta",
        "5.12.2026 11.00 Viesti asiakkaalta",
        "5.12.2026 11.00 Viesti asiakkaalle, lähettäjä Maria Virtanen",
        "",
        "Yhteensä:",
        "Kuulumiskyselyt: 4 kysytty, 3 vastattu, 1 vastaamatta",
        "Muistutukset: 4, vastattu 4",
        "Hälytykset: 3 syntyi, 1 otettu hoitoon, 2 hoidettu; "
        "hoitoon ottamisen mediaaniaika 40 minuuttia",
        "Tapaamiset: 1 toteutui, 1 jäi väliin, 0 siirretty",
        "Vapautumissuunnitelman kohtia tehty: 2",
        "Viestit: 2 asiakkaalta, 1 asiakkaalle",
    ],
    "sv": [
        "Silta-sammanfattning: Pete (#1)",
        "Period: 5.11.2026 12.00 – 5.12.2026 12.00",
        "Ansvarig medarbetare: Maria Virtanen",
        "Skede: ingen frigivningsdag angiven",
        "",
        "2.12.2026 10.00 Avstämning: svarade 😟 Inte bra kl. 10.00",
        "2.12.2026 10.00 Brådskande larm: Mår inte bra",
        "2.12.2026 10.40 Larmet togs av Maria Virtanen efter 40 minuter",
        "2.12.2026 10.40 Larmet avslutades av Maria Virtanen",
        "2.12.2026 11.00 Påminnelse om möte: ✅ Jag kommer",
        "2.12.2026 12.00 Påminnelse om möte: ✅ Jag kommer",
        "3.12.2026 09.00 Påminnelse om möte: ✅ Jag kommer",
        "3.12.2026 10.00 Påminnelse om möte: ✅ Jag kommer",
        "3.12.2026 10.00 Avstämning: svarade 😊 Bra kl. 10.00",
        "3.12.2026 11.00 Möte (Kela): klienten kom",
        "3.12.2026 12.00 Möte (Clinic): klienten kom inte",
        "4.12.2026 10.00 Avstämning: inget svar",
        "4.12.2026 16.00 Larm: Inget svar",
        "5.12.2026 10.00 Avstämning: svarade 🙂 Okej kl. 10.00",
        "5.12.2026 10.00 Larmet avslutades: klienten svarade",
        "5.12.2026 11.00 Larm: Meddelande",
        "5.12.2026 11.00 Punkt i frigivningsplanen klar: Identitetskort",
        "5.12.2026 11.00 Punkt i frigivningsplanen klar: Bankkonto och nätbankskoder",
        "5.12.2026 11.00 Meddelande från klienten",
        "5.12.2026 11.00 Meddelande från klienten",
        "5.12.2026 11.00 Meddelande till klienten från Maria Virtanen",
        "",
        "Totalt:",
        "Avstämningar: 4 skickade, 3 besvarade, 1 obesvarade",
        "Påminnelser: 4, besvarade 4",
        "Larm: 3 utlösta, 1 tagna, 2 avslutade; mediantid tills ett larm togs 40 minuter",
        "Möten: 1 genomförda, 1 uteblivna, 0 flyttade",
        "Klara punkter i frigivningsplanen: 2",
        "Meddelanden: 2 från klienten, 1 till klienten",
    ],
}


@pytest.mark.parametrize("language", ["fi", "sv"])
async def test_a_week_reads_as_record_lines_with_totals(silta: Silta, language: str) -> None:
    week = await a_week(silta)
    await _speak(silta, week.team.maria.id, language)
    summary = await _summary(silta, week.team.maria_chat)
    assert summary.text.splitlines() == EXPECTED[language]
    assert summary.buttons[0][0].startswith("✅")
    views = [e for e in await audit_actions(silta) if e.action == "records.summary"]
    assert [(e.actor_id, e.client_id) for e in views] == [(week.team.maria.id, week.client_id)]
    assert views[0].detail == "2026-11-05T10:00:00Z..2026-12-05T10:00:00Z"


async def test_the_summary_opens_from_the_client_card(silta: Silta) -> None:
    team = await office(silta)
    await joined_client(silta, team.maria)
    card = await ask(team.maria_chat, "/clients")
    await tap(silta, team.maria_chat, card, "Pete")
    opened = await silta.with_button(team.maria_chat, "🧾 Summary")
    await team.maria_chat.press(opened, label="🧾 Summary")
    summary = await team.maria_chat.next_message(contains="Silta summary")
    assert "Nothing happened in this period." in summary.text
    assert "Check-ins: 0 asked, 0 answered, 0 unanswered" in summary.text


async def test_marking_recorded_starts_the_next_summary_after_it(silta: Silta) -> None:
    week = await a_week(silta)
    maria = week.team.maria_chat
    first = await _summary(silta, maria)
    recorded = first.data_for("Recorded in the client system")
    answer = await tap(silta, maria, first, "Recorded in the client system")
    assert "Marked as recorded" in (answer.text or "")
    assert "05/12/2026, 12:00" in (answer.text or "")
    views = [e for e in await audit_actions(silta) if e.action == "records.mark"]
    assert [(e.actor_id, e.client_id) for e in views] == [(week.team.maria.id, week.client_id)]

    # The next day: one more message from Pete, and the summary holds only what came after.
    await silta.advance(timedelta(hours=3))
    await week.pete.send("One more thing")
    await silta.handled()
    await silta.advance(timedelta(minutes=5))
    second = await _summary(silta, maria)
    lines = second.text.splitlines()
    assert lines[1] == "Period: 05/12/2026, 12:00 – 05/12/2026, 15:05"
    assert lines[5:7] == ["05/12/2026, 15:00 Message from the client", ""]
    assert "Messages: 1 from the client, 0 to the client" in lines
    assert "Kela" not in second.text
    # The button is gone from the first summary; pressed again all the same, nothing changes.
    assert first.buttons == []
    qid = await maria.press(first, callback_data=recorded, forge=True)
    again = await silta.tg.wait_for_callback_answer(qid)
    assert "already" in (again.text or "")


async def test_the_digest_lists_clients_with_unrecorded_events_past_the_policy_days(
    silta: Silta,
) -> None:
    week = await a_week(silta)
    maria = week.team.maria_chat
    # Thursday 10 December, 8:00 in Helsinki: the events of 2 December are older than 7 days.
    await silta.advance_to(datetime(2026, 12, 10, 6, 0, tzinfo=UTC))
    digest = await silta.tg.wait_for_message(
        week.team.maria.telegram_id, contains="Not yet in the client system"
    )
    assert "older than 7 days" in digest.text
    assert "Pete (#1) — 2 Dec at 10:00" in digest.text
    summary = await _summary(silta, maria)
    await tap(silta, maria, summary, "Recorded in the client system")
    # Friday's digest: everything before Thursday's mark is recorded, the rest is recent.
    await silta.advance_to(datetime(2026, 12, 11, 6, 0, tzinfo=UTC))
    friday = await silta.tg.wait_for_message(
        week.team.maria.telegram_id, contains="Good morning", after=digest.message_id
    )
    assert "Not yet in the client system" not in friday.text


async def test_a_worker_of_another_team_gets_no_summary(silta: Silta) -> None:
    week = await a_week(silta)
    sam = week.team.sam_chat
    refused = await ask(sam, f"/summary {week.client_id}")
    assert "No such client among yours" in refused.text
    assert "Pete" not in refused.text
    # A forged "recorded" button of another team's client changes nothing.
    await sam.send("/help")
    help_message = await sam.next_message()
    forged = encode("rc", week.client_id, str(int(silta.clock.now().timestamp())))
    qid = await sam.press(help_message, callback_data=forged, forge=True)
    answer = await silta.tg.wait_for_callback_answer(qid)
    assert "no longer active" in (answer.text or "")
    actions = await audit_actions(silta)
    assert not [
        e for e in actions if e.action.startswith("records.") and e.actor_id == week.team.sam.id
    ]
    async with silta.core.db.read() as conn:
        assert await records_repo.last_mark(conn, week.client_id) is None


def _cli(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


async def test_text_csv_and_json_agree(
    silta: Silta, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    week = await a_week(silta)
    monkeypatch.setenv("SILTA_DB", str(silta.db_path))
    monkeypatch.chdir(tmp_path)
    base = [
        "client",
        "summary",
        str(week.client_id),
        "--since",
        "2026-12-01",
        "--until",
        "2026-12-05",
        "--language",
        "fi",
    ]
    text, table, data = [
        await asyncio.to_thread(_cli, [*base, "--format", kind]) for kind in ("text", "csv", "json")
    ]
    lines = text.splitlines()
    assert lines[1] == "Ajanjakso: 1.12.2026 0.00 – 6.12.2026 0.00"
    events = lines[lines.index("") + 1 : lines.index("Yhteensä:") - 1]
    assert events == EXPECTED["fi"][5:26]
    rows = list(csv.DictReader(io.StringIO(table)))
    parsed = json.loads(data)
    assert [f"{r['date']} {r['time']}" for r in rows] == [
        e["at"][:16].replace("T", " ") for e in parsed["events"]
    ]
    assert [r["text"] for r in rows] == [e["text"] for e in parsed["events"]]
    assert [line.split(" ", 2)[2] for line in events] == [r["text"] for r in rows]
    assert [r["kind"] for r in rows] == [e["kind"] for e in parsed["events"]]
    totals = parsed["totals"]
    assert (
        totals["checkins_asked"],
        totals["checkins_answered"],
        totals["checkins_unanswered"],
    ) == (4, 3, 1)
    assert f"Kuulumiskyselyt: {totals['checkins_asked']} kysytty" in text
    assert totals["median_acknowledge_minutes"] == 40
    assert (totals["appointments_kept"], totals["appointments_missed"], totals["plan_done"]) == (
        1,
        1,
        2,
    )
    assert (totals["messages_from_client"], totals["messages_to_client"]) == (2, 1)
    cli_views = [e for e in await audit_actions(silta) if e.action == "records.summary"]
    assert [(e.actor_kind, e.client_id) for e in cli_views] == [("cli", week.client_id)] * 3


async def test_a_team_lead_sees_one_row_per_client(
    silta: Silta, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    week = await a_week(silta)
    await joined_client(silta, week.team.tuula, "Anna", telegram_id=3002)
    await joined_client(silta, week.team.sam, "Sara", telegram_id=3003)
    ada = silta.tg.user(901, "Ada", language_code="en")
    await silta.add_worker(901, "Ada Admin", team=None, admin=True, language="en")
    await ada.command("report", "North 7")
    text = (await ada.next_message(contains="Team North")).text
    assert (
        "Pete (#1): check-ins 3/4, alerts 3 (median to take 40 minutes), "
        "appointments 1 kept / 1 missed, plan 2" in text
    )
    assert "Anna (#2): check-ins 0/0" in text
    assert "Sara" not in text, "another team's client"
    sheet = await silta.tg.wait_for(
        lambda: next((m for m in ada.messages() if m.document is not None), None), what="csv"
    )
    rows = list(csv.DictReader(io.StringIO(sheet.document.decode())))
    assert [
        (r["nickname"], r["checkins_answered"], r["median_acknowledge_minutes"]) for r in rows
    ] == [
        ("Pete", "3", "40"),
        ("Anna", "0", ""),
    ]
    chart = await silta.tg.wait_for(
        lambda: next((m for m in ada.messages() if m.photo is not None), None), what="chart"
    )
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    reported = [e.client_id for e in await audit_actions(silta) if e.action == "records.report"]
    assert reported == [1, 2]

    monkeypatch.setenv("SILTA_DB", str(silta.db_path))
    monkeypatch.chdir(tmp_path)
    out = await asyncio.to_thread(
        _cli,
        ["report", "--team", "North", "--since", "2026-11-28", "--until", "2026-12-05"],
    )
    cli_rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["client_id"], r["checkins_asked"], r["alerts_raised"]) for r in cli_rows] == [
        ("1", "4", "3"),
        ("2", "0", "0"),
    ]


async def test_a_long_summary_comes_as_a_text_file(silta: Silta) -> None:
    team = await office(silta)
    client, _ = await joined_client(silta, team.maria)
    # A talkative month: 120 messages from the client (as the audit log records each one).
    async with silta.core.db.tx() as conn:
        for minute in range(120):
            await admin_repo.audit(
                conn,
                now=silta.clock.now() + timedelta(minutes=minute),
                actor_id=None,
                actor_kind="client",
                action="client.message",
                client_id=client.id,
            )
    await silta.advance(timedelta(hours=3))
    maria = team.maria_chat
    await maria.send("/summary Pete")
    sent = await silta.tg.wait_for(
        lambda: next((m for m in maria.messages() if m.document is not None), None), what="file"
    )
    assert "120 events" in sent.text
    assert sent.file_name == "silta-summary-1-2026-12-01.txt"
    lines = sent.document.decode("utf-8").splitlines()
    assert lines[0] == "Silta summary: Pete (#1)"
    assert sum(line.endswith("Message from the client") for line in lines) == 120
    assert "Messages: 120 from the client, 0 to the client" in lines
    assert sent.buttons[0][0] == "✅ Recorded in the client system"


def test_a_summary_file_survives_the_outbox() -> None:
    """An answer Telegram would not take now waits in the outbox with its file."""
    message = OutMessage("caption", document=b"Pete\n", document_name="silta-summary-1.txt")
    assert OutMessage.from_payload(json.loads(json.dumps(message.to_payload()))) == message
