"""The service guide: short topics in plain language that a county keeps as data (a TOML file).

A guide is read and checked whole: every problem is named with its place in the file and
nothing is used until there are none. Each topic is written in every language, or names the
language it falls back to (fi or en), and the client then sees a note that it is not yet in
their language.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from bot.i18n import LANGUAGES

# A title is a button label; a topic's text fits one Telegram message with room for the note.
MAX_TITLE = 30
MAX_TEXT = 3000
MAX_TOPICS = 20
FALLBACKS = ("fi", "en")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,19}")


class GuideError(Exception):
    """A guide file with problems; `problems` holds (place, what is wrong) for each."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{place}: {what}" for place, what in problems))
        self.problems = problems


@dataclass(frozen=True)
class Topic:
    """One screen of the guide, in several languages."""

    key: str
    title: dict[str, str]
    text: dict[str, str]
    fallback: str | None = None

    def language_for(self, lang: str) -> str:
        """The language this topic is shown in to a reader of `lang`."""
        if lang in self.text:
            return lang
        return self.fallback or "fi"


@dataclass(frozen=True)
class Guide:
    """The topics in the order the county wrote them."""

    topics: list[Topic] = field(default_factory=list)

    def topic(self, key: str) -> Topic | None:
        """A topic by its key."""
        return next((topic for topic in self.topics if topic.key == key), None)


def _texts(place: str, value: Any, limit: int, problems: list[tuple[str, str]]) -> dict[str, str]:
    """A {language: text} table, each text present and within `limit` characters."""
    if not isinstance(value, dict):
        problems.append((place, 'must be a table of languages, e.g. fi = "..."'))
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.append((f"{place}.{lang}", f"unknown language; use {', '.join(LANGUAGES)}"))
        elif not isinstance(text, str) or not text.strip():
            problems.append((f"{place}.{lang}", "must be text, not empty"))
        elif len(text.strip()) > limit:
            problems.append((f"{place}.{lang}", f"{len(text.strip())} characters; at most {limit}"))
        else:
            out[lang] = text.strip()
    return out


def _topic(key: str, body: Any, problems: list[tuple[str, str]]) -> Topic | None:
    """One topic, checked; None when it cannot be read at all."""
    place = f"topics.{key}"
    if not _KEY.fullmatch(key):
        problems.append((place, "topic keys use a-z, 0-9 and _, at most 20, e.g. housing"))
    if not isinstance(body, dict):
        problems.append((place, "must be a table with title and text"))
        return None
    for extra in sorted(set(body) - {"title", "text", "fallback"}):
        problems.append((f"{place}.{extra}", "unknown field; use title, text, fallback"))
    title = _texts(f"{place}.title", body.get("title", {}), MAX_TITLE, problems)
    text = _texts(f"{place}.text", body.get("text", {}), MAX_TEXT, problems)
    fallback = body.get("fallback")
    if fallback is not None and fallback not in FALLBACKS:
        problems.append((f"{place}.fallback", "must be fi or en"))
        fallback = None
    for lang in FALLBACKS:
        for part, table in (("title", title), ("text", text)):
            if lang not in table:
                problems.append((f"{place}.{part}.{lang}", f"required: {lang} is the fallback"))
    if fallback is None:
        for lang in LANGUAGES:
            for part, table in (("title", title), ("text", text)):
                if lang not in table and lang not in FALLBACKS:
                    problems.append(
                        (
                            f"{place}.{part}.{lang}",
                            'missing; write it, or set fallback = "fi" or "en" for this topic',
                        )
                    )
    for lang in set(title) ^ set(text):
        problems.append((f"{place}.{lang}", "a language needs both title and text"))
    return Topic(key=key, title=title, text=text, fallback=fallback)


def guide_from_dict(data: dict[str, Any]) -> Guide:
    """A checked guide from parsed TOML; raises GuideError naming every problem."""
    problems: list[tuple[str, str]] = []
    for extra in sorted(set(data) - {"topics"}):
        problems.append((extra, "unknown section; the guide has only [topics.KEY] tables"))
    raw = data.get("topics")
    if not isinstance(raw, dict) or not raw:
        raise GuideError([*problems, ("topics", "no topics; write [topics.KEY] tables")])
    if len(raw) > MAX_TOPICS:
        problems.append(("topics", f"{len(raw)} topics; at most {MAX_TOPICS}"))
    topics = [topic for key, body in raw.items() if (topic := _topic(key, body, problems))]
    if problems:
        raise GuideError(problems)
    return Guide(topics)


def guide_from_toml(text: str) -> Guide:
    """A checked guide from a TOML file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GuideError([("file", f"not valid TOML: {exc}")]) from None
    return guide_from_dict(data)


def guide_to_dict(guide: Guide) -> dict[str, Any]:
    """Plain data for storing a version (guide_from_dict reads it back)."""
    topics: dict[str, Any] = {}
    for topic in guide.topics:
        body: dict[str, Any] = {"title": topic.title, "text": topic.text}
        if topic.fallback:
            body["fallback"] = topic.fallback
        topics[topic.key] = body
    return {"topics": topics}


def _string(text: str) -> str:
    """A TOML string: multi-line literal when it has line breaks and no triple quotes."""
    if "\n" in text and "'''" not in text:
        return "'''\n" + text + "'''"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def guide_to_toml(guide: Guide) -> str:
    """The guide as a TOML file an admin edits and applies again."""
    lines = [
        "# Silta service guide: one [topics.KEY] table per topic, shown in this order.",
        f"# title: a button label (at most {MAX_TITLE} characters); text: one screen (at most "
        f"{MAX_TEXT}).",
        '# Every language (fi, sv, en, ru, et, ar), or fallback = "fi" / "en" for a topic',
        "# not yet translated. Plain words, short sentences; no personal data.",
        "",
    ]
    for topic in guide.topics:
        lines.append(f"[topics.{topic.key}]")
        if topic.fallback:
            lines.append(f'fallback = "{topic.fallback}"')
        for lang, title in topic.title.items():
            lines.append(f"title.{lang} = {_string(title)}")
        for lang, text in topic.text.items():
            lines.append(f"text.{lang} = {_string(text)}")
        lines.append("")
    return "\n".join(lines)


def default_guide() -> Guide:
    """The guide shipped with Silta (Central Finland), used until an admin applies one."""
    text = files("bot.guide").joinpath("default.toml").read_text(encoding="utf-8")
    return guide_from_toml(text)


def guide_in_force(latest: tuple[int, dict[str, Any]] | None) -> tuple[int, Guide]:
    """(version, guide) from the newest stored version; version 0 is the shipped default."""
    if latest is None:
        return 0, default_guide()
    version, body = latest
    try:
        return version, guide_from_dict(body)
    except GuideError:
        # A stored version was checked when applied; should a newer Silta check more strictly,
        # the shipped guide is shown rather than nothing.
        return 0, default_guide()
