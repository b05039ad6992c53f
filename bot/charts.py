"""A small horizontal bar chart as PNG, drawn in pure Python (no imaging library needed)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.invites import _FONT as _BASE_FONT

Colour = tuple[int, int, int]

# Letters the QR caption font lacks but Estonian and Swedish labels need, and a few symbols.
_EXTRA_GLYPHS: dict[str, tuple[int, ...]] = {
    "Ü": (10, 0, 17, 17, 17, 17, 14),
    "Õ": (13, 18, 14, 17, 17, 17, 14),
    "Š": (10, 4, 15, 16, 14, 1, 30),
    "Ž": (10, 4, 31, 2, 4, 8, 31),
    "É": (2, 4, 31, 16, 30, 16, 31),
    "#": (10, 10, 31, 10, 31, 10, 10),
    "%": (24, 25, 2, 4, 8, 19, 3),
    "+": (0, 4, 4, 31, 4, 4, 0),
    "'": (4, 4, 8, 0, 0, 0, 0),
    "–": (0, 0, 0, 31, 0, 0, 0),
}
_FONT: dict[str, tuple[int, ...]] = {**_BASE_FONT, **_EXTRA_GLYPHS}

WHITE: Colour = (255, 255, 255)
INK: Colour = (33, 37, 41)
MUTED: Colour = (222, 226, 230)
PALETTE: tuple[Colour, ...] = (
    (31, 119, 180),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (255, 127, 14),
)

_MARGIN = 24
_LABEL_CHARS = 20  # longer labels are cut: the chart is read at a glance, not studied
_NUMBER_CHARS = 10


def can_draw(text: str) -> bool:
    """Whether every character of `text` has a glyph (lower case folds to upper)."""
    return all(ch in _FONT for ch in text.upper())


@dataclass(frozen=True)
class Bar:
    """One bar: a short label and a count."""

    label: str
    value: int
    note: str = ""  # drawn after the number, e.g. a share like "67%"


@dataclass(frozen=True)
class Section:
    """A titled group of bars sharing one scale."""

    title: str
    bars: Sequence[Bar] = field(default_factory=tuple)


class _Canvas:
    """An RGB pixel buffer with just the drawing the chart needs."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, colour: Colour) -> None:
        """Fill a rectangle, clipped to the canvas."""
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        run = bytes(colour) * (x1 - x0)
        for row in range(y0, y1):
            start = (row * self.width + x0) * 3
            self.pixels[start : start + len(run)] = run

    def text(self, x: int, y: int, text: str, scale: int, colour: Colour) -> int:
        """Draw text with its top-left corner at (x, y); returns the x after it."""
        for ch in text.upper():
            glyph = _FONT.get(ch, _FONT["?"])
            for line, bits in enumerate(glyph):
                for col in range(5):
                    if bits & (16 >> col):
                        self.rect(x + col * scale, y + line * scale, scale, scale, colour)
            x += 6 * scale
        return x

    def png(self) -> bytes:
        """Encode as an 8-bit RGB PNG."""

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[row * stride : (row + 1) * stride])
            for row in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b"")
        )


def text_width(text: str, scale: int) -> int:
    """Pixels a line of text takes (without the spacing after its last glyph)."""
    return max(0, len(text) * 6 * scale - scale)


def bar_chart(title: str, sections: Sequence[Section], *, width: int = 760) -> bytes:
    """PNG of titled sections of horizontal bars, each bar labelled and carrying its number."""
    label_scale, title_scale = 2, 3
    cell = 6 * label_scale
    row_height, bar_height = 13 * label_scale, 9 * label_scale
    labels = [bar.label[:_LABEL_CHARS] for s in sections for bar in s.bars]
    label_width = max((len(label) for label in labels), default=4) * cell
    bar_left = _MARGIN + label_width + cell
    bar_room = max(40, width - bar_left - _MARGIN - _NUMBER_CHARS * cell)

    height = _MARGIN + 7 * title_scale + 3 * cell
    for section in sections:
        height += 7 * label_scale + cell + max(1, len(section.bars)) * row_height + cell
    height += _MARGIN - cell

    canvas = _Canvas(width, height)
    canvas.text(
        _MARGIN, _MARGIN, title[: (width - 2 * _MARGIN) // (6 * title_scale)], title_scale, INK
    )
    y = _MARGIN + 7 * title_scale + 2 * cell
    for index, section in enumerate(sections):
        colour = PALETTE[index % len(PALETTE)]
        canvas.rect(_MARGIN, y - cell // 2, width - 2 * _MARGIN, 1, MUTED)
        canvas.text(_MARGIN, y, section.title[: (width - 2 * _MARGIN) // cell], label_scale, INK)
        y += 7 * label_scale + cell
        # Each section has its own scale: alert counts stay readable next to check-in counts.
        top = max((bar.value for bar in section.bars), default=0)
        for bar in section.bars:
            label = bar.label[:_LABEL_CHARS]
            label_x = bar_left - cell - text_width(label, label_scale)
            text_y = y + (bar_height - 7 * label_scale) // 2
            canvas.text(label_x, text_y, label, label_scale, INK)
            length = round(bar_room * bar.value / top) if top else 0
            if bar.value > 0:
                length = max(length, 2)
            canvas.rect(bar_left, y, length, bar_height, colour)
            number = f"{bar.value} {bar.note}" if bar.note else str(bar.value)
            canvas.text(
                bar_left + length + cell // 2, text_y, number[:_NUMBER_CHARS], label_scale, INK
            )
            y += row_height
        if not section.bars:
            canvas.text(bar_left, y, "-", label_scale, INK)
            y += row_height
        y += cell
    return canvas.png()
