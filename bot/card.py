"""The printable invite card a worker hands over in the prison meeting: an A6 PDF (or A4 sheets of
four to cut), and a PNG of the same page for Telegram.

fpdf2 sets the text with Noto Sans (Latin and Cyrillic) and Noto Sans Arabic, shaped by HarfBuzz
and laid out right-to-left where the language needs it; pypdfium2 renders the page for the PNG,
so the picture in Telegram and the printout are one layout. Nothing on the card says prison or
social services: it is an invitation, a code, three steps, a first name and a phone number.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import pypdfium2
import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import N_, RTL_LANGUAGES, Translator, translator

__all__ = ["CARD_STEPS", "CardFacts", "card_files", "card_lines", "card_pdf", "card_png"]

# A6 portrait, in millimetres; an A4 sheet holds four of them, two by two.
CARD_W, CARD_H = 105.0, 148.0
SHEET_W, SHEET_H = 210.0, 297.0
_MARGIN = 7.0
_QR_SIZE = 38.0  # about 4 cm: phone cameras read it at arm's length, smudged or not
_QR_MAX = 56.0
_INK = (20, 20, 20)
_GREY = (95, 95, 95)
_LIGHT = (170, 170, 170)
# The second language is Finnish: the card is also read by whoever helps the client (and the
# client may read Finnish better than we guess). With no known language, English comes first.
SECOND_LANGUAGE = "fi"
FALLBACK_LANGUAGE = "en"

TITLE = N_("Your personal invitation")
CARD_STEPS = (
    N_("Scan the QR code with your phone's camera."),
    N_("Or open Telegram and search for {bot}."),
    N_("Tap Start. If you are asked for a code, type the code above."),
)
CONTACT = N_("Contact person")
PHONE = N_("Phone")
VALID_UNTIL = N_("Valid until")


@dataclass(frozen=True)
class CardFacts:
    """What one card shows. `language` is the client's (None: the phone decides)."""

    link: str
    code: str  # grouped for reading: ABCD-EFGH-JKMN
    bot_username: str
    language: str | None
    worker_first_name: str
    team_phone: str
    last_day: date

    @property
    def languages(self) -> tuple[str, ...]:
        """The client's language first, then Finnish (once, if they are the same)."""
        first = self.language or FALLBACK_LANGUAGE
        return (first,) if first == SECOND_LANGUAGE else (first, SECOND_LANGUAGE)


def _fonts() -> tuple[Path, Path]:
    """The font files the font packages ship (variable fonts; their default is Regular)."""
    latin = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
    arabic = Path(fontpkg_noto_sans_arabic.ROOT) / "files" / "NotoSansArabic[wdth,wght].ttf"
    return latin, arabic


def spaced_code(code: str) -> str:
    """The code in groups with wide gaps, for reading off paper: ``ABCD  EFGH  JKMN``."""
    return "  ".join(code.split("-"))


def steps(t: Translator, facts: CardFacts) -> list[str]:
    """The three numbered steps in one language (the bot's name as Telegram search finds it)."""
    # Without the "@": a leading "@" is punctuation that right-to-left text moves to the far end.
    bot = facts.bot_username.removeprefix("@")
    return [f"{i}. " + t(text).format(bot=bot) for i, text in enumerate(CARD_STEPS, start=1)]


def footer(facts: CardFacts) -> list[tuple[str, str]]:
    """(label key, value) columns at the foot of the card; no phone set: no phone column."""
    columns = [(CONTACT, facts.worker_first_name)]
    if facts.team_phone:
        columns.append((PHONE, facts.team_phone))
    # d.M.yyyy reads the same to everyone in Finland, whatever language the card is in.
    columns.append(
        (VALID_UNTIL, f"{facts.last_day.day}.{facts.last_day.month}.{facts.last_day.year}")
    )
    return columns


def card_lines(facts: CardFacts) -> list[str]:
    """Every text the card prints, in order (for tests and for a plain-text fallback)."""
    lines = [translator(lang)(TITLE) for lang in facts.languages]
    lines.append(spaced_code(facts.code))
    for lang in facts.languages:
        lines.extend(steps(translator(lang), facts))
    for label, value in footer(facts):
        lines.extend(translator(lang)(label) for lang in facts.languages)
        lines.append(value)
    return lines


class _Card(FPDF):
    """An fpdf2 document with the card fonts loaded and text shaping on."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__(unit="mm", format=(width, height))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        latin, arabic = _fonts()
        self.add_font("NotoSans", "", latin)
        self.add_font("NotoSansArabic", "", arabic)
        # Arabic letters come from the Arabic face; HarfBuzz shapes them and the bidi
        # algorithm orders each line.
        self.set_fallback_fonts(["NotoSansArabic"], exact_match=False)
        self.set_text_shaping(True)
        self.set_title("Invitation")
        self.set_creator("Silta")

    def text_block(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size: float,
        *,
        lang: str,
        centre: bool = False,
    ) -> float:
        """A wrapped paragraph at (x, y), aligned for its language; returns its height."""
        # After text set in the fallback (Arabic) face fpdf2 may think the requested font is
        # already current and skip selecting it; a different size first forces the switch.
        self.set_font("NotoSans", size=size + 1)
        self.set_font("NotoSans", size=size)
        align = "C" if centre else ("R" if lang in RTL_LANGUAGES else "L")
        if lang in RTL_LANGUAGES:
            # A right-to-left mark at each line's end keeps a closing full stop after a Latin
            # word (the bot's name) at the left end of the line, where Arabic readers expect it.
            text = "\n".join(line + "\u200f" for line in text.split("\n"))
        line = size * 0.46
        self.set_xy(x, y)
        self.multi_cell(w, line, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        return self.get_y() - y

    def fitting_size(self, text: str, w: float, size: float, smallest: float = 7.0) -> float:
        """`size`, or smaller down to `smallest`, so that one line of `text` fits in `w` mm."""
        while size > smallest:
            self.set_font("NotoSans", size=size)
            if self.get_string_width(text) <= w:
                break
            size -= 0.5
        return size

    def block_height(self, w: float, text: str, size: float) -> float:
        """How tall text_block would make this paragraph."""
        self.set_font("NotoSans", size=size)
        height = self.multi_cell(
            w, size * 0.46, text, dry_run=True, output=MethodReturnValue.HEIGHT
        )
        return float(height)

    def qr(self, x: float, y: float, size: float, link: str) -> None:
        """The QR code as filled squares (runs of dark modules), crisp at any printer's size."""
        code = segno.make(link, error="m", micro=False)
        matrix = [list(row) for row in code.matrix]
        module = size / len(matrix)
        self.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # A hair of overlap so no white seams show between modules when printed.
                self.rect(
                    x + start * module,
                    y + r * module,
                    (c - start) * module + 0.01,
                    module + 0.01,
                    "F",
                )


_STEP_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)
_GAP = 2.5
_CODE_SIZE = 21.0


def _steps_height(pdf: _Card, facts: CardFacts, w: float, size: float) -> float:
    """Height of both languages' steps at `size` points (the second language half a point less)."""
    total = 0.0
    for i, lang in enumerate(facts.languages):
        text = "\n".join(steps(translator(lang), facts))
        total += pdf.block_height(w, text, size if i == 0 else size - 0.5) + _GAP
    return total


def _steps_size(pdf: _Card, facts: CardFacts, w: float, room: float) -> float:
    """The largest step font size (points) at which both languages' steps fit in `room` mm."""
    for size in _STEP_SIZES:
        if _steps_height(pdf, facts, w, size) <= room:
            return size
    return _STEP_SIZES[-1]


def _draw(pdf: _Card, facts: CardFacts, x0: float, y0: float) -> None:
    """One card with its top left corner at (x0, y0)."""
    w = CARD_W - 2 * _MARGIN
    x = x0 + _MARGIN
    y = y0 + _MARGIN
    first, *others = facts.languages
    pdf.set_text_color(*_INK)
    y += pdf.text_block(x, y, w, translator(first)(TITLE), 13, lang=first, centre=True)
    pdf.set_text_color(*_GREY)
    for lang in others:
        y += pdf.text_block(x, y, w, translator(lang)(TITLE), 9, lang=lang, centre=True)
    y += _GAP
    footer_top = y0 + CARD_H - _MARGIN - _footer_height(facts)
    # Room the steps leave at their largest size goes to a bigger QR code (easier to scan).
    code_h = pdf.block_height(w, spaced_code(facts.code), _CODE_SIZE)
    spare = footer_top - y - code_h - 2 * _GAP - _steps_height(pdf, facts, w, _STEP_SIZES[0])
    qr_size = max(_QR_SIZE, min(_QR_MAX, spare))
    pdf.qr(x0 + (CARD_W - qr_size) / 2, y, qr_size, facts.link)
    y += qr_size + _GAP
    pdf.set_text_color(*_INK)
    pdf.set_char_spacing(1.2)
    y += pdf.text_block(x, y, w, spaced_code(facts.code), _CODE_SIZE, lang="en", centre=True)
    pdf.set_char_spacing(0)
    y += _GAP
    size = _steps_size(pdf, facts, w, footer_top - y)
    for i, lang in enumerate(facts.languages):
        pdf.set_text_color(*(_INK if i == 0 else _GREY))
        text = "\n".join(steps(translator(lang), facts))
        y += pdf.text_block(x, y, w, text, size if i == 0 else size - 0.5, lang=lang) + _GAP
    _draw_footer(pdf, facts, x, footer_top, w)


def _footer_height(facts: CardFacts) -> float:
    return 4.0 + 3.2 * len(facts.languages) + 5.5


def _draw_footer(pdf: _Card, facts: CardFacts, x: float, y: float, w: float) -> None:
    """Columns of label (each language, small) over value, under a thin rule."""
    pdf.set_draw_color(*_LIGHT)
    pdf.set_line_width(0.2)
    pdf.line(x, y + 1, x + w, y + 1)
    columns = footer(facts)
    col = w / len(columns)
    for i, (label, value) in enumerate(columns):
        cx = x + i * col
        cy = y + 3.0
        pdf.set_text_color(*_GREY)
        for lang in facts.languages:
            cy += pdf.text_block(cx, cy, col, translator(lang)(label), 6.5, lang=lang, centre=True)
        pdf.set_text_color(*_INK)
        pdf.text_block(
            cx,
            cy + 0.6,
            col,
            value,
            pdf.fitting_size(value, col - 2 * pdf.c_margin, 10.5),
            lang="en",
            centre=True,
        )


def _cut_marks(pdf: _Card) -> None:
    """Dashed lines between the four cards of a sheet."""
    pdf.set_draw_color(*_LIGHT)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    pdf.line(SHEET_W / 2, 0, SHEET_W / 2, SHEET_H)
    pdf.line(0, SHEET_H / 2, SHEET_W, SHEET_H / 2)
    pdf.set_dash_pattern()


def card_pdf(cards: Sequence[CardFacts], *, sheet: bool = False) -> bytes:
    """The cards as a PDF: one A6 page each, or A4 pages of four to cut apart."""
    if not cards:
        raise ValueError("no cards to print")
    if not sheet:
        pdf = _Card(CARD_W, CARD_H)
        for facts in cards:
            pdf.add_page()
            _draw(pdf, facts, 0, 0)
        return bytes(pdf.output())
    pdf = _Card(SHEET_W, SHEET_H)
    spots = [(0.0, 0.0), (CARD_W, 0.0), (0.0, SHEET_H / 2), (CARD_W, SHEET_H / 2)]
    for i, facts in enumerate(cards):
        if i % 4 == 0:
            pdf.add_page()
            _cut_marks(pdf)
        x, y = spots[i % 4]
        _draw(pdf, facts, x, y + (SHEET_H / 2 - CARD_H) / 2)
    return bytes(pdf.output())


# PDFium keeps global state and is not safe to call from two threads at once; the bot renders
# cards in worker threads (asyncio.to_thread) so one card does not hold up every other chat.
_PDFIUM = threading.Lock()


def _png_of(pdf: bytes, dpi: int) -> bytes:
    """The first page of `pdf` as a PNG."""
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            image = document[0].render(scale=dpi / 72).to_pil()
        finally:
            document.close()
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_png(facts: CardFacts, *, dpi: int = 216) -> bytes:
    """The A6 card as a PNG (about 890 x 1260 pixels at the default 216 dpi)."""
    return _png_of(card_pdf([facts]), dpi)


def card_files(facts: CardFacts, *, dpi: int = 216) -> tuple[bytes, bytes]:
    """The card as (PNG, A6 PDF), laid out once."""
    pdf = card_pdf([facts])
    return _png_of(pdf, dpi), pdf


# A QR module of 10 px is about 4 cm wide on paper at 300 dpi, easy for a phone camera; the
# quiet zone of 4 modules is what the QR standard asks for.
QR_SCALE = 10
QR_BORDER = 4


def qr_png(link: str, caption: str | None = None) -> bytes:
    """A plain QR code of `link` as a PNG (for a worker's invite), the caption (the code) set
    below it in the card's font. Drawn by segno and Pillow."""
    qr = segno.make(link, error="m", micro=False)
    buffer = BytesIO()
    qr.save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    symbol = Image.open(BytesIO(buffer.getvalue())).convert("L")
    if not caption:
        return _png_bytes(symbol)
    font = ImageFont.truetype(str(_fonts()[0]), size=QR_SCALE * 4)
    width = symbol.width
    left, top, right, bottom = font.getbbox(caption)
    # A caption wider than the symbol is set smaller rather than cut.
    if right - left > width - 2 * QR_SCALE:
        size = max(8, int(QR_SCALE * 4 * (width - 2 * QR_SCALE) / (right - left)))
        font = ImageFont.truetype(str(_fonts()[0]), size=size)
        left, top, right, bottom = font.getbbox(caption)
    image = Image.new("L", (width, symbol.height + (bottom - top) + 3 * QR_SCALE), 255)
    image.paste(symbol, (0, 0))
    draw = ImageDraw.Draw(image)
    draw.text(
        ((width - (right - left)) / 2 - left, symbol.height - top), caption, font=font, fill=0
    )
    return _png_bytes(image)


def _png_bytes(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
