"""The foundation: the real bot answers strangers in their language and sets its menus."""

from __future__ import annotations

import pytest

from tests.harness import Silta


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [
        ("fi", "Hei! Tämä on Silta"),
        ("sv", "Hej! Det här är Silta"),
        ("en", "Hello! This is Silta"),
        ("de", "Hei! Tämä on Silta"),
        (None, "Hei! Tämä on Silta"),
    ],
)
async def test_a_stranger_is_told_what_silta_is_in_their_language(
    silta: Silta, language_code: str | None, expected: str
) -> None:
    stranger = silta.tg.user(5001, first_name="Jari", language_code=language_code)
    await stranger.send("moi")
    message = await stranger.next_message()
    assert message.text is not None and message.text.startswith(expected)
    assert (
        "invite" in message.raw_text.lower()
        or "kutsu" in message.raw_text.lower()
        or "inbjudan" in message.raw_text.lower()
    )


async def test_the_command_menu_is_set_per_language(silta: Silta) -> None:
    for lang in ("fi", "sv", "en"):
        commands = silta.tg.my_commands({"type": "default"}, lang)
        assert {c["command"] for c in commands} >= {"next", "contact", "language", "stop", "help"}
    fi = {c["command"]: c["description"] for c in silta.tg.my_commands({"type": "default"}, "fi")}
    en = {c["command"]: c["description"] for c in silta.tg.my_commands({"type": "default"}, "en")}
    assert fi["help"] != en["help"]


async def test_an_unknown_command_from_a_stranger_gets_the_explanation(silta: Silta) -> None:
    stranger = silta.tg.user(5002, language_code="en")
    await stranger.command("policy", "set x y")
    message = await stranger.next_message()
    assert "This is Silta" in (message.text or "")
