"""Invite codes: generation, forgiving normalisation, peppered hashing, links and QR images."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import struct
import zlib

import segno

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "deep_link",
    "entropy_bits",
    "format_code",
    "hash_code",
    "new_code",
    "normalize_code",
    "qr_png",
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


# --- QR image --------------------------------------------------------------------------------

_SCALE = 10  # pixels per module: about 4 cm wide on paper at 300 dpi, easy for phone cameras
_BORDER = 4  # the quiet zone the QR standard asks for
_TEXT_SCALE = 4  # pixels per font dot in the caption

# A 5x7 bitmap font for captions (codes, names, short labels); Pillow is not a dependency.
# Each glyph is seven rows of five bits, most significant bit leftmost.
_FONT: dict[str, tuple[int, ...]] = {
    " ": (0, 0, 0, 0, 0, 0, 0),
    "-": (0, 0, 0, 31, 0, 0, 0),
    ".": (0, 0, 0, 0, 0, 12, 12),
    ",": (0, 0, 0, 0, 12, 4, 8),
    ":": (0, 12, 12, 0, 12, 12, 0),
    "/": (1, 2, 2, 4, 8, 8, 16),
    "?": (14, 17, 1, 2, 4, 0, 4),
    "!": (4, 4, 4, 4, 4, 0, 4),
    "=": (0, 0, 31, 0, 31, 0, 0),
    "_": (0, 0, 0, 0, 0, 0, 31),
    "(": (2, 4, 8, 8, 8, 4, 2),
    ")": (8, 4, 2, 2, 2, 4, 8),
    "0": (14, 17, 19, 21, 25, 17, 14),
    "1": (4, 12, 4, 4, 4, 4, 14),
    "2": (14, 17, 1, 2, 4, 8, 31),
    "3": (31, 2, 4, 2, 1, 17, 14),
    "4": (2, 6, 10, 18, 31, 2, 2),
    "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14),
    "7": (31, 1, 2, 4, 8, 8, 8),
    "8": (14, 17, 17, 14, 17, 17, 14),
    "9": (14, 17, 17, 15, 1, 2, 12),
    "A": (14, 17, 17, 31, 17, 17, 17),
    "B": (30, 17, 17, 30, 17, 17, 30),
    "C": (14, 17, 16, 16, 16, 17, 14),
    "D": (28, 18, 17, 17, 17, 18, 28),
    "E": (31, 16, 16, 30, 16, 16, 31),
    "F": (31, 16, 16, 30, 16, 16, 16),
    "G": (14, 17, 16, 23, 17, 17, 15),
    "H": (17, 17, 17, 31, 17, 17, 17),
    "I": (14, 4, 4, 4, 4, 4, 14),
    "J": (7, 2, 2, 2, 2, 18, 12),
    "K": (17, 18, 20, 24, 20, 18, 17),
    "L": (16, 16, 16, 16, 16, 16, 31),
    "M": (17, 27, 21, 21, 17, 17, 17),
    "N": (17, 17, 25, 21, 19, 17, 17),
    "O": (14, 17, 17, 17, 17, 17, 14),
    "P": (30, 17, 17, 30, 16, 16, 16),
    "Q": (14, 17, 17, 17, 21, 18, 13),
    "R": (30, 17, 17, 30, 20, 18, 17),
    "S": (15, 16, 16, 14, 1, 1, 30),
    "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14),
    "V": (17, 17, 17, 17, 17, 10, 4),
    "W": (17, 17, 17, 21, 21, 21, 10),
    "X": (17, 17, 10, 4, 10, 17, 17),
    "Y": (17, 17, 17, 10, 4, 4, 4),
    "Z": (31, 1, 2, 4, 8, 16, 31),
    "Ä": (10, 0, 14, 17, 31, 17, 17),
    "Ö": (10, 0, 14, 17, 17, 17, 14),
    "Å": (4, 0, 14, 17, 31, 17, 17),
}


_CAPTION_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))


def _caption_rows(caption: str, width: int) -> list[bytearray]:
    """Greyscale pixel rows (0 black, 255 white) of the caption centred in `width` pixels."""
    # Unknown characters (lower case is folded up) print as '?', so a caption never vanishes.
    glyphs = [_FONT.get(ch, _FONT["?"]) for ch in caption.upper().translate(_CAPTION_DASHES)]
    # Shrink the dots rather than cut the caption when it would not fit under the code.
    cell = 6  # 5 dots and one dot of spacing
    dot = max(1, min(_TEXT_SCALE, (width - 2 * _SCALE) // max(1, len(glyphs) * cell)))
    text_width = len(glyphs) * cell * dot
    left = max(0, (width - text_width) // 2)
    rows: list[bytearray] = []
    for line in range(7):
        row = bytearray(b"\xff" * width)
        for i, glyph in enumerate(glyphs):
            bits = glyph[line]
            for col in range(5):
                if bits & (16 >> col):
                    x0 = left + (i * cell + col) * dot
                    row[x0 : min(width, x0 + dot)] = b"\x00" * (min(width, x0 + dot) - x0)
        rows.extend(bytearray(row) for _ in range(dot))
    margin = [bytearray(b"\xff" * width) for _ in range(max(dot * 3, _SCALE))]
    return [*rows, *margin]


def _png(rows: list[bytearray], width: int) -> bytes:
    """Encode 8-bit greyscale rows as a PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk with its CRC."""
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def qr_png(link: str, caption: str | None = None) -> bytes:
    """PNG of a printable QR code for `link`, with an optional caption (e.g. the code) below."""
    # Error level M survives smudges on a printout while keeping the symbol small.
    qr = segno.make(link, error="m", micro=False)
    rows: list[bytearray] = []
    for matrix_row in qr.matrix_iter(scale=_SCALE, border=_BORDER):
        rows.append(bytearray(0 if dark else 255 for dark in matrix_row))
    width = len(rows[0])
    if caption:
        rows.extend(_caption_rows(caption, width))
    return _png(rows, width)
