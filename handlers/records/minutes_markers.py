"""Reading a minutes body written with meeting-bot markers (pure: no database, no clock).

Each marker starts a new entry, on its own line or inline::

    #attendees RCO IOM ILO
    #topic Labour migration assessment #info Draft shared in May
    #agreed Endorse the assessment's terms of reference
    #action ILO circulate the final draft due 30 Jun 2031

A ``#word`` that is not a marker is ordinary text (``see poll #3``), except at the start of a
line, where it is almost certainly a mistyped marker and is refused.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.core import UserError


class Marker(StrEnum):
    ATTENDEES = "attendees"
    TOPIC = "topic"
    INFO = "info"
    AGREED = "agreed"
    ACTION = "action"


EXAMPLE = ("minutes #3 #attendees RCO IOM ILO #topic Labour migration assessment "
           "#agreed Endorse the terms of reference #action ILO circulate the draft due 30 Jun 2031")
MARKERS = ", ".join(f"#{m.value}" for m in Marker)

_MARKER = re.compile(r"(?i)(?<!\S)#(" + "|".join(m.value for m in Marker) + r")(?![\w-])")
_LINE_START_TAG = re.compile(r"(?im)^\s*#([a-z][\w-]*)")
_DUE = re.compile(r"(?i)\s+due\s+(?P<when>\S.*)$")


@dataclass(frozen=True)
class Entry:
    marker: Marker
    text: str  # for #attendees the codes as written; for #action the task
    agency: str = ""  # #action: the owner's code as written
    due: str = ""  # #action: the due date phrase as written


def parse_markers(body: str) -> list[Entry]:
    """The entries of a minutes body, in order; refuses text that is not one."""
    _refuse_unknown_markers(body)
    matches = list(_MARKER.finditer(body))
    if not matches:
        raise UserError(f"The minutes have no entries. Start each entry with one of {MARKERS}.",
                        EXAMPLE)
    before = " ".join(body[:matches[0].start()].split())
    if before:
        raise UserError(f"'{short(before)}' comes before the first marker. Start each entry "
                        f"with one of {MARKERS}.", EXAMPLE)
    entries = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(body)
        text = " ".join(body[match.end():end].split())
        entries.append(_entry(Marker(match.group(1).lower()), text))
    return entries


def split_codes(text: str) -> list[str]:
    """``RCO, IOM ILO`` -> ``["RCO", "IOM", "ILO"]`` (upper case, order kept, no repeats)."""
    return list(dict.fromkeys(c.upper() for c in re.split(r"[\s,;]+", text) if c))


def _entry(marker: Marker, text: str) -> Entry:
    if not text:
        raise UserError(f"#{marker.value} has nothing after it.", _EXAMPLES[marker])
    if marker is not Marker.ACTION:
        return Entry(marker, text)
    agency, _, task = text.partition(" ")
    due = ""
    if found := _DUE.search(task):
        due = found.group("when").strip()
        task = task[:found.start()].strip()
    if not task:
        raise UserError(f"The action for {agency} has no task: write the agency, then the task.",
                        _EXAMPLES[marker])
    return Entry(marker, task, agency=agency.upper(), due=due)


def _refuse_unknown_markers(body: str) -> None:
    known = {m.value for m in Marker}
    for match in _LINE_START_TAG.finditer(body):
        if match.group(1).lower() not in known:
            raise UserError(f"'#{match.group(1)}' is not a marker; use one of {MARKERS}.",
                            EXAMPLE)


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


_EXAMPLES = {marker: f"minutes #3 #{marker.value} {text}" for marker, text in (
    (Marker.ATTENDEES, "RCO IOM ILO"),
    (Marker.TOPIC, "Labour migration assessment"),
    (Marker.INFO, "The draft was shared with the working group in May"),
    (Marker.AGREED, "Endorse the assessment's terms of reference"),
    (Marker.ACTION, "ILO circulate the final draft due 30 Jun 2031"),
)}
ACTION_EXAMPLE = _EXAMPLES[Marker.ACTION]
