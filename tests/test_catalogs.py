"""The translation catalogs: in step with the code, complete, and safe to send through Telegram.

Every check collects all problems and fails once, so one run shows everything to fix; each problem
names the language, the English msgid and what is wrong.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, translator
from tests.fake_telegram import HtmlError, parse_html, utf16_len

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "silta.pot"
# The Makefile's `extract` adds these to Babel's default keywords (it does not pass
# --no-default-keywords), so the check extracts with the same set.
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None, "N_": None, "ngettext": (1, 2)}
HELLO = "Hello! This is Silta."

MAX_TEXT = 4096  # message text, UTF-16 code units after entity parsing
BUTTON, COMMAND = "button", "command"
MAX_BUTTON_BYTES = 64
MAX_BUTTON_CHARS = 30  # two answer buttons share a row on a narrow phone
MAX_COMMAND_DESCRIPTION = 256
_COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z0-9_]*")
_LEADING_MARK = re.compile(r"^[^\w\s{/<&]+")
_FORMATTER = string.Formatter()

Key = str | tuple[str, ...]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "silta.po"


def _singular(msgid: Key) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _show(msgid: Key) -> str:
    text = _singular(msgid)
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _extracted() -> dict[str, Key]:
    """Every msgid Babel finds in the code with the Makefile's babel.cfg and keywords."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found: dict[str, Key] = {}
    for _name, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else tuple(message)
        found[_singular(key)] = key
    return found


def _fields(text: str) -> Counter[str]:
    """The `{name}` fields of a str.format string (ValueError on unbalanced braces)."""
    return Counter(name for _, name, _, _ in _FORMATTER.parse(text) if name is not None)


def _filled(text: str) -> str:
    """The text with every placeholder replaced by "x", as after .format()."""
    return "".join(
        literal + ("x" if name is not None else "")
        for literal, name, _, _ in _FORMATTER.parse(text)
    )


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _sources(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _text_problems(
    source: str, translation: str, *, plural_sources: Iterable[str] = ()
) -> Iterator[str]:
    """What is wrong with one translated form compared with its English source."""
    if not translation.strip():
        yield "empty translation"
        return
    try:
        got = _fields(translation)
    except ValueError as exc:
        yield f"broken {{placeholder}} braces: {exc}"
        return
    want = _fields(source)
    extra = [_fields(s) for s in plural_sources]
    if extra:
        # A plural form may drop {count} ("one client"), but must not invent or lose others.
        allowed = set(want).union(*extra)
        unknown = set(got) - allowed
        if unknown:
            yield f"unknown placeholders {sorted(unknown)} (source has {sorted(allowed)})"
    elif got != want:
        yield f"placeholders {sorted(got.elements())} differ from source {sorted(want.elements())}"
    if Counter(_COMMAND.findall(translation)) != Counter(_COMMAND.findall(source)):
        yield (
            f"commands {sorted(_COMMAND.findall(translation))} differ from source "
            f"{sorted(_COMMAND.findall(source))}"
        )
    mark = _LEADING_MARK.match(source)
    if mark and not translation.startswith(mark.group(0)):
        yield f"should start with {mark.group(0)!r} like the source"
    if translation.count("\n") != source.count("\n"):
        yield "line breaks differ from source"
    try:
        plain, _ = parse_html(_filled(translation))
    except HtmlError as exc:
        yield f"Telegram would refuse the HTML: {exc}"
        return
    except (ValueError, IndexError, KeyError) as exc:
        yield f"cannot be formatted: {exc!r}"
        return
    if utf16_len(plain) > MAX_TEXT:
        yield f"{utf16_len(plain)} UTF-16 units, more than Telegram's {MAX_TEXT}"


def _n_tables() -> dict[str, set[str]]:
    """msgid -> {"button", "command"}: the N_-marked answer buttons and command-menu entries."""
    from bot import messages
    from handlers import menus as menu_tables

    uses: dict[str, set[str]] = {}
    for table in (
        messages.CHECKIN_CHOICES,
        messages.APPOINTMENT_CHOICES,
        messages.DEADLINE_CHOICES,
    ):
        for _, label in table:
            uses.setdefault(label, set()).add(BUTTON)
    for menu in (
        menu_tables.CLIENT_MENU,
        menu_tables.WORKER_MENU,
        menu_tables.WORKER_ADMIN_MENU,
        menu_tables.ADMIN_MENU,
        menu_tables.PARTNER_MENU,
    ):
        for _, description in menu:
            uses.setdefault(description, set()).add(COMMAND)
    return uses


def _limit_problems(translation: str, uses: set[str]) -> Iterator[str]:
    """Telegram's limits for a button label or a command description."""
    if BUTTON in uses:
        size = len(translation.encode("utf-8"))
        if size > MAX_BUTTON_BYTES:
            yield f"button label is {size} bytes, more than {MAX_BUTTON_BYTES}"
        if len(translation) > MAX_BUTTON_CHARS:
            yield f"button label is {len(translation)} characters, more than {MAX_BUTTON_CHARS}"
    if COMMAND in uses and len(translation) > MAX_COMMAND_DESCRIPTION:
        yield (
            f"command description is {len(translation)} characters, "
            f"more than {MAX_COMMAND_DESCRIPTION}"
        )


def catalog_problems(lang: str, template: Catalog, limits: dict[str, set[str]]) -> list[str]:
    """Everything wrong with one language's catalog, one line each."""
    path = _catalog_path(lang)
    if not path.exists():
        return [f"{lang}: {path.relative_to(ROOT)} is missing (run `make messages`)"]
    catalog = _read(path, lang)
    problems: list[str] = []
    if catalog.fuzzy:
        problems.append(f"{lang}: the header is fuzzy, so the runtime would drop it")
    if catalog.obsolete:
        problems.append(
            f"{lang}: {len(catalog.obsolete)} obsolete #~ entries (run `make messages`)"
        )
    wanted = {m.id for m in template if m.id}
    for message in catalog:
        if message.id and message.id not in wanted:
            problems.append(
                f"{lang}: {_show(message.id)}: not in the template (run `make messages`)"
            )
    for source in template:
        if not source.id:
            continue
        where = f"{lang}: {_show(source.id)}"
        message = catalog.get(source.id)
        if message is None:
            problems.append(f"{where}: missing from the catalog (run `make messages`)")
            continue
        if message.fuzzy:
            problems.append(f"{where}: marked fuzzy (check the translation, remove the flag)")
        sources = _sources(message)
        forms = _forms(message)
        if isinstance(message.id, tuple):
            if len(forms) != catalog.num_plurals:
                problems.append(
                    f"{where}: {len(forms)} plural forms, the language needs {catalog.num_plurals}"
                )
            for i, form in enumerate(forms):
                problems += [
                    f"{where}: plural form {i}: {p}"
                    for p in _text_problems(sources[-1], form, plural_sources=sources[:1])
                ]
            continue
        translation = forms[0]
        problems += [f"{where}: {p}" for p in _text_problems(message.id, translation)]
        if message.id in limits and translation.strip():
            problems += [f"{where}: {p}" for p in _limit_problems(translation, limits[message.id])]
    return problems


def test_template_has_every_string_in_the_code() -> None:
    """locales/silta.pot is what `make messages` would extract from bot/ and handlers/ now."""
    code = _extracted()
    template = {_singular(m.id): m.id for m in _read(TEMPLATE) if m.id}
    problems = [
        f"template: {_show(k)}: in the code but not in locales/silta.pot (run `make messages`)"
        for k in sorted(set(code) - set(template))
    ]
    problems += [
        f"template: {_show(k)}: plural differs from the code (run `make messages`)"
        for k in sorted(set(code) & set(template))
        if code[k] != template[k]
    ]
    problems += [
        f"template: {_show(k)}: no longer in the code (run `make messages`)"
        for k in sorted(set(template) - set(code))
    ]
    assert not problems, "\n".join(problems)


def test_every_catalog_is_complete_and_safe_for_telegram() -> None:
    """Each language has every msgid, translated, with the same placeholders and within limits."""
    template = _read(TEMPLATE)
    limits = _n_tables()
    problems = [p for lang in LANGUAGES for p in catalog_problems(lang, template, limits)]
    assert not problems, f"{len(problems)} catalog problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_the_runtime_loads_each_catalog(lang: str) -> None:
    """The bot's own translator finds the catalog and translates the greeting."""
    assert translator(lang)(HELLO) != HELLO, f"{lang}: the runtime did not translate {HELLO!r}"


def test_english_is_the_source() -> None:
    """English shows the source text as written."""
    assert translator("en")(HELLO) == HELLO


def test_arabic_keeps_times_left_to_right() -> None:
    """Arabic wraps left-to-right pieces in Unicode isolates so times do not scramble."""
    assert translator("ar").ltr("10:00").startswith("\u2066")
