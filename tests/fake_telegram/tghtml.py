"""Telegram's HTML parse mode: a strict, linear parser that yields plain text and entities."""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["HtmlError", "parse_html", "parse_html_cached", "utf16_len"]

# Tags Telegram accepts (core.telegram.org/bots/api#html-style) and the entity each makes.
_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# Attributes each tag may carry; anything else is refused so typos surface in tests.
_ATTRS: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "span": frozenset({"class"}),
    "code": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_NO_ATTRS: frozenset[str] = frozenset()
_NO_END_TAG = "Can't parse entities: can't find end tag corresponding to start tag"

_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*>"
)
_ATTR = re.compile(
    r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)


class HtmlError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for offsets and limits."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _unescape(value: str) -> str:
    """Decode entities inside an attribute value (href="a?b=1&amp;c=2")."""
    if "&" not in value:
        return value
    out: list[str] = []
    pos = 0
    while True:
        amp = value.find("&", pos)
        if amp < 0:
            out.append(value[pos:])
            return "".join(out)
        out.append(value[pos:amp])
        match = _ENTITY.match(value, amp)
        if match is None:
            raise HtmlError("Can't parse entities: character '&' in an attribute is not escaped")
        out.append(_decode_entity(match))
        pos = match.end()


def _decode_entity(match: re.Match[str]) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named]
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise HtmlError(f"Can't parse entities: invalid character reference {match.group(0)}")
    return chr(code)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities with UTF-16 offsets); raise HtmlError."""
    if "<" not in text and "&" not in text:
        return text, []
    parts: list[str] = []
    out_len = 0  # UTF-16 length of the plain text produced so far
    # Open tags: (name, entity type, UTF-16 start, extra entity fields, byte-offset position).
    stack: list[tuple[str, str, int, dict[str, Any], int]] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    while True:
        special = _SPECIAL.search(text, pos)
        end = special.start() if special else len(text)
        if end > pos:
            chunk = text[pos:end]
            parts.append(chunk)
            out_len += utf16_len(chunk)
        if special is None:
            break
        pos = end
        if text[pos] == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                raise HtmlError(
                    "Can't parse entities: character '&' at byte offset "
                    f"{_byte_offset(text, pos)} must be escaped as &amp;"
                )
            char = _decode_entity(match)
            parts.append(char)
            out_len += utf16_len(char)
            pos = match.end()
            continue
        match = _TAG.match(text, pos)
        if match is None:
            raise HtmlError(
                "Can't parse entities: unsupported start tag or unescaped '<' at byte offset "
                f"{_byte_offset(text, pos)}"
            )
        closing, name, attr_text = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if attr_text.strip():
                raise HtmlError(f'Can\'t parse entities: end tag "{name}" has attributes')
            if not stack:
                raise HtmlError(
                    f'Can\'t parse entities: unexpected end tag "{name}" at byte offset '
                    f"{_byte_offset(text, pos)}"
                )
            open_name, etype, start, extra, _ = stack.pop()
            if open_name != name:
                raise HtmlError(f'{_NO_END_TAG} "{open_name}"')
            if out_len > start:
                entities.append(
                    {"type": etype, "offset": start, "length": out_len - start, **extra}
                )
            pos = match.end()
            continue
        etype = _TAGS.get(name)
        if etype is None:
            raise HtmlError(
                f'Can\'t parse entities: unsupported start tag "{name}" at byte offset '
                f"{_byte_offset(text, pos)}"
            )
        attrs = _parse_attrs(name, attr_text)
        extra = _entity_extra(name, attrs, stack)
        if extra is None:  # <code> inside <pre> sets the language of the pre block
            stack.append((name, "", out_len, {}, pos))
        else:
            etype = extra.pop("type", etype)
            stack.append((name, etype, out_len, extra, pos))
        pos = match.end()
    if stack:
        raise HtmlError(f'{_NO_END_TAG} "{stack[-1][0]}"')
    # A <code> inside <pre> produced an entity of type "" to drop; its language went onto the pre.
    entities = [e for e in entities if e["type"]]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), entities


@functools.lru_cache(maxsize=1024)
def parse_html_cached(text: str) -> tuple[str, tuple[dict[str, Any], ...]]:
    """parse_html, remembered: the validator and the transcript both parse each message."""
    plain, entities = parse_html(text)
    return plain, tuple(entities)


def _parse_attrs(name: str, attr_text: str) -> dict[str, str]:
    allowed = _ATTRS.get(name, _NO_ATTRS)
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(attr_text):
        key = match.group(1).lower()
        if key not in allowed:
            raise HtmlError(f'Can\'t parse entities: unsupported attribute "{key}" in tag "{name}"')
        raw = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[key] = _unescape(raw)
    return attrs


def _entity_extra(
    name: str, attrs: dict[str, str], stack: list[tuple[str, str, int, dict[str, Any], int]]
) -> dict[str, Any] | None:
    """Check nesting rules and return the extra entity fields (None: <code> inside <pre>)."""
    parent = stack[-1][0] if stack else None
    if parent in ("pre", "code") and not (name == "code" and parent == "pre"):
        raise HtmlError(f'Can\'t parse entities: tag "{name}" can\'t be nested inside "{parent}"')
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            raise HtmlError('Can\'t parse entities: tag "a" needs a non-empty href')
        if any(entry[0] == "a" for entry in stack):
            raise HtmlError('Can\'t parse entities: tag "a" can\'t be nested inside "a"')
        return {"url": href}
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HtmlError('Can\'t parse entities: tag "span" must have class "tg-spoiler"')
        return {}
    if name == "tg-emoji":
        if not attrs.get("emoji-id"):
            raise HtmlError('Can\'t parse entities: tag "tg-emoji" needs an emoji-id')
        return {"custom_emoji_id": attrs["emoji-id"]}
    if name == "blockquote":
        if any(entry[0] == "blockquote" for entry in stack):
            raise HtmlError("Can't parse entities: blockquote can't be nested inside blockquote")
        return {"type": "expandable_blockquote"} if "expandable" in attrs else {}
    if name == "code":
        if parent == "pre":
            lang = attrs.get("class", "")
            if lang.startswith("language-"):
                stack[-1][3]["language"] = lang[len("language-") :]
            return None
        if "class" in attrs:
            raise HtmlError('Can\'t parse entities: "code" may have a class only inside "pre"')
    return {}
