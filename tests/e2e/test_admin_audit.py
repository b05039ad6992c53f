"""Every step of a client's journey leaves an audit entry (who, what, which client, when)."""

from __future__ import annotations

from datetime import timedelta

from storage import admin as admin_repo
from storage.models import AuditEntry
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import Silta


def is_subsequence(wanted: list[str], actual: list[str]) -> bool:
    """Whether `wanted` appears in `actual` in order (other entries may come between)."""
    rest = iter(actual)
    return all(any(a == w for a in rest) for w in wanted)


async def entries(silta: Silta) -> list[AuditEntry]:
    async with silta.core.db.read() as conn:
        return await admin_repo.audit_entries(conn, newest_first=False)


async def press(silta: Silta, user: FakeUser, message: SentMessage, label: str) -> None:
    qid = await user.press(message, label=label)
    await silta.tg.wait_for_callback_answer(qid)


async def test_a_client_journey_is_audited_without_names_or_text(silta: Silta) -> None:
    await silta.add_worker(901, "Ada Admin", team=None, admin=True, language="en")
    ada = silta.tg.user(901, first_name="Ada", language_code="en")
    maria = await silta.add_worker(1101, "Maria Virtanen", language="en")
    maria_user = silta.tg.user(1101, first_name="Maria", language_code="en")
    pete = silta.tg.user(1001, first_name="Pete", language_code="en")
    client = await silta.join(pete, await silta.add_client(maria, "Petteri", language="en"))

    # Next morning's check-in: Pete asks to be contacted.
    await silta.advance(timedelta(hours=23))
    checkin = next(m for m in pete.messages() if any(":ck:" in d for d in m.callback_data))
    await press(silta, pete, checkin, "Please contact me")
    await silta.settle()
    card = await silta.tg.wait_for_message(1101, contains="asks you to get in touch")
    await press(silta, maria_user, card, "handle it")
    await maria_user.send("I will call you at three", reply_to=card)
    await maria_user.next_message(contains="Sent to")
    await press(silta, maria_user, card, "Done")
    await ada.command("policy", "set checkins.answer_within 5h")
    await ada.next_message(contains="Policy changed")

    log = await entries(silta)
    journey = [e.action for e in log if e.client_id == client.id]
    assert is_subsequence(
        [
            "client.create",
            "client.join",
            "alert.raise.contact_me",
            "answer.checkin.call",
            "alert.taken",
            "client.reply",
            "alert.resolved",
        ],
        journey,
    ), journey
    by_action = {e.action: e for e in log}
    assert by_action["client.create"].actor_id == maria.id
    assert by_action["client.join"].actor_kind == "client"
    assert by_action["alert.raise.contact_me"].actor_kind == "system"
    assert (by_action["alert.taken"].actor_id, by_action["alert.taken"].actor_kind) == (
        maria.id,
        "worker",
    )
    assert by_action["policy.change"].actor_kind == "admin"
    for entry in log:
        written = f"{entry.action} {entry.detail or ''}"
        assert "Petteri" not in written and "three" not in written and "Maria" not in written

    # The admin reads the newest entries in the bot, with names and client numbers.
    await ada.command("audit")
    shown = await ada.next_message(contains="Audit log")
    lines = (shown.text or "").splitlines()
    assert len(lines) == 1 + min(20, len(log))
    assert "policy.change" in lines[1] and "Ada Admin" in lines[1]
    taken = next(x for x in lines if "alert.taken" in x)
    assert "Maria Virtanen" in taken and f"#{client.id}" in taken
    raised = next(x for x in lines if "alert.raise.contact_me" in x)
    assert "Silta" in raised


async def test_a_worker_cannot_read_the_audit_log(silta: Silta) -> None:
    await silta.add_worker(1101, "Maria Virtanen", language="en")
    maria = silta.tg.user(1101, first_name="Maria", language_code="en")
    await maria.command("audit")
    assert "not available" in ((await maria.next_message()).text or "")
