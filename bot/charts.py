"""Charts as PNG, drawn by matplotlib (the Agg renderer, no display) in the DejaVu Sans font it
ships, so labels in every Silta language can be drawn: Cyrillic as is, Arabic shaped and set
right to left first (matplotlib draws characters in the order it is given them)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import arabic_reshaper
from bidi.algorithm import get_display

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FONT = "DejaVu Sans"
WIDTH_INCHES = 7.6  # 760 px at 100 dpi: sharp on a phone, small to send
DPI = 100
INK = "#212529"
MUTED = "#adb5bd"
PALETTE = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e")
ANSWERED, UNANSWERED, TAKEN = "#2ca02c", "#d62728", "#1f77b4"
_STYLE = {"font.family": FONT, "font.size": 13, "text.color": INK, "axes.edgecolor": MUTED}
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_ISOLATES = re.compile("[\u2066-\u2069\u200e\u200f]")


def shape(text: str) -> str:
    """Text as matplotlib must be given it: Arabic letters joined and in visual order."""
    text = _ISOLATES.sub("", text)  # direction marks are for chat clients; the font lacks them
    if not _RTL.search(text):
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


def is_rtl(text: str) -> bool:
    return bool(_RTL.search(text))


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


def _matplotlib() -> tuple[Any, Any, Any]:
    """matplotlib, its Figure and its Agg canvas, imported on the first chart: importing them
    adds about 0.6 s to the bot's start-up (bench.startup) for a chart an admin may never ask
    for."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return matplotlib, Figure, FigureCanvasAgg


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    _matplotlib()[2](fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _bars(ax: Axes, section: Section, colour: str, rtl: bool) -> None:
    """One section's horizontal bars with their labels and numbers."""
    bars = list(section.bars) or [Bar("–", 0)]
    rows = range(len(bars))
    top = max((b.value for b in bars), default=0) or 1
    ax.barh(rows, [b.value for b in bars], color=colour, height=0.65)
    ax.set_yticks(list(rows), [shape(b.label) for b in bars])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.3)
    ax.set_title(shape(section.title), loc="right" if rtl else "left", fontweight="bold")
    for row, bar in zip(rows, bars, strict=True):
        number = f"{bar.value} {bar.note}" if bar.note else str(bar.value)
        ax.text(bar.value + top * 0.02, row, shape(number), va="center")
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if rtl:
        # Right to left: bars grow leftwards from labels on the right.
        ax.invert_xaxis()
        ax.yaxis.tick_right()
        ax.spines["left"].set_visible(False)
        ax.spines["right"].set_visible(True)
        for text in ax.texts:
            text.set_horizontalalignment("right")


def bar_figure(title: str, sections: Sequence[Section]) -> Figure:
    """Titled sections of horizontal bars, each with its own scale (counts differ widely)."""
    rtl = is_rtl(title)
    heights = [max(1, len(s.bars)) + 1.2 for s in sections]
    matplotlib, figure, _ = _matplotlib()
    with matplotlib.rc_context(_STYLE):
        fig = figure(figsize=(WIDTH_INCHES, 0.42 * sum(heights) + 1.0), dpi=DPI)
        axes = fig.subplots(len(sections), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
        fig.suptitle(shape(title), fontsize=17, fontweight="bold")
        for index, (ax, section) in enumerate(zip(axes[:, 0], sections, strict=True)):
            _bars(ax, section, PALETTE[index % len(PALETTE)], rtl)
        fig.tight_layout()
    return fig


def bar_chart(title: str, sections: Sequence[Section]) -> bytes:
    """PNG of titled sections of horizontal bars, each bar labelled and carrying its number."""
    return png(bar_figure(title, sections))


@dataclass(frozen=True)
class ActivityLabels:
    """The words of the team activity chart, in the reader's language."""

    title: str
    checkins: str
    answered: str
    unanswered: str
    taken: str  # the axis of the median time to take an alert
    minutes: str


def activity_figure(
    labels: ActivityLabels,
    weeks: Sequence[str],
    answered: Sequence[int],
    unanswered: Sequence[int],
    minutes: Sequence[float | None],
) -> Figure:
    """A team's weeks: answered and unanswered check-ins, and the median time to take an alert."""
    rtl = is_rtl(labels.title)
    loc = "right" if rtl else "left"
    xs = list(range(len(weeks)))
    matplotlib, figure, _ = _matplotlib()
    with matplotlib.rc_context(_STYLE):
        fig = figure(figsize=(WIDTH_INCHES, 7.2), dpi=DPI)
        top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        fig.suptitle(shape(labels.title), fontsize=17, fontweight="bold")
        top.bar(xs, answered, color=ANSWERED, label=shape(labels.answered))
        top.bar(xs, unanswered, bottom=answered, color=UNANSWERED, label=shape(labels.unanswered))
        top.set_title(shape(labels.checkins), loc=loc, fontweight="bold")
        top.legend(loc="upper right" if not rtl else "upper left", frameon=False)
        top.yaxis.get_major_locator().set_params(integer=True)
        # Head room above the tallest week keeps the legend off the bars.
        totals = [a + u for a, u in zip(answered, unanswered, strict=True)]
        top.set_ylim(0, max(totals, default=0) * 1.45 + 1)
        taken = [m if m is not None else 0.0 for m in minutes]
        bottom.bar(xs, taken, color=TAKEN)
        for x, value in zip(xs, minutes, strict=True):
            note = "–" if value is None else str(round(value))
            bottom.text(x, (value or 0), note, ha="center", va="bottom")
        bottom.set_title(shape(labels.taken), loc=loc, fontweight="bold")
        bottom.set_ylabel(shape(labels.minutes))
        bottom.set_ylim(0, max(taken, default=0) * 1.25 or 1)
        bottom.set_xticks(xs, [shape(w) for w in weeks])
        for ax in (top, bottom):
            ax.spines["top"].set_visible(False)
            ax.spines["right"].set_visible(False)
            if rtl:
                ax.invert_xaxis()
        fig.tight_layout()
    return fig


def activity_chart(
    labels: ActivityLabels,
    weeks: Sequence[str],
    answered: Sequence[int],
    unanswered: Sequence[int],
    minutes: Sequence[float | None],
) -> bytes:
    """PNG of a team's weekly activity."""
    return png(activity_figure(labels, weeks, answered, unanswered, minutes))
