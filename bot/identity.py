"""Spot Finnish personal identity codes (henkilötunnus) so they are not stored as names."""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "CHECK_CHARS",
    "century_of",
    "check_char",
    "find_personal_identity_codes",
    "looks_like_personal_identity_code",
]

# The 31 check characters, indexed by (DDMMYYNNN mod 31); G, I, O, Q and Z are never used.
CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Century signs, including the 2023 reform's alternatives (Y-U for 1900s, B-F for 2000s).
_CENTURIES: dict[str, int] = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}
# Phones and word processors turn the hyphen into look-alikes; they must not hide a code.
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-")
)

# DDMMYY, century sign, individual number NNN, optional check character; single spaces may
# split the parts ("131052 - 308T"). Not preceded by a digit, so long numbers (dates such as
# 20241231-123, account numbers) do not match from their middle.
_WITH_SIGN = re.compile(
    r"(?<!\d)(\d\d) ?(\d\d) ?(\d\d)\s*([-+A-FU-Y])\s*(\d{3})(?: ?([0-9A-Y]))?",
    re.IGNORECASE,
)
# The same without a century sign (left out, or replaced by a space): flagged only when the
# check character is right, because ten digits and a letter occur in ordinary text too.
_WITHOUT_SIGN = re.compile(r"(?<!\d)(\d\d) ?(\d\d) ?(\d\d) ?(\d{3}) ?([0-9A-Y])(?![0-9A-Z])", re.I)


def check_char(birth: str, individual: str) -> str:
    """The check character for DDMMYY `birth` and NNN `individual`."""
    return CHECK_CHARS[int(birth + individual) % 31]


def century_of(sign: str) -> int | None:
    """First year of the century a sign stands for (``-`` → 1900), or None if not a sign."""
    return _CENTURIES.get(sign.upper())


def _valid_birth_date(dd: str, mm: str, yy: str, centuries: tuple[int, ...]) -> bool:
    """Whether DDMMYY is a real date in any of the given centuries."""
    for century in centuries:
        try:
            date(century + int(yy), int(mm), int(dd))
        except ValueError:
            continue
        return True
    return False


def find_personal_identity_codes(text: str) -> list[str]:
    """Substrings of `text` that look like a personal identity code (for tests and logging)."""
    haystack = text.translate(_DASHES)
    found: list[str] = []
    for m in _WITH_SIGN.finditer(haystack):
        dd, mm, yy, sign = m[1], m[2], m[3], m[4]
        # Any code shape with a real birth date is refused, checksum or not: a wrong check
        # character is far likelier a typo in a real code than an innocent string.
        if _valid_birth_date(dd, mm, yy, (_CENTURIES[sign.upper()],)):
            found.append(m[0])
    for m in _WITHOUT_SIGN.finditer(haystack):
        dd, mm, yy, nnn, check = m.groups()
        if check.upper() == check_char(dd + mm + yy, nnn) and _valid_birth_date(
            dd, mm, yy, (1800, 1900, 2000)
        ):
            found.append(m[0])
    return found


def looks_like_personal_identity_code(text: str) -> bool:
    """Whether `text` contains something shaped like a Finnish henkilötunnus (err on refusing)."""
    return bool(find_personal_identity_codes(text))
