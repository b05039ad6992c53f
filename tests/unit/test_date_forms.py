"""Every date form in all six languages, for fixed instants, as people here write them.

The expected strings were read from CLDR (through Babel, with fi_FI, sv_FI, en_GB, ru_RU, et_EE and
ar) and checked against the issue's examples word for word: "to 3.12. klo 12.30", "tors 3.12 kl.
12.30" and "Thu 3 Dec at 12:30" (en_GB; CLDR's en_FI would write "Thu, 3 Dec at 12.30").
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import LANGUAGES, translator

HEL = ZoneInfo("Europe/Helsinki")
LRI, PDI = "\u2066", "\u2069"
NNBSP = "\u202f"
# The reader's now: Tuesday 1 December 2026, 9:00 in Helsinki.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=HEL)
THURSDAY = datetime(2026, 12, 3, 12, 30, tzinfo=HEL)
TODAY = datetime(2026, 12, 1, 18, 0, tzinfo=HEL)
TOMORROW = datetime(2026, 12, 2, 8, 0, tzinfo=HEL)
NEXT_YEAR = datetime(2027, 1, 5, 9, 5, tzinfo=HEL)

# weekday+date, date alone, time, early time, date+time, today, tomorrow, another year, list
# stamp, record (with the year, for the client system).
EXPECTED = {
    "fi": (
        "to 3.12.",
        "3.12.",
        "12.30",
        "9.05",
        "to 3.12. klo 12.30",
        "tänään klo 18.00",
        "huomenna klo 8.00",
        "ti 5.1.2027 klo 9.05",
        "3.12. klo 12.30",
        "3.12.2026 12.30",
    ),
    "sv": (
        "tors 3.12",
        "3.12",
        "12.30",
        "09.05",
        "tors 3.12 kl. 12.30",
        "i dag kl. 18.00",
        "i morgon kl. 08.00",
        "tis 5.1.2027 kl. 09.05",
        "3.12 kl. 12.30",
        "3.12.2026 12.30",
    ),
    "en": (
        "Thu 3 Dec",
        "3 Dec",
        "12:30",
        "09:05",
        "Thu 3 Dec at 12:30",
        "today at 18:00",
        "tomorrow at 08:00",
        "Tue, 5 Jan 2027 at 09:05",
        "3 Dec at 12:30",
        "03/12/2026, 12:30",
    ),
    # Months in the genitive ("3 декабря"), as a date is said in Russian.
    "ru": (
        "чт, 3 декабря",
        "3 декабря",
        "12:30",
        "09:05",
        "чт, 3 декабря в 12:30",
        "сегодня в 18:00",
        "завтра в 08:00",
        f"вт, 5 января 2027{NNBSP}г. в 09:05",
        "3 декабря в 12:30",
        "03.12.2026, 12:30",
    ),
    # CLDR has no "at" for Estonian: "kell" comes from the catalog.
    "et": (
        "N, 3. detsember",
        "3. detsember",
        "12:30",
        "09:05",
        "N, 3. detsember kell 12:30",
        "täna kell 18:00",
        "homme kell 08:00",
        "T, 5. jaanuar 2027 kell 09:05",
        "3. detsember kell 12:30",
        "3.12.2026 12:30",
    ),
    # Times sit in left-to-right isolates inside the Arabic text.
    "ar": (
        "الخميس، 3 ديسمبر",
        "3 ديسمبر",
        f"{LRI}12:30{PDI}",
        f"{LRI}09:05{PDI}",
        f"الخميس، 3 ديسمبر في {LRI}12:30{PDI}",
        f"اليوم في {LRI}18:00{PDI}",
        f"غدًا في {LRI}08:00{PDI}",
        f"الثلاثاء، 5 يناير 2027 في {LRI}09:05{PDI}",
        f"3 ديسمبر في {LRI}12:30{PDI}",
        f"{LRI}3\u200f/12\u200f/2026، 12:30{PDI}",
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_date_form_reads_as_people_here_write_it(lang: str) -> None:
    t = translator(lang).at(NOW, HEL)
    got = (
        t.day(THURSDAY, HEL),
        t.date(THURSDAY, HEL),
        t.time(THURSDAY, HEL),
        t.time(NEXT_YEAR, HEL),
        t.datetime(THURSDAY, HEL),
        t.datetime(TODAY, HEL),
        t.datetime(TOMORROW, HEL),
        t.datetime(NEXT_YEAR, HEL),
        t.stamp(THURSDAY, HEL),
        t.record(THURSDAY, HEL),
    )
    assert got == EXPECTED[lang]


WORDS = {
    "fi": ("tänään", "huomenna"),
    "sv": ("i dag", "i morgon"),
    "en": ("today", "tomorrow"),
    "ru": ("сегодня", "завтра"),
    "et": ("täna", "homme"),
    "ar": ("اليوم", "غدًا"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_plain_date_is_today_or_tomorrow_in_the_readers_zone(lang: str) -> None:
    """A due date is a calendar day: at 23:30 UTC on 1 December it is already 2 December here."""
    late = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    t = translator(lang).at(late, HEL)
    assert (t.day(date(2026, 12, 2)), t.date(date(2026, 12, 3))) == WORDS[lang]


def test_without_a_known_today_the_year_is_written_and_no_relative_word() -> None:
    """A form made outside a reader's context (a CLI, a test) cannot know "this year"."""
    assert translator("fi").day(THURSDAY, HEL) == "to 3.12.2026"
    assert translator("fi").datetime(TOMORROW, HEL) == "ke 2.12.2026 klo 8.00"


def test_the_year_is_written_for_a_past_year_too() -> None:
    t = translator("sv").at(NOW, HEL)
    assert t.day(date(2025, 12, 30)) == "tis 30.12.2025"
