"""Tests for bot.identity: spotting Finnish personal identity codes in free text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.identity import (
    check_char,
    find_personal_identity_codes,
    looks_like_personal_identity_code,
)

# Written out independently of the module: index = (DDMMYYNNN mod 31).
_CHECKS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu(birth: str, sign: str, individual: str) -> str:
    """A code with a correct check character."""
    return f"{birth}{sign}{individual}{_CHECKS[int(birth + individual) % 31]}"


def wrong_check(code: str) -> str:
    """The same code with a different (wrong) check character."""
    right = code[-1]
    return code[:-1] + ("X" if right != "X" else "Y")


def test_known_example_and_computed_check_chars() -> None:
    assert hetu("131052", "-", "308") == "131052-308T"  # the official example
    assert check_char("131052", "308") == "T"
    assert hetu("010101", "A", "123") == "010101A123N"
    assert check_char("010101", "123") == "N"


@pytest.mark.parametrize(
    "code",
    [
        "131052-308T",
        hetu("010101", "A", "123"),
        hetu("290200", "A", "902"),  # 29 Feb 2000 is real
        hetu("150394", "Y", "047"),  # 2023 reform sign for the 1900s
        hetu("150394", "U", "047"),
        hetu("010523", "B", "456"),  # 2023 reform sign for the 2000s
        hetu("010523", "F", "456"),
        hetu("311299", "+", "812"),  # 1800s
    ],
)
def test_valid_codes_are_flagged(code: str) -> None:
    assert looks_like_personal_identity_code(code)
    assert looks_like_personal_identity_code(code.lower())
    assert looks_like_personal_identity_code(f"Nimeni on Matti, hetu {code}, kiitos")


@pytest.mark.parametrize(
    "text",
    [
        wrong_check("131052-308T"),  # a typo in a real code is still a code
        "131052-308",  # check character left out
        "131052 - 308T",
        "131052 308T",  # sign replaced by a space, correct check char
        "13 10 52-308T",
        "131052–308T",  # en dash from a phone keyboard
        "131052\u2011308T",  # non-breaking hyphen
        "131052308T",  # sign left out, correct check char
        "id:131052-308T.",
    ],
)
def test_code_like_shapes_are_flagged(text: str) -> None:
    assert looks_like_personal_identity_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mikko",
        "Pete 2",
        "J-P",
        "Matti M.",
        "Mikko 85",
        "Room 101",
        "Sanna-Kaisa",
        "040 123 4567",
        "+358 40 123 4567",
        "11.12.2026 klo 10",
        "310252-308T",  # 31 February does not exist
        "131352-308T",  # month 13
        "131052 308X",  # no sign and a wrong check character: just numbers
        "20241231-123",  # an 8-digit date with a suffix, not a code
        "",
        "ABCD-EFGH-JKMN",
    ],
)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert not looks_like_personal_identity_code(text)


def test_century_decides_date_validity() -> None:
    # 29 Feb 1900 did not exist; 29 Feb 2000 did.
    assert not looks_like_personal_identity_code("290200-902" + check_char("290200", "902"))
    assert looks_like_personal_identity_code("290200A902" + check_char("290200", "902"))


def test_find_returns_the_matches() -> None:
    found = find_personal_identity_codes("a 131052-308T b 010101A123N")
    assert found == ["131052-308T", "010101A123N"]


@given(
    st.dates(),
    st.sampled_from("+-ABCDEFUVWXY"),
    st.integers(min_value=2, max_value=999),
)
def test_any_real_code_is_flagged(birth: date, sign: str, individual: int) -> None:
    century = 1800 if sign == "+" else 1900 if sign in "-UVWXY" else 2000
    try:
        # DDMMYY must be a real date in the century the sign names (29.2. is not always).
        date(century + birth.year % 100, birth.month, birth.day)
    except ValueError:
        assume(False)
    assert looks_like_personal_identity_code(
        hetu(birth.strftime("%d%m%y"), sign, f"{individual:03d}")
    )


@given(st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=40))
def test_text_without_digits_is_never_flagged(text: str) -> None:
    assert not looks_like_personal_identity_code(text)
