"""The report's chart, decoded with Pillow: its size, its bars' lengths, its labels' room."""

import io
from itertools import groupby

import pytest
from PIL import Image, ImageChops, ImageDraw

from handlers.reports.report_chart import (
    AGENDA_COLOUR,
    DECISIONS_COLOUR,
    LABELS,
    MARGIN,
    ROW,
    TEXT,
    TITLE,
    TITLE_SIZE,
    WIDTH,
    _font,
    _text,
    activity_chart,
)
from handlers.reports.reports import ObjectiveLine
from settings.schema import AppConfig

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
    image = decode(activity_chart("Network", "2030", [
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
    image = decode(activity_chart("Network", "2030", [ObjectiveLine(12, LONG, 3, 1)]))
    gap = image.crop((MARGIN + LABELS + 1, TITLE, MARGIN + LABELS + 8, TITLE + ROW))
    left_edge = image.crop((0, 0, MARGIN // 2, image.height))
    assert gap.getcolors() == [(gap.width * gap.height, (255, 255, 255))]
    assert left_edge.getcolors() == [(left_edge.width * left_edge.height, (255, 255, 255))]
    label = image.crop((MARGIN, 0, MARGIN + LABELS, image.height))
    assert len(label.getcolors() or []) > 2  # the label was drawn, with smoothed edges


def ink(image: Image.Image) -> Image.Image:
    """``image`` in shades of grey, cropped to what is drawn on it (its clearly dark pixels)."""
    grey = image.convert("L")
    box = grey.point(lambda level: 255 if level < 200 else 0).getbbox()
    assert box is not None, "nothing is drawn there"
    return grey.crop(box)


def says(image: Image.Image, phrase: str) -> bool:
    """Whether the chart, below its title, shows ``phrase`` and nothing else: what is drawn
    there is what ``ImageDraw.text`` draws for the phrase in the chart's title font (Pillow's
    own text drawing is the reference), shade for shade but for the chart's palette of 16 (a
    step of 15 levels of grey; a wrong letter differs by 200)."""
    shown = ink(image.crop((0, TITLE, image.width, image.height)))
    reference = Image.new("RGB", (image.width, 100), "white")
    ImageDraw.Draw(reference).text((image.width // 2, 50), phrase, TEXT, _font(TITLE_SIZE),
                                   anchor="mm")
    written = ink(reference)
    return (shown.size == written.size
            and ImageChops.difference(shown, written).getextrema()[1] <= 15)  # type: ignore[index]


def test_an_empty_year_says_so_instead_of_drawing_empty_axes(config: AppConfig) -> None:
    lines = [ObjectiveLine(number, text, 0, 0) for number, text in config.objectives.items()]
    image = decode(activity_chart("Network", "2031", lines))
    assert says(image, "no activity in 2031")
    assert not says(image, "no activity in 2030") and not says(image, "activity in 2031")
    assert image.width == WIDTH and image.height < 200  # no 23 empty rows, no axis
    assert bars(image, AGENDA_COLOUR) == bars(image, DECISIONS_COLOUR) == []  # nor a legend
    title = image.crop((0, 0, image.width, TITLE))
    assert len(title.getcolors(256) or []) > 2  # the title is still there


def test_a_year_with_activity_does_not_say_there_was_none(config: AppConfig) -> None:
    lines = [ObjectiveLine(number, text, int(number == 7), 0)
             for number, text in config.objectives.items()]
    image = decode(activity_chart("Network", "2031", lines))
    assert not says(image, "no activity in 2031")
    assert bars(image, AGENDA_COLOUR)[:-1] and image.height > 23 * 30


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
