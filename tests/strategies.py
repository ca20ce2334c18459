"""Hypothesis strategies for what members type: command lines, date phrases, minutes bodies.

Lines start from the real verb registry (every command's name and its help example as a
seed) and are mutated with the awkward pieces people and platforms produce.
"""

from hypothesis import strategies as st

from handlers import registry

registry.load_all()
SPECS = sorted(registry.REGISTRY.values(), key=lambda spec: spec.name)

# Who speaks: the Secretariat, the Chair, an ordinary agency, a partner's person (made by the
# ``busy_bot`` fixture) and someone who is not on the roster.
SPEAKERS = ("IOM", "RCO", "WHO", "Khampheng", "stranger")

MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<@U1>", "<#C1|general>",
          "<https://x.io|click>", "*bold*", "_it_", "~s~", "`code`", "```block```", "&amp;", "&")
EMOJI = ("🎉", "👍🏽", "🇱🇦", "👨‍👩‍👧", "\u200d", "\ufe0f")
CONTROL = ("\u0000", "\u0007", "\x1b[31m", "\x7f",
           "\ue000forged bold\ue001")  # private use: the core's bold markers, refused too
AWKWARD = ("\u202e", "\u00a0", "\u2028", "\ufeff", "\r\n",
           "\r", "\t", "\n", "ເລື່ອງ", "Zürich", "İ", "ß", "Ω", "\U0001d54f")
QUOTES = ('"', "'", "“", "”", "„", "‘", "’", "«", "»")
WORDS = ("agree", "object", "abstain", "block", "mine", "all", "regular", "adhoc", "until",
         "for", "to", "where", "due", "wg:protection", "wg:labour-migration", "wg:nope",
         "partner:", "@", '@"Jane Doe"', "ILO", "iom", "UNFPA", "RCO", "WORLD-BANK", "yes",
         "no", "2031", "1999", "99999", "-1", "0", "create", "dissolve", "replace", "#attendees",
         "#topic", "#agreed", "#action", "#info", "help", "agenda", "poll", "meeting", "vote")
DATES = ("14 Mar 2031 10:00", "tomorrow 09:00", "next friday 9am", "31/02/2031 10:00",
         "1 Jan 1990 10:00", "25:00", "today", "in 2 days 14:30", "14 Mar 2031 10:00 UTC",
         "10:00 Europe/Zurich", "10:00 UTC+99", "10:00 Mars/Phobos", "Sat 14 Mar 2031 10:00",
         "9999 10:00")


def refs() -> st.SearchStrategy[str]:
    """``#N`` references: existing, zero, negative, huge, malformed or bare."""
    return st.one_of(
        st.integers(min_value=0, max_value=12).map(lambda n: f"#{n}"),
        st.sampled_from(["#", "#-1", "#0", "#999999999", "#9999999999999999999999", "#1.5",
                         "#x", "##1", "# 1", "#１"]),
    )


def printable() -> st.SearchStrategy[str]:
    """Any unicode text without control, private-use or format characters (which every
    command refuses, but for a few format characters it removes or keeps)."""
    return st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cf")), max_size=40)


def noise() -> st.SearchStrategy[str]:
    """Any text at all (control characters now and then), surrogate-free unicode."""
    return st.one_of(printable(), printable(),
                     st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))


def pieces() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(WORDS), st.sampled_from(MARKUP), st.sampled_from(EMOJI),
        st.sampled_from(AWKWARD), st.sampled_from(CONTROL), st.sampled_from(DATES), refs(),
        refs(), noise(),
        st.sampled_from(QUOTES).flatmap(
            lambda q: st.sampled_from(WORDS + MARKUP).map(lambda w: f"{q}{w}{q}")),
        st.sampled_from(QUOTES),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
    )


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    """A line whose first words name a real command (or its seed example), then mutations."""
    spec = draw(st.sampled_from(SPECS))
    start = draw(st.sampled_from([spec.name, spec.example, spec.example.upper(),
                                  f"/network {spec.name}", f"network {spec.example}"]))
    words = start.split(" ")
    if len(words) > 1 and draw(st.booleans()):
        keep = draw(st.integers(min_value=1, max_value=len(words)))
        words = words[:keep]
    extra = draw(st.lists(pieces(), max_size=6))
    named = len(spec.name.split()) + (start.startswith(("/network", "network")))
    at = draw(st.integers(min_value=min(named, len(words)), max_value=len(words)))
    line = " ".join(words[:at] + extra + words[at:])
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        line += " " + "x" * draw(st.sampled_from([990, 1001, 5000, 20000]))
    return line


def any_lines() -> st.SearchStrategy[str]:
    """Registry-based lines, fully random text, and blank ones."""
    return st.one_of(
        command_lines(), command_lines(), noise(),
        st.sampled_from(["", " ", "\n\t", "/network", "network", "/NETWORK   ", "\u00a0"]),
    )


# -- dates ---------------------------------------------------------------------------------

MONTHS = ("January", "Feb", "mar", "APRIL", "May", "jun", "July", "aug", "Sept", "oct", "Nov",
          "december")
WEEKDAYS = ("monday", "Tue", "tues", "Wednesday", "thu", "thurs", "Friday", "sat", "Sunday")
RELATIVE = ("next", "this", "coming", "tomorrow", "today", "tonight", "in", "on", "at", "the",
            "of", "day", "days", "week", "month", "year", "hours", "minutes", "noon",
            "midnight", "after", "from", "now", "a", "two", "twelve")
ZONES = ("UTC", "utc+7", "GMT-3", "Z", "+07:00", "-0530", "+14:00", "Europe/Zurich",
         "Asia/Vientiane", "America/St_Johns", "Mars/Olympus", "Etc/GMT+12", "UTC+99", "+25:00",
         "GMT-3:75")
NONSENSE = ("blah", "soonish", "xmas", "fortnight", "asap", "eod", "ສອງ", "💥", "%", "/", "-")


def clock_times() -> st.SearchStrategy[str]:
    hour = st.integers(min_value=0, max_value=30)
    minute = st.integers(min_value=0, max_value=75)
    return st.one_of(
        hour.map(str),
        st.tuples(hour, st.sampled_from(["am", "pm", "a.m.", "p.m.", " am", "PM"])).map(
            lambda t: f"{t[0]}{t[1]}"),
        st.tuples(hour, minute, st.sampled_from([":", "."])).map(
            lambda t: f"{t[0]:02d}{t[2]}{t[1]:02d}"),
        st.tuples(hour, minute).map(lambda t: f"{t[0]}:{t[1]:02d}"),
    )


def date_tokens() -> st.SearchStrategy[str]:
    day = st.integers(min_value=0, max_value=40)
    return st.one_of(
        st.sampled_from(MONTHS), st.sampled_from(WEEKDAYS), st.sampled_from(RELATIVE),
        day.map(str), day.map(lambda d: f"{d}{['st', 'nd', 'rd', 'th'][d % 4]}"),
        st.integers(min_value=1900, max_value=10000).map(str),
        st.tuples(day, st.integers(min_value=0, max_value=14),
                  st.integers(min_value=2020, max_value=2040)).map(
            lambda t: f"{t[0]}/{t[1]:02d}/{t[2]}"),
        clock_times(), st.sampled_from(ZONES), st.sampled_from(NONSENSE),
    )


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), strategy)


@st.composite
def well_formed_dates(draw: st.DrawFn) -> str:
    """Phrases shaped the way members write them: a date (absolute or relative), a time,
    maybe a zone; with values that may not exist (31 Feb, 25:00, +99:00)."""
    day = draw(st.integers(min_value=1, max_value=31))
    absolute = " ".join([
        draw(optional(st.sampled_from(WEEKDAYS))), str(day), draw(st.sampled_from(MONTHS)),
        draw(optional(st.integers(min_value=2029, max_value=2040).map(str)))])
    numeric = f"{day}/{draw(st.integers(min_value=1, max_value=12))}/" \
              f"{draw(st.integers(min_value=2030, max_value=2034))}"
    relative = draw(st.sampled_from(["tomorrow", "today", "next friday", "monday",
                                     "the day after tomorrow", "in 2 days", "in three weeks",
                                     "next week", "next month", "this coming tuesday"]))
    when = draw(st.sampled_from([absolute, numeric, relative]))
    time = draw(optional(clock_times()))
    return " ".join([when, time, draw(optional(st.sampled_from(ZONES)))])


def date_phrases() -> st.SearchStrategy[str]:
    """Well-formed phrases, date words in any order, and random text."""
    shuffled = st.lists(date_tokens(), min_size=1, max_size=6).map(" ".join)
    return st.one_of(well_formed_dates(), well_formed_dates(), shuffled, noise())


# -- minutes -------------------------------------------------------------------------------

VALID_MARKERS = ("#attendees", "#topic", "#info", "#agreed", "#action", "#Agreed", "#ACTION")
MARKERS = VALID_MARKERS * 6 + ("#decision", "#", "#agreed:", "#action:", "#topics")
OWNERS = ("ILO", "unicef", "IOM", "WORLD-BANK", "who") * 3 + ("UNFPA", "nobody", "<@U1>", "")


@st.composite
def minutes_entries(draw: st.DrawFn) -> str:
    marker = draw(st.sampled_from(MARKERS))
    text = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(MARKUP),
                                   st.sampled_from(EMOJI), printable()), min_size=1, max_size=4))
    if marker.lower().startswith("#action"):
        owner = draw(st.sampled_from(OWNERS))
        due = draw(st.sampled_from(["", " due 30 Jun 2031", " due tomorrow", " due 31/02/2031",
                                    " due 1 Jan 1990", " due blah", " due"]))
        return f"{marker} {owner} {' '.join(text)}{due}"
    return f"{marker} {' '.join(text)}"


def minutes_bodies() -> st.SearchStrategy[str]:
    """Multi-line bodies: entries joined by newlines or spaces, sometimes with free text."""
    joined = st.tuples(st.lists(minutes_entries(), max_size=6),
                       st.sampled_from(["\n", " ", "\r\n", "\n\n"])).map(
        lambda t: t[1].join(t[0]))
    return st.one_of(joined, joined, joined, st.tuples(noise(), joined).map(" ".join), noise())


# -- free text with tag-shaped words (tests/test_fuzz_text.py) -------------------------------

# Words that look like an objective tag (#obj6, #6) or a meeting (for #2), valid or not.
TAG_SHAPED = ("#obj6", "#6", "#obj99", "#0", "#obj", "#objx", "#24", "for #2", "for #99",
              "for #1", "for #3", "#OBJ18", "#obj23", "#1", "#06", "#6,", "for #obj2", "#")
# Words of text, some that the grammar of agenda add reads next to a tag ("for").
TEXT_WORDS = ("Budget", "review", "for", "of", "the", "plan", "2031", "Zürich", "ເລື່ອງ", "x#6",
              "objectives")


@st.composite
def texts_with_tags(draw: st.DrawFn, min_words: int = 0) -> str:
    """Text words with tag-shaped words anywhere among them: at the end and in the middle."""
    words = draw(st.lists(st.sampled_from(TEXT_WORDS), min_size=min_words, max_size=5))
    for tag in draw(st.lists(st.sampled_from(TAG_SHAPED), max_size=4)):
        words.insert(draw(st.integers(min_value=0, max_value=len(words))), tag)
    return " ".join(words)


def tagged_agenda_lines() -> st.SearchStrategy[str]:
    return texts_with_tags().map(lambda text: f"agenda add {text}".strip())


@st.composite
def grammar_agenda_lines(draw: st.DrawFn) -> tuple[str, str, set[int], int | None]:
    """``agenda add <text> <tags and for #N in any order>`` as the grammar has it, with ``#N``
    words and ``for #N`` inside the text (kept as text: tags come at the end) -> the line, its
    text, its objectives and the meeting it names (#1 and #3 take items in ``busy_bot``)."""
    inner = draw(st.lists(st.sampled_from(("Budget", "for", "#6", "for #2", "#0", "x#6")),
                          max_size=4))
    last = draw(st.sampled_from(("review", "Budget", "plan", "ເລື່ອງ")))
    text = " ".join([*inner, last])
    numbers = draw(st.lists(st.integers(min_value=1, max_value=23), max_size=4))
    ending = [f"{draw(st.sampled_from(('#', '#obj', '#OBJ')))}{n}" for n in numbers]
    meeting = draw(st.none() | st.sampled_from((1, 3)))
    if meeting is not None:
        ending.insert(draw(st.integers(min_value=0, max_value=len(ending))), f"for #{meeting}")
    return " ".join(["agenda add", text, *ending]), text, set(numbers), meeting


def quoted_text_lines() -> st.SearchStrategy[str]:
    """Commands whose text is quoted, with tag-shaped words inside the quotes and after."""
    quoted = st.tuples(texts_with_tags(min_words=1), texts_with_tags())
    return st.one_of(
        quoted.map(lambda q: f'poll propose "{q[0]}" {q[1]}'),
        quoted.map(lambda q: f'partners add "{q[0]}" {q[1]}'),
        quoted.map(lambda q: f'meeting schedule regular 25 Mar 2031 10:00 "{q[0]}" {q[1]}'),
    )


def unquoted_text_lines() -> st.SearchStrategy[str]:
    """Commands whose text runs to the end of the line (or to a marker)."""
    text = texts_with_tags(min_words=1)
    return st.one_of(
        text.map(lambda t: f"poll propose {t}"),
        text.map(lambda t: f"minutes #4 #agreed {t}"),
        text.map(lambda t: f"minutes #4 #action ILO {t}"),
        text.map(lambda t: f"vote #1 object {t}"),
    )


# -- lines whose replies name records (#N) ---------------------------------------------------

RECORD_REFS = ("#1", "#1", "#2", "#0", "#99")  # busy_bot: poll #1 open, #2 closed
FUTURE = ("30 Jun 2031", "25 Mar 2031 10:00", "20 Mar 2031 10:00-12:30",
          "28 Mar 2031 10:00 for 90m", "tomorrow 09:00", "next friday 9am")


def numbered_lines() -> st.SearchStrategy[str]:
    """agenda add, vote, action due and meeting schedule, with references and dates from the
    grammar, and words that only look like them."""
    ref = st.sampled_from(RECORD_REFS)
    when = st.one_of(st.sampled_from(FUTURE), st.sampled_from((*DATES, "1 Apr 2031 #6")))
    return st.one_of(
        tagged_agenda_lines(),
        st.tuples(ref, st.sampled_from(("agree", "abstain", "object", "AGREE", "block")),
                  texts_with_tags()).map(lambda v: f"vote {v[0]} {v[1]} {v[2]}".strip()),
        st.tuples(ref, when).map(lambda a: f"action due {a[0]} {a[1]}"),
        st.tuples(st.sampled_from(("regular", "adhoc", "wg:protection", "wg:nope")), when,
                  texts_with_tags(min_words=1), st.sampled_from(("", " where Room #3"))).map(
            lambda m: f'meeting schedule {m[0]} {m[1]} "{m[2]}"{m[3]}'),
    )
