"""Dates and times as people write them here: the one place every message takes its date forms.

Everything comes from CLDR through Babel, with Finland's locales where their forms are the ones
people here write (fi_FI, sv_FI); English is en_GB ("Thu 3 Dec at 12:30", as the service asked;
en_FI would write "Thu, 3 Dec at 12.30"); Russian and Estonian readers get their home locales,
Arabic the general one, whose month names every Arabic reader knows: "to 3.12. klo 12.30",
"tors 3.12 kl. 12.30", "Thu 3 Dec at 12:30", "чт, 3 декабря в 12:30". Times are 24-hour in every
language. The year is written only when it is not the reader's current year, and "today" /
"tomorrow" replace the date where they are true in the reader's time zone (a form made without
knowing today keeps the year and no relative word). Only skeletons are chosen here, never
patterns: CLDR decides the order, the punctuation and the grammatical form (Russian months come in
the genitive, "3 декабря").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_skeleton

# The CLDR locale for each language of Silta.
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB", "ru": "ru_RU", "et": "et_EE", "ar": "ar"}

# Per language, the skeletons of (weekday and date, date alone); a year adds "y" in front. Finnish
# and Swedish readers here write dates in numbers; Russian needs the month's name for its genitive
# form ("3 декабря"), and the others read a month name more easily than a day/month pair.
SKELETONS = {
    "fi": ("MEd", "Md"),
    "sv": ("MEd", "Md"),
    "en": ("MMMEd", "MMMd"),
    "ru": ("MMMMEd", "MMMMd"),
    "et": ("MMMMEd", "MMMMd"),
    "ar": ("MMMEd", "MMMd"),
}
TIME_SKELETON = "Hm"  # 24-hour clock everywhere, CLDR's separator ("12.30" in Finland)


@cache
def locale_of(lang: str) -> Locale:
    """The CLDR locale for a language of Silta (Finnish for an unknown one)."""
    return Locale.parse(LOCALES.get(lang, LOCALES["fi"]))


@cache
def at_time_pattern(lang: str) -> str | None:
    """CLDR's "date at time" pattern ("{1} 'klo' {0}"), or None where CLDR has none."""
    patterns = locale_of(lang).datetime_formats_relative
    if not patterns or "full" not in patterns:
        return None
    # The quoted literal is CLDR's word for "at"; the quotes only escape it.
    return str(patterns["full"]).replace("'", "")


@lru_cache(maxsize=4096)
def _formatted(skeleton: str, value: dt.date | dt.time, lang: str) -> str:
    """Babel's text for a skeleton, kept: Babel looks the locale's patterns up on every call, and
    a morning's dispatch renders the same few dates and times thousands of times."""
    return format_skeleton(skeleton, value, locale=locale_of(lang))


@dataclass(frozen=True, slots=True)
class DateForms:
    """The date forms of one language for a reader whose today is `today` (None: not known).

    `fallback_join` is the catalog's "{date} at {time}" for a language CLDR gives no pattern for.
    """

    lang: str
    today: dt.date | None = None
    fallback_join: str = "{date} {time}"

    def _relative(self, day: dt.date) -> str | None:
        """CLDR's "today" or "tomorrow" when one of them is true, else None."""
        if self.today is None:
            return None
        offset = (day - self.today).days
        if offset not in (0, 1):
            return None
        # CLDR's day field ("tänään", "i morgon"); Babel keeps it but has no public accessor.
        return str(locale_of(self.lang)._data["date_fields"]["day"]["relative"][offset])

    def _skeleton(self, day: dt.date, index: int) -> str:
        skeleton = SKELETONS.get(self.lang, SKELETONS["fi"])[index]
        same_year = self.today is not None and day.year == self.today.year
        return skeleton if same_year else "y" + skeleton

    def day(self, day: dt.date) -> str:
        """Weekday and date ("to 3.12."), or "today" / "tomorrow"."""
        relative = self._relative(day)
        if relative is not None:
            return relative
        return _formatted(self._skeleton(day, 0), day, self.lang)

    def date(self, day: dt.date, *, relative_words: bool = True) -> str:
        """The date alone ("3.12."), or "today" / "tomorrow" (unless `relative_words` is off)."""
        relative = self._relative(day) if relative_words else None
        if relative is not None:
            return relative
        return _formatted(self._skeleton(day, 1), day, self.lang)

    def time(self, local: dt.datetime | dt.time) -> str:
        """A 24-hour time of day ("12.30")."""
        return _formatted(TIME_SKELETON, dt.time(local.hour, local.minute), self.lang)

    def join(self, date_text: str, time_text: str) -> str:
        """A date and a time with the language's connecting word ("klo", "kl.", "at", "в")."""
        pattern = at_time_pattern(self.lang)
        if pattern is None:
            return self.fallback_join.format(date=date_text, time=time_text)
        return pattern.replace("{1}", date_text).replace("{0}", time_text)

    def record(self, local: dt.datetime | dt.date) -> str:
        """An absolute date (and time) with the year, for records copied into the client system."""
        locale = locale_of(self.lang)
        day = format_skeleton("yMd", local, locale=locale)
        if not isinstance(local, dt.datetime):
            return day
        time = format_skeleton(TIME_SKELETON, local, locale=locale)
        return str(locale.datetime_formats["short"]).replace("{1}", day).replace("{0}", time)


def local(value: dt.date | dt.datetime, zone: tzinfo | None) -> dt.date | dt.datetime:
    """A datetime in the reader's zone (a plain date stays as it is)."""
    if isinstance(value, dt.datetime) and zone is not None:
        return value.astimezone(zone)
    return value


def day_of(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day of a date or a (local) datetime."""
    return value.date() if isinstance(value, dt.datetime) else value
