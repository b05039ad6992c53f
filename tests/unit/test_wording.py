"""Wording found wrong in review stays fixed, in every language (issue 18, item 6)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, translator

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def _strings(lang: str) -> list[tuple[str, str]]:
    with (LOCALES / lang / "LC_MESSAGES" / "silta.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        out += [(msgid, form) for form in forms if form]
    return out


# (language, pattern, why): a pattern that must not appear in any translation.
FORBIDDEN = [
    (
        "fi",
        r"asiakkuu(s|den) \{|[Pp]äätä asiakkuus|Asiakkuus on päättynyt",
        "Silta ending is not the client relationship ending",
    ),
    ("fi", r"Siltassa|Siltaan", "write Silta-palvelussa / Silta-palveluun"),
    ("ar", r"سيصلك اتصال", "promises a phone call"),
    ("sv", r"Gör det (senast|i dag)", "names no object"),
    (
        "ru",
        r"встреча \{day\}|до \{date\}|до \{day\}",
        "a date after a noun needs a preposition and case",
    ),
    ("et", r"kohtumine \{day\}|hiljemalt \{date\}|kuni \{when\}", "a date after a noun needs case"),
]


@pytest.mark.parametrize(("lang", "pattern", "why"), FORBIDDEN)
def test_reviewed_wording_is_gone(lang: str, pattern: str, why: str) -> None:
    bad = [msgid[:60] for msgid, text in _strings(lang) if re.search(pattern, text)]
    assert not bad, f"{lang}: {why}: {bad}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_double_full_stop_after_a_date(lang: str) -> None:
    """Russian dates end in "г.": a sentence must not put its own full stop after one."""
    t = translator(lang)
    day = t.day(date(2026, 12, 3))
    bad = []
    for msgid, text in _strings(lang):
        if not any("{" + name + "}" in text for name in ("date", "day", "when")):
            continue
        filled = text
        for name in ("date", "day", "when"):
            filled = filled.replace("{" + name + "}", day)
        if re.search(r"(?<!\.)\.\u2069?\.(?!\.)", filled):
            bad.append(msgid[:60])
    assert not bad, f"{lang}: double full stop after a date in {bad}"


def test_plan_items_are_worded_neutrally() -> None:
    t = translator("en")
    assert t("has a release plan with open items") == "has a release plan with open items"
