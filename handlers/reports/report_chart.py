"""The report's PNG chart: agenda items and decisions per GCM objective, as horizontal bars.

Drawn with Pillow's ImageDraw in 15 to 30 ms; matplotlib took 0.7 to 1.7 s for the first
chart of a process (its import, then layout and text). The text is Pillow's bundled scalable
font (``ImageFont.load_default(size=...)``, through the FreeType that Pillow's wheels include),
so a plain ``pip install`` draws the same chart on any machine.

Text is most of the drawing, and most of a report's text is the same every time (the title,
the 23 objective labels, the legend, recurring numbers): each string is rasterised once per
process (``_glyphs``, cached) and then only stamped onto the picture, as ``ImageDraw.text``
does after rasterising, so the chart is pixel for pixel what ``ImageDraw.text`` draws.

The picture is drawn in RGB, then mapped to a palette of its own few colours before it is
saved: a palette PNG encodes in a few ms where an RGB one takes 20 to 40 ms (PNG filters
every row of 3.3 MB), and it is a third of the size.
"""

import functools
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from handlers.reports.report_data import ObjectiveLine

Image.preinit()  # Pillow loads its file-format plugins on the first save: at start-up, not then

WIDTH = 1100  # what Slack and Teams previews show without scaling it down much
MARGIN = 16
ROW = 36  # per objective: its two bars and the space between objectives
BAR = 14
LABELS = 420  # the column of objective names, left of the bars
TITLE = 48  # above the bars
BELOW = 96  # under the bars: tick values, the axis name and the legend
EMPTY = 80  # under the title of a chart with nothing to show, for the sentence saying so
AGENDA_COLOUR = (76, 114, 176)
DECISIONS_COLOUR = (221, 132, 82)
TEXT = (34, 34, 34)
GRID = (221, 221, 221)
AXIS = (120, 120, 120)
# the shades of the text's smoothed edges on white, from TEXT to white
TEXT_EDGES = [tuple(t + (255 - t) * step // 15 for t in TEXT) for step in range(16)]
PALETTE = Image.new("P", (1, 1))
PALETTE.putpalette([c for colour in (AGENDA_COLOUR, DECISIONS_COLOUR, GRID, AXIS, *TEXT_EDGES)
                    for c in colour])
SMALL, NORMAL, TITLE_SIZE = 12, 13, 18  # font sizes: numbers, labels, the title


def activity_chart(network: str, period: str, lines: "Sequence[ObjectiveLine]") -> bytes:
    """The PNG: per objective (1 at the top), a bar for its agenda items and one for its
    decisions, each with its value; whole-number gridlines; a title and a legend. A year (or
    span, ``period``) without any says "no activity in 2031" under the title instead, rather
    than an empty plot that could pass for one whose bars failed to draw."""
    largest = max((max(o.agenda_items, o.decisions) for o in lines), default=0)
    height = TITLE + (ROW * len(lines) + BELOW if largest else EMPTY)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    _text(draw, (WIDTH / 2, MARGIN),
          _fit(f"{network}: activity per GCM objective, {period}", TITLE_SIZE,
               WIDTH - 2 * MARGIN), TITLE_SIZE, "mt")
    if largest:
        _bars(draw, lines, largest)
    else:
        _text(draw, (WIDTH / 2, TITLE + EMPTY / 2), f"no activity in {period}", TITLE_SIZE,
              "mm")
    buffer = io.BytesIO()
    image.quantize(palette=PALETTE, dither=Image.Dither.NONE).save(
        buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _bars(draw: ImageDraw.ImageDraw, lines: "Sequence[ObjectiveLine]", largest: int) -> None:
    """The plot: gridlines and their values, the axes, the labels, the bars, the legend."""
    ticks = _ticks(largest)
    left = MARGIN + LABELS + 8
    room = _length(f"{largest:,}", SMALL) + 8  # for the value right of the longest bar
    scale = (WIDTH - MARGIN - room - left) / ticks[-1]
    top, bottom = TITLE, TITLE + ROW * len(lines)
    for tick in ticks:
        x = left + tick * scale
        draw.line([(x, top), (x, bottom)], GRID)
        _text(draw, (x, bottom + 4), f"{tick:,}", SMALL, "mt")
    draw.line([(left, bottom), (WIDTH - MARGIN, bottom)], AXIS)
    draw.line([(left, top), (left, bottom)], AXIS)
    _text(draw, ((left + WIDTH - MARGIN) / 2, bottom + 24), "Count", NORMAL, "mt")

    for row, line in enumerate(lines):
        y = top + row * ROW + (ROW - 2 * BAR) / 2
        _text(draw, (left - 8, y + BAR), _fit(f"{line.number}. {line.text}", NORMAL, LABELS),
              NORMAL, "rm")
        for offset, value, colour in ((0, line.agenda_items, AGENDA_COLOUR),
                                      (BAR, line.decisions, DECISIONS_COLOUR)):
            if value:
                end = left + max(1, round(value * scale))
                draw.rectangle([(left, y + offset), (end - 1, y + offset + BAR - 1)], colour)
                _text(draw, (end + 4, y + offset + BAR / 2), f"{value:,}", SMALL, "lm")

    _legend(draw, bottom + 56)


def _ticks(largest: int) -> list[int]:
    """Whole-number gridlines from 0 to at least ``largest``, every 1, 2 or 5 times a power
    of ten, no more than 8 intervals."""
    step = next(m * 10 ** e for e in range(20) for m in (1, 2, 5)
                if math.ceil(max(largest, 1) / (m * 10 ** e)) <= 8)
    return list(range(0, step * math.ceil(max(largest, 1) / step) + 1, step))


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled scalable font; a Pillow built without FreeType has only a bitmap
    font, which cannot draw text in these sizes."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("The report's chart needs Pillow with FreeType, as its wheels have.")
    return font


@functools.lru_cache(maxsize=4096)
def _length(text: str, size: int) -> float:
    return _font(size).getlength(text)


@functools.lru_cache(maxsize=1024)
def _glyphs(text: str, size: int, anchor: str,
            start: tuple[float, float]) -> tuple[Any, tuple[int, int]]:
    """The text's mask of coverage and its offset from the anchor point, as ``ImageDraw.text``
    makes them (``start`` is the point's fraction of a pixel, which moves the smoothed edges)."""
    return _font(size).getmask2(text, "L", anchor=anchor, start=start)


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
          anchor: str) -> None:
    """Draw one line of text in TEXT, as ``draw.text`` does, from the cached mask."""
    x, y = xy
    mask, (dx, dy) = _glyphs(text, size, anchor, (math.modf(x)[0], math.modf(y)[0]))
    draw.draw.draw_bitmap((int(x) + dx, int(y) + dy), mask, draw.draw.draw_ink(TEXT))


@functools.lru_cache(maxsize=256)
def _fit(text: str, size: int, width: int) -> str:
    """The text, or as many of its first words as fit in ``width`` pixels, then "…".

    Measured word by word, each once: measuring text costs as much as drawing it.
    """
    words = text.split()
    space = _length(" ", size)
    room = width - _length("…", size)
    used, kept = -space, 0
    for word in words:
        used += space + _length(word, size)
        if used > width:
            return " ".join(words[:max(kept, 1)]) + "…"
        if used <= room:
            kept += 1
    return text


def _legend(draw: ImageDraw.ImageDraw, y: int) -> None:
    """The two series' colour swatches and names, centred under the chart."""
    entries = (("Agenda items", AGENDA_COLOUR), ("Decisions", DECISIONS_COLOUR))
    widths = [BAR + 6 + _length(name, NORMAL) for name, _ in entries]
    x = (WIDTH - sum(widths) - 24) / 2
    for (name, colour), width in zip(entries, widths, strict=True):
        draw.rectangle([(x, y), (x + BAR - 1, y + BAR - 1)], colour)
        _text(draw, (x + BAR + 6, y + BAR / 2), name, NORMAL, "lm")
        x += width + 24
