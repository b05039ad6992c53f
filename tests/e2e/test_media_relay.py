"""Photos, voice messages, video messages, files and long texts pass between a client and their
worker: copied (never forwarded), captions kept, and only Telegram's ids held until delivered."""

from __future__ import annotations

from bot.policy import set_policy_value
from bot.scheduling import policy_store
from tests.harness import Silta
from tests.worker_helpers import MARIA, joined_client, office, outbox_rows

KELA = "here's the paper from Kela"


async def _copies(silta: Silta, chat_id: int) -> list:
    return [m for m in silta.tg.messages(chat_id) if m.method == "copyMessage"]


async def test_a_photo_with_a_caption_reaches_the_worker_copied_and_the_worker_answers(
    silta: Silta,
) -> None:
    o = await office(silta)
    pete, user = await joined_client(silta, o.maria, "Pete")
    sent = await user.send_photo(caption=KELA)
    told = await user.next_message(contains="passed on")
    assert "Maria" in told.text
    await silta.settle()
    copy = await silta.tg.wait_for_message(MARIA, contains="sent a photo")
    assert copy.method == "copyMessage", "copied, so the client's profile is not shown"
    assert copy.params["from_chat_id"] == user.id
    assert copy.params["message_id"] == sent["message_id"]
    assert KELA in copy.text and "Pete" in copy.text
    assert "photo" in copy.payload
    assert not silta.tg.calls("forwardMessage")
    [row] = await outbox_rows(silta, "media_to_worker", pete.id)
    assert row.state == "sent" and KELA not in str(row.payload), "nothing kept once delivered"
    # Maria answers the photo with a voice message: it is copied to Pete, protected.
    voice = await o.maria_chat.send_voice(reply_to=copy.message_id)
    ok = await o.maria_chat.next_message(contains="Sent to")
    assert "Pete" in ok.text
    await silta.settle()
    answer = await user.next_message(contains="Message from")
    assert answer.method == "copyMessage" and answer.protect_content
    assert answer.params["from_chat_id"] == MARIA
    assert answer.params["message_id"] == voice["message_id"]
    assert "Maria" in answer.text


async def test_voice_video_messages_and_files_are_passed_on(silta: Silta) -> None:
    o = await office(silta)
    _, user = await joined_client(silta, o.maria, "Pete")
    await user.send_voice()
    await user.next_message(contains="passed on")
    await user.send_video_note()
    await user.next_message(contains="passed on")
    await user.send_document(file_name="lease.pdf", caption="the lease")
    await user.next_message(contains="passed on")
    await silta.settle()
    await silta.tg.wait_for(
        lambda: len([m for m in silta.tg.messages(MARIA) if m.method == "copyMessage"]) == 3
    )
    kinds = [
        next(k for k in ("voice", "video_note", "document") if k in m.payload)
        for m in await _copies(silta, MARIA)
    ]
    assert kinds == ["voice", "video_note", "document"]
    note = (await _copies(silta, MARIA))[1]
    assert not note.params.get("caption"), "round video messages take no caption"
    assert any("Pete" in label for label, _ in note.buttons), "a button says who sent it"


async def test_a_sticker_is_answered_kindly_and_a_too_big_file_is_refused(silta: Silta) -> None:
    o = await office(silta)
    _, user = await joined_client(silta, o.maria, "Pete")
    await user.send_sticker()
    kind = await user.next_message()
    assert "Thank you" in kind.text and "only pass on text" not in kind.text
    smaller = set_policy_value(silta.core.policy, "messages.max_media_mb", "5")
    await policy_store.store(silta.core, smaller, None, "cli")
    await user.send_photo(caption="big", file_size=6 * 1024 * 1024)
    refused = await user.next_message(contains="too big")
    assert "5 MB" in refused.text
    await silta.settle()
    assert not await _copies(silta, MARIA)


async def test_a_long_text_is_relayed_in_parts(silta: Silta) -> None:
    o = await office(silta)
    _, user = await joined_client(silta, o.maria, "Pete")
    words = [f"word{i:04d}" for i in range(440)]  # about 3,900 characters
    await user.send(" ".join(words))
    told = await user.next_message()
    assert "passed on" in told.text
    await silta.settle()
    await silta.tg.wait_for(
        lambda: all(
            any(w in (m.text or "") for m in silta.tg.messages(MARIA))
            for w in (words[0], words[-1])
        ),
        what="both parts at the worker",
    )
    seen = " ".join(m.text or "" for m in silta.tg.messages(MARIA))
    assert all(w in seen for w in words), "nothing lost between the parts"
