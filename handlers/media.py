"""Reading a photo, voice message, video or file out of a Telegram message (both audiences)."""

from __future__ import annotations

from telegram import Message

from bot.services.media import Media


def media_of(message: Message) -> Media | None:
    """What media the message carries, where it is and how big; None for anything else."""
    found = None
    # An animation arrives with a document too; name it by what the person sees.
    if message.animation is not None:
        found = ("animation", message.animation.file_size)
    elif message.photo:
        found = ("photo", message.photo[-1].file_size)
    else:
        for kind in ("voice", "video_note", "video", "audio", "document"):
            item = getattr(message, kind)
            if item is not None:
                found = (kind, item.file_size)
                break
    if found is None:
        return None
    kind, size = found
    return Media(kind, message.chat_id, message.message_id, size, message.caption or "")
