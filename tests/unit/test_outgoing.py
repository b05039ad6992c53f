"""Cutting text the way Telegram counts it: long relays in parts, captions that fit."""

from __future__ import annotations

from bot.outgoing import clip, split_text, utf16_len


def test_long_text_splits_at_spaces_into_parts_that_fit() -> None:
    text = " ".join(f"w{i}" for i in range(2000))
    parts = split_text(text, 1000)
    assert all(utf16_len(p) <= 1000 for p in parts)
    assert " ".join(parts) == text


def test_one_huge_word_and_emoji_are_cut_by_utf16_units() -> None:
    text = "😀" * 1500  # two units each
    parts = split_text(text, 1000)
    assert all(utf16_len(p) <= 1000 for p in parts) and "".join(parts) == text
    assert split_text("  short  ") == ["short"]


def test_clip_keeps_within_the_limit_with_an_ellipsis() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    assert utf16_len(clip("😀" * 10, 5)) <= 5
