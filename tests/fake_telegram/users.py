"""A Telegram user the test plays: writes to the bot, presses its buttons, blocks it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .models import SentMessage, UploadedFile
from .tghtml import utf16_len

if TYPE_CHECKING:
    from .server import FakeTelegram, _Chat

__all__ = ["FakeUser"]

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")


class FakeUser:
    """A Telegram user in a private chat with the bot; the test plays them."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
        last_name: str | None = None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name
        self.mark = 0  # highest message id in the chat when this user last acted

    @property
    def chat_id(self) -> int:
        """The private chat's id (equal to the user id, as on Telegram)."""
        return self.id

    def as_dict(self) -> dict[str, Any]:
        """The User object Telegram sends for this user."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def _chat(self) -> _Chat:
        return self.fake._chat(self.id)

    def _new_message(self, **content: Any) -> dict[str, Any]:
        chat = self._chat
        message = {
            "message_id": chat.take_id(),
            "from": self.as_dict(),
            "chat": self.fake.chat_dict(self.id),
            "date": self.fake.now(),
            **content,
        }
        chat.incoming[message["message_id"]] = message
        self.mark = message["message_id"]
        self.fake.inject({"message": message})
        return message

    async def send(
        self, text: str, reply_to: SentMessage | dict[str, Any] | int | None = None
    ) -> dict[str, Any]:
        """Write a text message to the bot; "/cmd ..." gets a bot_command entity, as on Telegram."""
        content: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}
            ]
        if reply_to is not None:
            content["reply_to_message"] = self._payload_of(reply_to)
        return self._new_message(**content)

    async def command(self, name: str, args: str = "") -> dict[str, Any]:
        """Send /name (with args after a space, if any)."""
        return await self.send(f"/{name.lstrip('/')}" + (f" {args}" if args else ""))

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        """Send a sticker."""
        file_id = f"sticker-{next(self.fake._file_ids):06d}"
        sticker = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._new_message(sticker=sticker)

    def _with(self, content: dict[str, Any], caption: str | None, reply_to: Any) -> dict[str, Any]:
        """Send media content with an optional caption, as a reply if asked."""
        if caption is not None:
            content["caption"] = caption
        if reply_to is not None:
            content["reply_to_message"] = self._payload_of(reply_to)
        return self._new_message(**content)

    async def send_photo(
        self,
        data: bytes = b"\x89PNG fake",
        caption: str | None = None,
        reply_to: SentMessage | dict[str, Any] | int | None = None,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """Send a photo (its bytes are kept, so getFile works)."""
        file_id = f"photo-{next(self.fake._file_ids):06d}"
        self.fake.files[file_id] = UploadedFile("photo", "photo.jpg", "image/jpeg", data)
        sizes = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 640,
                "height": 480,
                "file_size": file_size if file_size is not None else len(data),
            }
        ]
        return self._with({"photo": sizes}, caption, reply_to)

    async def send_voice(
        self,
        duration: int = 3,
        data: bytes = b"OggS fake",
        caption: str | None = None,
        reply_to: SentMessage | dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a voice message."""
        file_id = f"voice-{next(self.fake._file_ids):06d}"
        self.fake.files[file_id] = UploadedFile("voice", "voice.ogg", "audio/ogg", data)
        voice = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._with({"voice": voice}, caption, reply_to)

    async def send_video_note(self, duration: int = 5, data: bytes = b"mp4 fake") -> dict[str, Any]:
        """Send a round video message (Telegram gives these no caption)."""
        file_id = f"vnote-{next(self.fake._file_ids):06d}"
        self.fake.files[file_id] = UploadedFile("video_note", "note.mp4", "video/mp4", data)
        note = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "length": 240,
            "duration": duration,
            "file_size": len(data),
        }
        return self._new_message(video_note=note)

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        """Share a location (something Silta does not pass on)."""
        return self._new_message(location={"latitude": latitude, "longitude": longitude})

    async def send_document(
        self,
        data: bytes = b"%PDF fake",
        file_name: str = "file.pdf",
        caption: str | None = None,
        reply_to: SentMessage | dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a file."""
        file_id = f"doc-{next(self.fake._file_ids):06d}"
        self.fake.files[file_id] = UploadedFile("document", file_name, "application/pdf", data)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": "application/pdf",
            "file_size": len(data),
        }
        return self._with({"document": document}, caption, reply_to)

    async def send_raw(self, update_fields: dict[str, Any]) -> dict[str, Any]:
        """Inject any update (e.g. {"edited_message": {...}} or an unknown kind) as is."""
        self.mark = self._chat.next_id - 1
        return self.fake.inject(update_fields, check=False)

    async def press(
        self,
        message: SentMessage | dict[str, Any] | int,
        callback_data: str | None = None,
        *,
        label: str | None = None,
        forge: bool = False,
    ) -> str:
        """Press an inline button (by callback_data or label); forge=True skips the checks."""
        chat = self._chat
        message_id = message if isinstance(message, int) else _message_id(message)
        sent = chat.sent.get(message_id)
        if label is not None:
            if sent is None:
                raise AssertionError(f"no bot message {message_id} in chat {self.id}")
            callback_data = sent.data_for(label)
        if callback_data is None:
            raise AssertionError("press() needs callback_data or label")
        if sent is not None and not sent.deleted:
            payload: dict[str, Any] = sent.payload
            if not forge and callback_data not in sent.callback_data:
                raise AssertionError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"buttons: {sent.buttons}"
                )
        elif forge:
            # As Telegram sends a button of a message it can no longer show: date 0.
            payload = {"chat": self.fake.chat_dict(self.id), "message_id": message_id, "date": 0}
        else:
            state = "deleted" if sent is not None else "unknown"
            raise AssertionError(f"message {message_id} in chat {self.id} is {state}")
        query_id = str(next(self.fake._query_ids))
        query = {
            "id": query_id,
            "from": self.as_dict(),
            "message": payload,
            "chat_instance": str(-(10**18) - self.id),
            "data": callback_data,
        }
        self.fake._open_queries[query_id] = query
        self.mark = chat.next_id - 1
        self.fake.inject({"callback_query": query})
        return query_id

    def _member_update(self, old: str, new: str) -> None:
        bot = self.fake._bot_from()
        self.fake.inject(
            {
                "my_chat_member": {
                    "chat": self.fake.chat_dict(self.id),
                    "from": self.as_dict(),
                    "date": self.fake.now(),
                    "old_chat_member": _member(old, bot),
                    "new_chat_member": _member(new, bot),
                }
            }
        )

    async def block(self, notify: bool = True) -> None:
        """Block the bot: sends answer 403; notify=True also delivers my_chat_member."""
        self.fake.blocked.add(self.id)
        if notify:
            self._member_update("member", "kicked")

    async def unblock(self, notify: bool = True) -> None:
        """Unblock the bot."""
        self.fake.blocked.discard(self.id)
        if notify:
            self._member_update("kicked", "member")

    async def deactivate(self) -> None:
        """Delete the account: sends answer 403 "user is deactivated"."""
        self.fake.deactivated.add(self.id)

    def messages(self) -> list[SentMessage]:
        """What the bot sent to this user."""
        return self.fake.messages(self.id)

    def last_message(self) -> SentMessage | None:
        """The bot's latest message to this user."""
        return self.fake.last_message(self.id)

    async def next_message(
        self,
        contains: str | None = None,
        timeout: float = 5.0,
    ) -> SentMessage:
        """The first bot message sent after this user's last action (send, press, ...)."""
        return await self.fake.wait_for_message(
            self.id, contains=contains, timeout=timeout, after=self.mark
        )

    def _payload_of(self, message: SentMessage | dict[str, Any] | int) -> dict[str, Any]:
        chat = self._chat
        if isinstance(message, SentMessage):
            payload = message.payload
        elif isinstance(message, dict):
            payload = message
        else:
            found = chat.incoming.get(message) or (
                chat.sent[message].payload if message in chat.sent else None
            )
            if found is None:
                raise AssertionError(f"no message {message} in chat {self.id}")
            payload = found
        return {k: v for k, v in payload.items() if k != "reply_to_message"}


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    member = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0  # banned for ever
    return member


def _message_id(message: SentMessage | dict[str, Any]) -> int:
    if isinstance(message, SentMessage):
        return message.message_id
    return int(message["message_id"])
