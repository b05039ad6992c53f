"""Charts drawn by matplotlib: every Silta language can be drawn, Arabic shaped right to left."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.image import imread
from matplotlib.text import Text

from bot import charts
from bot.i18n import translator
from bot.services.records import TeamReport, Week
from bot.services.stats import Stats
from handlers.admin.report import activity_figure
from handlers.admin.stats import stats_figure

SINCE = datetime(2026, 11, 2, tzinfo=UTC)
STATS = Stats(
    days=30,
    since=SINCE,
    until=SINCE + timedelta(days=30),
    clients={"active": 5, "paused": 1, "invited": 2, "unreachable": 0, "closed": 1},
    checkins_sent=40,
    checkins_answered=31,
    alerts={"no_answer": 4, "not_good": 2},
    appointments={"total": 6, "confirmed": 4, "attended": 5, "missed": 1},
)
REPORT = TeamReport(
    team="North",
    since=SINCE,
    until=SINCE + timedelta(days=28),
    rows=[],
    weeks=[
        Week(date(2026, 11, 2), 9, 2, 35.0),
        Week(date(2026, 11, 9), 7, 4, None),
        Week(date(2026, 11, 16), 11, 0, 12.5),
        Week(date(2026, 11, 23), 8, 1, 80.0),
    ],
)
FONT = get_font(findfont(FontProperties(family=charts.FONT), fallback_to_default=False))


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _looks_drawn(png: bytes) -> tuple[int, int]:
    """(width, height) of a PNG that is not blank: several colours, mostly white."""
    pixels = imread(io.BytesIO(png))
    height, width = pixels.shape[:2]
    colours = {tuple(p) for p in pixels.reshape(-1, pixels.shape[2])[::97].round(2).tolist()}
    assert len(colours) > 5, "the chart is blank"
    return width, height


def _drawable(text: str) -> bool:
    """Every character has a glyph in the chart font (no tofu boxes)."""
    return all(ch.isspace() or FONT.get_char_index(ord(ch)) for ch in text)


@pytest.mark.parametrize("lang", ["fi", "ru", "ar"])
def test_the_stats_chart_is_drawn_in_the_admins_language(lang: str) -> None:
    t = translator(lang)
    fig = stats_figure(t, STATS)
    texts = _texts(fig)
    for label in ("Check-ins", "Answered", "Alerts", "No answer", "Appointments", "Missed"):
        assert charts.shape(t(label)) in texts, label
    title = t.ngettext("Silta: last {days} day", "Silta: last {days} days", 30).format(days=30)
    assert charts.shape(title) in texts
    assert all(_drawable(text) for text in texts)
    width, height = _looks_drawn(charts.png(fig))
    assert width == 760 and 300 < height < 1400


@pytest.mark.parametrize("lang", ["fi", "ru", "ar"])
def test_the_team_activity_chart_is_drawn_in_the_admins_language(lang: str) -> None:
    t = translator(lang)
    fig = activity_figure(t, REPORT)
    texts = _texts(fig)
    for label in ("Answered", "Unanswered", "Check-ins", "Median time to take an alert"):
        assert charts.shape(t(label)) in texts, label
    assert "35" in texts and "–" in texts, "each week's median is written on its bar"
    assert all(_drawable(text) for text in texts)
    width, height = _looks_drawn(charts.png(fig))
    assert (width, height) == (760, 720)


def test_arabic_is_shaped_and_set_right_to_left() -> None:
    answered = translator("ar")("Answered")
    drawn = charts.shape(answered)
    # Joined letter forms (Arabic Presentation Forms-B), in visual order: the last letter first.
    assert all("\ufe70" <= ch <= "\ufeff" or ch == " " for ch in drawn)
    assert drawn != answered and len(drawn) <= len(answered)
    assert charts.shape("Vastattu") == "Vastattu"
    assert charts.shape("Ответы") == "Ответы"
    assert charts.shape("\u2066North\u2069") == "North", "direction marks are not drawn"
