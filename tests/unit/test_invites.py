"""Tests for bot.invites: code generation, normalisation, hashing, links and QR images."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.card import qr_png
from bot.invites import (
    ALPHABET,
    CODE_LENGTH,
    deep_link,
    entropy_bits,
    format_code,
    hash_code,
    new_code,
    normalize_code,
)

PEPPER = b"server-side secret pepper"
codes = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def test_alphabet_has_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("0O1IL") & set(ALPHABET)
    assert ALPHABET.isupper() and ALPHABET.isalnum()


def test_entropy_is_enough() -> None:
    assert entropy_bits() >= 50
    assert entropy_bits() == pytest.approx(59.45, abs=0.01)


def test_new_codes() -> None:
    batch = [new_code() for _ in range(2000)]
    assert len(set(batch)) == len(batch)
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in batch)
    # Every symbol shows up: the generator uses the whole alphabet.
    assert set("".join(batch)) == set(ALPHABET)


def test_format_code() -> None:
    assert format_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    assert format_code("abcd efgh jkmn") == "ABCD-EFGH-JKMN"
    with pytest.raises(ValueError):
        format_code("short")


@pytest.mark.parametrize(
    "typed",
    [
        "ABCDEFGHJKMN",
        "ABCD-EFGH-JKMN",
        "abcd-efgh-jkmn",
        " abcd efgh jkmn ",
        "ABCD – EFGH – JKMN",
        "ABCD_EFGH.JKMN",
        "https://t.me/SiltaBot?start=ABCDEFGHJKMN",
        "/start ABCDEFGHJKMN",
    ],
)
def test_normalize_accepts_typing_variants(typed: str) -> None:
    assert normalize_code(typed) == "ABCDEFGHJKMN"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-EFGH-JKM",  # too short
        "ABCD-EFGH-JKMNP",  # too long
        "ABCD-EFGH-JKM0",  # zero is not in the alphabet
        "ABCD-EFGH-JKMO",  # nor is O
        "ABCD-EFGH-JKM1",
        "ABCD-EFGH-JKMI",
        "ABCD-EFGH-JKML",
        "ABCD-EFGH-JKM!",
        "ÄBCD-EFGH-JKMN",
    ],
)
def test_normalize_rejects(typed: str) -> None:
    assert normalize_code(typed) is None


@given(codes)
def test_format_normalize_round_trip(code: str) -> None:
    assert normalize_code(format_code(code)) == code
    assert normalize_code(format_code(code).lower()) == code
    assert format_code(code).count("-") == 2


def test_hash_code() -> None:
    code = new_code()
    digest = hash_code(code, PEPPER)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert hash_code(format_code(code).lower(), PEPPER) == digest
    assert hash_code(code, b"another pepper") != digest
    assert hash_code(new_code(), PEPPER) != digest
    with pytest.raises(ValueError):
        hash_code("not a code", PEPPER)


def test_deep_link() -> None:
    assert deep_link("SiltaBot", "abcd-efgh-jkmn") == "https://t.me/SiltaBot?start=ABCDEFGHJKMN"
    assert deep_link("@silta_test_bot", "ABCDEFGHJKMN").startswith("https://t.me/silta_test_bot?")
    link = deep_link("SiltaBot", "ABCDEFGHJKMN")
    assert normalize_code(link.split("start=")[1]) == "ABCDEFGHJKMN"
    with pytest.raises(ValueError):
        deep_link("bad name!", "ABCDEFGHJKMN")
    with pytest.raises(ValueError):
        deep_link("SiltaBot", "nope")


def read_png(data: bytes) -> Image.Image:
    """The PNG as a greyscale image."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(data)).convert("L")


def test_qr_png_is_a_printable_png_that_decodes_to_the_link() -> None:
    link = deep_link("SiltaBot", new_code())
    image = read_png(qr_png(link))
    assert image.width == image.height >= 250  # at least 25 modules of 10 px incl. the quiet zone
    # The quiet zone (4 modules of 10 px) is white all round; the finder pattern starts after it.
    assert all(image.getpixel((x, y)) == 255 for x in range(image.width) for y in range(40))
    assert all(image.getpixel((x, y)) == 255 for x in range(40) for y in range(image.height))
    assert image.getpixel((40, 40)) == 0
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [link]


def test_qr_png_with_caption_is_taller_and_still_decodes() -> None:
    link = deep_link("SiltaBot", "ABCDEFGHJKMN")
    plain = read_png(qr_png(link))
    image = read_png(qr_png(link, "ABCD-EFGH-JKMN"))
    assert image.width == plain.width and image.height > plain.height
    caption = image.crop((0, plain.height, image.width, image.height))
    assert caption.getextrema()[0] == 0  # the caption actually printed something
    # A long caption with characters outside ASCII still renders within the width.
    wide = read_png(qr_png(link, "Matti Meikäläinen – kutsu ABCD-EFGH-JKMN ✓"))
    assert wide.width == plain.width
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [link]
