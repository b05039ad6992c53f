"""Kinds of appointment: what each needs (a place, a link) and how a video link is checked.

A leaf module (no project imports): services, texts, handlers and the CLI all read it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

IN_PERSON = "in_person"
PHONE = "phone"
VIDEO = "video"
HOME_VISIT = "home_visit"
JOINT = "joint"  # a joint meeting with the prison's staff (often while the client is inside)
KINDS = (IN_PERSON, PHONE, VIDEO, HOME_VISIT, JOINT)
# Met at a place the worker writes down. A phone call and a video call have none, and a home
# visit is at the client's home, whose address Silta does not need to keep.
PLACE_KINDS = frozenset({IN_PERSON, JOINT})
# Kinds that may carry a video link: a video call must; a joint meeting takes a link or a place
# (the prison's meetings are often on Teams).
LINK_KINDS = frozenset({VIDEO, JOINT})
MAX_LINK = 500


def needs_place(kind: str) -> bool:
    return kind in PLACE_KINDS


def takes_link(kind: str) -> bool:
    return kind in LINK_KINDS


def looks_like_link(text: str) -> bool:
    """Whether a worker's answer to "where" was meant as a link (then it is checked as one)."""
    value = text.strip().lower()
    if value.startswith(("http", "www.")) or "://" in value:
        return True
    # One word with a scheme ("javascript:…", "tg:…") is a link, refused as one; a place has
    # spaces or no colon ("Room 2", "Kauppakatu 5").
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest) and " " not in value and scheme.isalpha()


def clean_link(text: str) -> str | None:
    """A video call link the client can open in a browser, or None.

    Only http and https with a host: anything else (tg:, javascript:, a bare word) is not a
    link to hand a client, and Telegram refuses odd ones in a button, which would lose the
    whole message.
    """
    link = text.strip()
    if not 0 < len(link) <= MAX_LINK or any(ch.isspace() or ord(ch) < 32 for ch in link):
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host.strip("."):
        return None
    return link
