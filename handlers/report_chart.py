"""The report's PNG chart: agenda items and decisions per GCM objective, as horizontal bars.

Drawn with Pillow's ImageDraw in 15 to 30 ms; matplotlib took 0.7 to 1.7 s for the first
chart of a process (its import, then layout and text). The text is Pillow's bundled scalable
font (``ImageFont.load_default(size=...)``, through the FreeType that Pillow's wheels include),
so a plain ``pip install`` draws the same chart on any machine.

The picture is drawn in RGB, then mapped to a palette of its own few colours before it is
saved: a palette PNG encodes in a few ms where an RGB one takes 20 to 40 ms (PNG filters
every row of 3.3 MB), and it is a third of the size.
"""

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from handlers.reports import ObjectiveLine

Image.preinit()  # Pillow loads its file-format plugins on the first save: at start-up, not then

WIDTH = 1100  # what Slack and Teams previews show without scaling it down much
MARGIN = 16
ROW = 36  # per objective: its two bars and the space between objectives
BAR = 14
LABELS = 420  # the column of objective names, left of the bars
TITLE = 48  # above the bars
BELOW = 96  # under the bars: tick values, the axis name and the legend
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
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def activity_chart(network: str, year: int, lines: "Sequence[ObjectiveLine]") -> bytes:
    """The PNG: per objective (1 at the top), a bar for its agenda items and one for its
    decisions, each with its value; whole-number gridlines; a title and a legend."""
    height = TITLE + ROW * len(lines) + BELOW
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    small, normal = ImageFont.load_default(size=12), ImageFont.load_default(size=13)
    title = ImageFont.load_default(size=18)
    draw.text((WIDTH / 2, MARGIN), _fit(f"{network}: activity per GCM objective, {year}", title,
                                        WIDTH - 2 * MARGIN), TEXT, title, anchor="mt")

    largest = max((max(o.agenda_items, o.decisions) for o in lines), default=0)
    ticks = _ticks(largest)
    left = MARGIN + LABELS + 8
    room = draw.textlength(f"{largest:,}", small) + 8  # for the value right of the longest bar
    scale = (WIDTH - MARGIN - room - left) / ticks[-1]
    top, bottom = TITLE, TITLE + ROW * len(lines)
    for tick in ticks:
        x = left + tick * scale
        draw.line([(x, top), (x, bottom)], GRID)
        draw.text((x, bottom + 4), f"{tick:,}", TEXT, small, anchor="mt")
    draw.line([(left, bottom), (WIDTH - MARGIN, bottom)], AXIS)
    draw.line([(left, top), (left, bottom)], AXIS)
    draw.text(((left + WIDTH - MARGIN) / 2, bottom + 24), "Count", TEXT, normal, anchor="mt")

    for row, line in enumerate(lines):
        y = top + row * ROW + (ROW - 2 * BAR) / 2
        label = _fit(f"{line.number}. {line.text}", normal, LABELS)
        draw.text((left - 8, y + BAR), label, TEXT, normal, anchor="rm")
        for offset, value, colour in ((0, line.agenda_items, AGENDA_COLOUR),
                                      (BAR, line.decisions, DECISIONS_COLOUR)):
            if value:
                end = left + max(1, round(value * scale))
                draw.rectangle([(left, y + offset), (end - 1, y + offset + BAR - 1)], colour)
                draw.text((end + 4, y + offset + BAR / 2), f"{value:,}", TEXT, small, anchor="lm")

    _legend(draw, bottom + 56, normal)
    buffer = io.BytesIO()
    image.quantize(palette=PALETTE, dither=Image.Dither.NONE).save(
        buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _ticks(largest: int) -> list[int]:
    """Whole-number gridlines from 0 to at least ``largest``, every 1, 2 or 5 times a power
    of ten, no more than 8 intervals."""
    step = next(m * 10 ** e for e in range(20) for m in (1, 2, 5)
                if math.ceil(max(largest, 1) / (m * 10 ** e)) <= 8)
    return list(range(0, step * math.ceil(max(largest, 1) / step) + 1, step))


def _fit(text: str, font: Font, width: int) -> str:
    """The text, or as many of its first words as fit in ``width`` pixels, then "…".

    Measured word by word, each once: measuring text costs as much as drawing it.
    """
    words = text.split()
    space = font.getlength(" ")
    room = width - font.getlength("…")
    used, kept = -space, 0
    for word in words:
        used += space + font.getlength(word)
        if used > width:
            return " ".join(words[:max(kept, 1)]) + "…"
        if used <= room:
            kept += 1
    return text


def _legend(draw: ImageDraw.ImageDraw, y: int, font: Font) -> None:
    """The two series' colour swatches and names, centred under the chart."""
    entries = (("Agenda items", AGENDA_COLOUR), ("Decisions", DECISIONS_COLOUR))
    widths = [BAR + 6 + draw.textlength(name, font) for name, _ in entries]
    x = (WIDTH - sum(widths) - 24) / 2
    for (name, colour), width in zip(entries, widths, strict=True):
        draw.rectangle([(x, y), (x + BAR - 1, y + BAR - 1)], colour)
        draw.text((x + BAR + 6, y + BAR / 2), name, TEXT, font, anchor="lm")
        x += width + 24
