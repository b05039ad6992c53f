"""Translations: catalogs loaded once, a translator chosen per user, Babel for dates and times.

The locale is always passed explicitly: a scheduled reminder has no incoming update to take it
from, and a process-global `gettext.install` would mix clients' languages.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Callable
from datetime import tzinfo
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "silta"
DEFAULT_LANGUAGE = "fi"
# Languages offered to users, in the order buttons show them.
LANGUAGES = ("fi", "sv", "en", "ru", "et", "ar")
RTL_LANGUAGES = frozenset({"ar"})
# Rendered dates and times each translator keeps (see Translator._cached).
TEXT_CACHE = 4096
# Unicode isolates keep names, times, codes and links left-to-right inside right-to-left text.
_LRI, _PDI = "\u2066", "\u2069"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    """Compile the .po in memory once, so a fresh clone needs no compile step."""
    po_path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def available_languages() -> tuple[str, ...]:
    """Languages that have a catalog (English is the source and always available)."""
    return tuple(
        lang
        for lang in LANGUAGES
        if lang == "en" or (LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").exists()
    )


def pick_language(stored: str | None, telegram_code: str | None = None) -> str:
    """The stored language, else Telegram's language_code when we have it, else Finnish."""
    if stored and stored in available_languages():
        return stored
    if telegram_code:
        base = telegram_code.split("-")[0].split("_")[0].lower()
        if base in available_languages():
            return base
    return DEFAULT_LANGUAGE


LANGUAGE_NAMES = {
    "fi": "Suomi",
    "sv": "Svenska",
    "en": "English",
    "ru": "Русский",
    "et": "Eesti",
    "ar": "العربية",
}


class Translator:
    """Everything language-dependent for one user: messages, plurals, dates, direction."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._t = _catalog(self.lang)
        self.locale = Locale.parse(self.lang)
        # Babel looks up the locale's patterns on every call: a dispatch burst renders the same
        # few dates and times thousands of times (bench/README.md, dispatch). Keyed by the local
        # date, or the local wall time and its offset; emptied when full.
        self._texts: dict[tuple[object, ...], str] = {}

    def _cached(self, key: tuple[object, ...], make: Callable[[], str]) -> str:
        text = self._texts.get(key)
        if text is None:
            if len(self._texts) >= TEXT_CACHE:
                self._texts.clear()
            text = self._texts[key] = make()
        return text

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES

    def ltr(self, text: object) -> str:
        """Wrap a left-to-right piece (name, time, code, link) so RTL text does not scramble it."""
        value = str(text)
        return f"{_LRI}{value}{_PDI}" if self.rtl else value

    def date(self, value: dt.date | dt.datetime, zone: tzinfo | None = None) -> str:
        """A date in the user's locale, e.g. '3.12.2026'."""
        if isinstance(value, dt.datetime) and zone is not None:
            value = value.astimezone(zone)
        day = value.date() if isinstance(value, dt.datetime) else value
        return self._cached(
            ("medium", day), lambda: self.ltr(format_date(day, format="medium", locale=self.locale))
        )

    def day(self, value: dt.date | dt.datetime, zone: tzinfo | None = None) -> str:
        """Weekday and date in words, e.g. 'torstai 3. joulukuuta 2026'."""
        if isinstance(value, dt.datetime) and zone is not None:
            value = value.astimezone(zone)
        day = value.date() if isinstance(value, dt.datetime) else value
        return self._cached(
            ("full", day), lambda: self.ltr(format_date(day, format="full", locale=self.locale))
        )

    def time(self, value: dt.datetime, zone: tzinfo) -> str:
        """Local time of day, e.g. '10.00' in Finnish, '10:00 AM' in English."""
        local = value.astimezone(zone)
        return self._cached(
            ("time", local.replace(tzinfo=None), local.utcoffset()),
            lambda: self.ltr(format_time(local, format="short", locale=self.locale)),
        )

    def datetime(self, value: dt.datetime, zone: tzinfo) -> str:
        """Weekday, date and time."""
        return f"{self.day(value, zone)} {self.time(value, zone)}"

    def stamp(self, value: dt.datetime, zone: tzinfo) -> str:
        """Compact date and time for lists."""
        return self.ltr(format_datetime(value.astimezone(zone), format="short", locale=self.locale))


@cache
def translator(lang: str | None) -> Translator:
    """A cached translator for a language code."""
    return Translator(lang or DEFAULT_LANGUAGE)
