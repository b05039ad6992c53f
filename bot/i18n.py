"""Translations: catalogs loaded once, a translator chosen per user, Babel for dates and times.

The locale is always passed explicitly: a scheduled reminder has no incoming update to take it
from, and a process-global `gettext.install` would mix clients' languages.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from copy import copy
from dataclasses import replace
from datetime import tzinfo
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.dates import DateForms, day_of, local

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "silta"
DEFAULT_LANGUAGE = "fi"
# Languages offered to users, in the order buttons show them.
LANGUAGES = ("fi", "sv", "en", "ru", "et", "ar")
RTL_LANGUAGES = frozenset({"ar"})
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
        self.locale = Locale.parse(self.lang)  # numbers and durations; dates use bot.dates
        # Translators: joins a date and a time where CLDR has no word for it (Estonian "kell").
        self.forms = DateForms(self.lang, fallback_join=self.gettext(N_("{date} at {time}")))
        # This translator bound to a reader's "today" (see at()), by that day.
        self._bound: dict[dt.date, Translator] = {}

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

    def at(self, now: dt.datetime, zone: tzinfo) -> Translator:
        """This translator for a reader whose "now" is `now` in `zone`: dates then say "today" and
        "tomorrow" where true and leave out the current year."""
        today = now.astimezone(zone).date()
        bound = self._bound.get(today)
        if bound is None:
            # One per day is kept (a translator per message was a tenth of preparing one).
            bound = copy(self)
            bound.forms = replace(self.forms, today=today)
            bound._bound = {}
            if len(self._bound) > 2:
                self._bound.clear()
            self._bound[today] = bound
        return bound

    def date(
        self, value: dt.date | dt.datetime, zone: tzinfo | None = None, *, relative: bool = True
    ) -> str:
        """The date alone, e.g. '3.12.', 'tomorrow', '3.12.2027' ('relative=False': never
        'today' or 'tomorrow', as on a chart's axis)."""
        return self.forms.date(day_of(local(value, zone)), relative_words=relative)

    def day(self, value: dt.date | dt.datetime, zone: tzinfo | None = None) -> str:
        """Weekday and date, e.g. 'to 3.12.', 'today', 'to 3.12.2027'."""
        return self.forms.day(day_of(local(value, zone)))

    def time(self, value: dt.datetime, zone: tzinfo) -> str:
        """A 24-hour local time of day, e.g. '12.30' in Finnish, '12:30' in Russian."""
        return self.ltr(self.forms.time(value.astimezone(zone)))

    def datetime(self, value: dt.datetime, zone: tzinfo) -> str:
        """Weekday, date and time, e.g. 'to 3.12. klo 12.30', 'tomorrow at 12.30'."""
        return self.forms.join(self.day(value, zone), self.time(value, zone))

    def stamp(self, value: dt.datetime, zone: tzinfo) -> str:
        """Date and time for lists, e.g. '3.12. klo 12.30', 'today at 9.05'."""
        return self.forms.join(self.date(value, zone), self.time(value, zone))

    def record(self, value: dt.date | dt.datetime, zone: tzinfo | None = None) -> str:
        """Date with the year (and time), as records in the client system carry them."""
        return self.ltr(self.forms.record(local(value, zone)))


@cache
def translator(lang: str | None) -> Translator:
    """A cached translator for a language code."""
    return Translator(lang or DEFAULT_LANGUAGE)
