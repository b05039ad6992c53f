"""Helpers the admin modules share: fitting a message, naming and finding workers."""

from __future__ import annotations

from bot.i18n import Translator
from bot.messages import h
from bot.services import admin as admin_service
from storage.models import Worker

MAX_TEXT = 4096  # Telegram's limit, counted in UTF-16 code units


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(t: Translator, lines: list[str], limit: int = MAX_TEXT) -> str:
    """Join lines into one message, cutting whole lines (with a note) to stay within `limit`."""
    text = "\n".join(lines)
    if utf16_units(text) <= limit:
        return text
    kept = list(lines)
    while kept:
        kept.pop()
        left = len(lines) - len(kept)
        note = t.ngettext("… and {count} more line.", "… and {count} more lines.", left).format(
            count=left
        )
        text = "\n".join([*kept, note])
        if utf16_units(text) <= limit:
            return text
    return text[:limit]


def as_code(text: str) -> str:
    return f"<code>{h(text)}</code>"


def worker_line(t: Translator, worker: Worker) -> str:
    return t.ltr(h(f"{worker.name} (#{worker.id})"))


def which_worker(t: Translator, found: admin_service.Found, ref: str) -> str:
    """Why a worker look-up did not find exactly one."""
    if found.status == "many":
        names = ", ".join(worker_line(t, w) for w in found.candidates[:10])
        return t("More than one worker matches: {names}. Use the number, e.g. #{id}.").format(
            names=names, id=found.candidates[0].id
        )
    return t("I found no worker {ref}. /workers lists them all.").format(ref=as_code(ref))
