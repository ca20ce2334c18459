"""The report's chart, decoded with Pillow: its size, its bars' lengths, its labels' room."""

import io
from itertools import groupby

import pytest
from PIL import Image, ImageDraw

from bot.config import AppConfig
from handlers.report_chart import (
    AGENDA_COLOUR,
    BAR,
    DECISIONS_COLOUR,
    LABELS,
    MARGIN,
    ROW,
    TEXT,
    TITLE,
    WIDTH,
    _font,
    _text,
    activity_chart,
)
from handlers.reports import ObjectiveLine

LONG = "Strengthen certainty and predictability in migration procedures for appropriate " \
       "screening, assessment and referral, and a great deal more words besides"


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def bars(image: Image.Image, colour: tuple[int, int, int]) -> list[int]:
    """The length in pixels of each horizontal band of ``colour``, top to bottom (the bars,
    then the legend's swatch): rows of the same count of that colour make one band."""
    counts = [dict((c, n) for n, c in image.crop((0, y, image.width, y + 1))
                   .getcolors(image.width) or []).get(colour, 0) for y in range(image.height)]
    return [length for length, _ in groupby(counts) if length]


def test_bars_are_as_long_as_their_values() -> None:
    image = decode(activity_chart("Network", 2030, [
        ObjectiveLine(1, "Data", agenda_items=10, decisions=5),
        ObjectiveLine(2, "Drivers", agenda_items=20, decisions=0),
        ObjectiveLine(3, LONG, agenda_items=0, decisions=40),
    ]))
    short, double, swatch = bars(image, AGENDA_COLOUR)
    assert abs(double - 2 * short) <= 1 and swatch < short
    one, eight, swatch = bars(image, DECISIONS_COLOUR)  # no bar for objective 2's zero
    assert abs(eight - 8 * one) <= 4 and swatch < one
    assert eight > WIDTH / 3  # the largest value spans most of the plot


def test_a_long_label_is_shortened_before_the_bars() -> None:
    image = decode(activity_chart("Network", 2030, [ObjectiveLine(12, LONG, 3, 1)]))
    gap = image.crop((MARGIN + LABELS + 1, TITLE, MARGIN + LABELS + 8, TITLE + ROW))
    left_edge = image.crop((0, 0, MARGIN // 2, image.height))
    assert gap.getcolors() == [(gap.width * gap.height, (255, 255, 255))]
    assert left_edge.getcolors() == [(left_edge.width * left_edge.height, (255, 255, 255))]
    label = image.crop((MARGIN, 0, MARGIN + LABELS, image.height))
    assert len(label.getcolors() or []) > 2  # the label was drawn, with smoothed edges


def test_every_objective_gets_a_line_even_in_an_empty_year(config: AppConfig) -> None:
    lines = [ObjectiveLine(number, text, 0, 0) for number, text in config.objectives.items()]
    image = decode(activity_chart("Network", 2030, lines))
    assert image.width == WIDTH and image.height > 23 * 30
    assert bars(image, AGENDA_COLOUR) == bars(image, DECISIONS_COLOUR) == [BAR]  # the legend's
    text = image.crop((MARGIN, 0, MARGIN + LABELS, image.height))
    assert len(text.getcolors(256) or []) > 2


@pytest.mark.parametrize("xy", [(40, 30), (40.5, 30.25), (87.8, 12.6)])
@pytest.mark.parametrize("anchor", ["mt", "rm", "lm"])
def test_cached_text_draws_what_imagedraw_draws(xy: tuple[float, float], anchor: str) -> None:
    """The chart stamps each string from a cache of rasterised text: the same pixels as
    ``ImageDraw.text``, smoothed edges and fractions of a pixel included, at each use."""
    expected, cached = (Image.new("RGB", (200, 60), "white") for _ in range(2))
    ImageDraw.Draw(expected).text(xy, "12. Déjà 1,234", TEXT, _font(13), anchor=anchor)
    for _ in range(2):  # the second draws from the cache
        _text(ImageDraw.Draw(cached), xy, "12. Déjà 1,234", 13, anchor)
        assert cached.tobytes() == expected.tobytes()
        cached.paste("white", (0, 0, *cached.size))
