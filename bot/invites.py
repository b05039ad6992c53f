"""Invite codes: generation, forgiving normalisation, peppered hashing, links and QR images."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "deep_link",
    "entropy_bits",
    "format_code",
    "hash_code",
    "new_code",
    "normalize_code",
]

# No 0/O, 1/I/L: the pairs people misread on paper or mistype from a printout.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_GROUP = 4
_ALPHABET_SET = frozenset(ALPHABET)
# Separators people put in or that phones substitute: spaces, hyphens and dash look-alikes.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,64}")


def entropy_bits() -> float:
    """Bits of entropy in one code (12 symbols of 31: about 59.4)."""
    return CODE_LENGTH * math.log2(len(ALPHABET))


def new_code() -> str:
    """A fresh random code of CODE_LENGTH alphabet characters (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """Code in groups of four for reading aloud or printing: ``ABCD-EFGH-JKMN``."""
    plain = normalize_code(code)
    if plain is None:
        raise ValueError("not an invite code")
    return "-".join(plain[i : i + _GROUP] for i in range(0, CODE_LENGTH, _GROUP))


def normalize_code(text: str) -> str | None:
    """Canonical code from typed text, a /start payload or a full link; None if it is no code."""
    s = text.strip()
    # Someone may paste the whole link or "/start CODE"; only the code part matters.
    if "start=" in s:
        s = s.rsplit("start=", 1)[1]
    s = s.removeprefix("/start").upper()
    s = _SEPARATORS.sub("", s)
    if len(s) != CODE_LENGTH or not set(s) <= _ALPHABET_SET:
        return None
    return s


def hash_code(code: str, pepper: bytes) -> str:
    """Hex HMAC-SHA256 of the normalised code under a server-side pepper, for storage."""
    plain = normalize_code(code)
    if plain is None:
        raise ValueError("not an invite code")
    # A fast keyed hash suffices: ~59 bits of randomness cannot be brute-forced even at GPU
    # speed, so a slow password hash would only slow down every /start. The pepper keeps a
    # stolen database useless without the server's secret.
    return hmac.new(pepper, plain.encode("ascii"), hashlib.sha256).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    """Telegram deep link that opens the bot with the code: ``https://t.me/<bot>?start=<code>``."""
    name = bot_username.strip().removeprefix("@")
    if not _USERNAME.fullmatch(name):
        raise ValueError(f"not a Telegram username: {bot_username!r}")
    plain = normalize_code(code)
    if plain is None:
        raise ValueError("not an invite code")
    return f"https://t.me/{name}?start={plain}"
