"""Lock-screen previews: the first line of every message a client can receive is neutral.

A phone shows the first line of a message on its lock screen, often to others. Every message a
client can get (scheduled ones rendered here, and every text the client-facing handlers send) is
checked in all six languages against words that must not be there: prison, benefit names,
health, substance use and social services. Appointments of every kind are among them (a joint
meeting with the prison says so only below the first line).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

from bot import appointment_kinds, contact_text, messages
from bot.alert_text import alert_card
from bot.i18n import LANGUAGES, translator
from bot.policy import default_policy
from bot.services import contacts as contact_service
from bot.services.alert_facts import AlertFacts
from handlers.client import later_text as _later_text  # noqa: F401  (the module must import)
from storage.models import Alert, Appointment, Client, Deadline, PartnerContact

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None, "N_": None, "ngettext": (1, 2)}
# Modules whose texts go to clients (replies and the consent screen).
CLIENT_MODULES = (
    "handlers/client.py",
    "handlers/unknown.py",
    "handlers/guide.py",
    "bot/privacy_text.py",
    "bot/guide/screens.py",
    "bot/next_step_text.py",
)
ZONE = ZoneInfo("Europe/Helsinki")
# Texts the handlers only ever put below a neutral first line (checked by reading the handler).
NEVER_FIRST = frozenset(
    {
        "Silta is a message service of the social services. It helps you keep in touch "
        "with your worker: it reminds you of meetings and deadlines and asks how you are.",
    }
)

# Word stems, lower case, matched anywhere in the first line.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "fi": (
        "vanki",
        "vankila",
        "rangaistus",
        "tuomio",
        "kela",
        "toimeentulo",
        "asumistuki",
        "työttömyys",
        "terveys",
        "päihde",
        "huume",
        "alkoholi",
        "mielenterveys",
        "sosiaali",
        "klinikka",
        "a-klinikka",
    ),
    "sv": (
        "fängelse",
        "fånge",
        "straff",
        "fpa",
        "kela",
        "utkomststöd",
        "bostadsbidrag",
        "hälsa",
        "missbruk",
        "drog",
        "alkohol",
        "social",
        "klinik",
    ),
    "en": (
        "prison",
        "inmate",
        "sentence",
        "kela",
        "benefit",
        "allowance",
        "social assistance",
        "health",
        "substance",
        "drug",
        "alcohol",
        "social",
        "clinic",
    ),
    "ru": (
        "тюрьм",
        "заключ",
        "kela",
        "пособи",
        "соцпомощ",
        "здоров",
        "наркот",
        "алкогол",
        "зависим",
        "социальн",
        "клиник",
    ),
    "et": (
        "vangla",
        "vangi",
        "karistus",
        "kela",
        "toetus",
        "tervis",
        "narko",
        "alkohol",
        "sõltuvus",
        "sotsiaal",
        "kliinik",
    ),
    "ar": ("سجن", "kela", "إعانة", "معونة", "صحة", "مخدر", "كحول", "إدمان", "اجتماعي", "عيادة"),
}


def _offending(lang: str, text: str) -> list[str]:
    first = text.strip().split("\n", 1)[0].lower()
    return [word for word in FORBIDDEN[lang] if word in first]


def _scheduled(lang: str) -> list[tuple[str, str]]:
    """Everything the outbox can send a client, rendered in `lang`."""
    t = translator(lang)
    policy = default_policy()
    at = datetime(2026, 12, 3, 10, 30, tzinfo=UTC)
    appt = Appointment(
        id=1,
        client_id=1,
        at=at,
        place="Kauppakatu 1",
        status="planned",
        confirmation=None,
        created_by=None,
    )
    out = [
        ("checkin", messages.checkin(t, 1).text),
        ("appointment", messages.appointment_reminder(t, ZONE, appt, 1, day_before=True).text),
        ("relay", messages.relay_to_client(t, "Anna", "Hei")),
    ]
    out[-1] = ("relay", out[-1][1].text)
    for code in ("ck", "ap", "dl"):
        out.append((f"nudge {code}", messages.nudge(t, code, 1).text))
    for kind in policy.benefit_kinds:
        deadline = Deadline(
            id=1,
            client_id=1,
            kind=kind,
            label=None,
            due_date=date(2026, 12, 5),
            monthly=False,
            status="open",
            snoozed_until=None,
            done_at=None,
        )
        what = messages.deadline_what(t, policy.benefit_label(kind, lang), deadline)
        out.append((f"deadline {kind}", messages.deadline_reminder(t, what, deadline, 1).text))
    args = {"worker": "Anna", "at": at.isoformat(), "place": "Kauppakatu 1"}
    for notice in (
        "appt_new",
        "appt_changed",
        "appt_cancelled",
        "handover",
        "goodbye",
        "resumed",
        "other",
    ):
        out.append((notice, messages.client_notice(t, ZONE, notice, args).text))
    contacts = [
        PartnerContact(
            id=i,
            client_id=1,
            role=role,
            name=None,
            organisation="Asuntotoimisto",
            phone="09 310 13030",
            email=None,
            shareable=True,
            created_by=None,
        )
        for i, role in enumerate(contact_service.ROLES)
    ]
    out.append(("useful numbers", contact_text.useful_numbers(t, contacts).text))
    return out + _every_kind(t, appt, args)


def _every_kind(t, appt: Appointment, args: dict) -> list[tuple[str, str]]:
    """Each kind of appointment (a phone call, a video call, a home visit, a joint meeting with
    the prison): its reminders and its notices."""
    out = []
    for kind in appointment_kinds.KINDS:
        place = "Kauppakatu 1" if appointment_kinds.needs_place(kind) else ""
        link = "https://meet.example.fi/r/1" if kind == appointment_kinds.VIDEO else None
        this = appt.model_copy(update={"kind": kind, "place": place, "link": link})
        for day_before in (True, False):
            reminder = messages.appointment_reminder(
                t, ZONE, this, 1, day_before=day_before, worker="Anna"
            )
            out.append((f"appointment {kind}", reminder.text))
        for notice in ("appt_new", "appt_changed", "appt_cancelled"):
            told = {**args, "kind": kind, "place": place, "link": link}
            out.append((f"{notice} {kind}", messages.client_notice(t, ZONE, notice, told).text))
    return out


def _singular(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _handler_texts(lang: str) -> list[tuple[str, str]]:
    """Every text in the client-facing handlers, translated: any of them may open a message."""
    t = translator(lang)
    out: list[tuple[str, str]] = []
    for module in CLIENT_MODULES:
        for _line, msgid, _comments, _ctx in extract_from_file(
            "python", ROOT / module, keywords=KEYWORDS
        ):
            if _singular(msgid) in NEVER_FIRST:
                continue
            if isinstance(msgid, tuple):
                out.append((msgid[0], t.ngettext(msgid[0], msgid[1], 2)))
            else:
                out.append((msgid, t(msgid)))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_client_message_names_a_service_on_its_first_line(lang: str) -> None:
    problems = [
        f"{lang}: {name[:50]!r} opens with {words}: {text.splitlines()[0][:80]!r}"
        for name, text in _scheduled(lang) + _handler_texts(lang)
        if (words := _offending(lang, text))
    ]
    assert not problems, "\n".join(problems)


def test_a_deadline_reminder_says_by_when_first_and_what_below() -> None:
    t = translator("en")
    deadline = Deadline(
        id=1,
        client_id=1,
        kind="social_assistance",
        label=None,
        due_date=date(2026, 12, 5),
        monthly=False,
        status="open",
        snoozed_until=None,
        done_at=None,
    )
    text = messages.deadline_reminder(t, "Social assistance", deadline, 1).text
    first, second = text.split("\n")[:2]
    assert first.startswith("You have something to do. Last day: ")
    assert "Social assistance" in second


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("reason", sorted(messages.ALERT_REASONS))
def test_an_alert_preview_names_the_client_and_needs_attention_not_the_reason(
    lang: str, reason: str
) -> None:
    t = translator(lang)
    at = datetime(2026, 12, 3, 10, 30, tzinfo=UTC)
    client = Client(
        id=1,
        nickname="Pete",
        worker_id=1,
        backup_worker_id=None,
        language="fi",
        telegram_id=7001,
        status="active",
        unreachable=False,
        release_date=None,
        joined_at=at,
        consent_at=at,
        paused_until=None,
        checkin_phases=None,
        last_answer=None,
        last_answer_at=None,
        last_seen_at=at,
        closed_at=None,
        created_at=at,
    )
    alert = Alert(
        id=1,
        client_id=1,
        reason=reason,
        urgent=reason in ("not_good", "contact_me"),
        state="open",
        contact_id=None,
        ref_id=None,
        ladder=[],
        step=0,
        raised_at=at,
        acknowledged_by=None,
        acknowledged_at=None,
        snoozed_until=None,
        resolved_by=None,
        resolved_at=None,
    )
    for resurfaced in (False, True):
        card = alert_card(t, ZONE, AlertFacts(alert, client, None, None), resurfaced=resurfaced)
        first, second = card.text.split("\n")[:2]
        assert first.endswith(t("{client} needs attention").format(client=t.ltr(client.label)))
        assert t(messages.ALERT_REASONS[reason]) not in first
        assert t(messages.ALERT_REASONS[reason]) in second
