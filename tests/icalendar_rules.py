"""Rules of RFC 5545 (iCalendar) and RFC 5546 (iTIP) that a calendar file must keep, written
from the RFCs' text and grammar, not from the icalendar library the bot writes files with.

RFC 5545 3.1: content lines end with CRLF; a line longer than 75 octets (excluding the line
break) is folded by inserting CRLF and one space or tab, and a fold must not split a
multi-octet character. ``contentline = name *(";" param) ":" value CRLF``; a parameter value is
a ``quoted-string`` or ``paramtext`` (no DQUOTE, ";", ":" or ","). RFC 5545 3.3.11: in a TEXT
value, backslash, ";" and "," are escaped with a backslash and a newline is written ``\\n``
(``ESCAPED-CHAR``); no other backslash sequence exists and those three never appear bare.
RFC 5546 3.2.2 (REQUEST) and 3.2.5 (CANCEL): which properties a VEVENT must carry.
"""

import re
from dataclasses import dataclass, field

FOLD_LIMIT = 75
_NAME = r"[A-Za-z0-9-]+"
_PARAM = rf'({_NAME})=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)'
_LINE = re.compile(rf"(?P<name>{_NAME})(?P<params>(?:;{_PARAM})*):(?P<value>.*)", re.DOTALL)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
TEXT_PROPERTIES = {"SUMMARY", "LOCATION", "DESCRIPTION", "COMMENT", "X-WR-CALNAME"}


@dataclass
class Line:
    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    name: str
    lines: list[Line] = field(default_factory=list)
    children: list["Component"] = field(default_factory=list)

    def all(self, name: str) -> list[Line]:
        return [line for line in self.lines if line.name == name]

    def one(self, name: str) -> str:
        [line] = self.all(name)
        return line.value


def physical_lines(data: bytes) -> list[bytes]:
    """The file's lines, after checking that each ends with CRLF and holds no bare CR or LF."""
    assert data.endswith(b"\r\n"), "the last line must end with CRLF"
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, f"a bare CR or LF in {line!r}"
    return lines


def unfolded(data: bytes) -> list[str]:
    """Content lines: folds checked (at most 75 octets, never inside a UTF-8 character) and
    undone."""
    logical: list[bytes] = []
    for line in physical_lines(data):
        assert len(line) <= FOLD_LIMIT, f"{len(line)} octets: {line!r}"
        line.decode("utf-8")  # raises if the fold split a multi-octet character
        if line[:1] in (b" ", b"\t"):
            assert logical, "a continuation line before any content line"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def unescape_text(value: str) -> str:
    """A TEXT value as written, after checking it has only RFC 5545's escapes."""
    bare = _ESCAPED.sub("", value)
    assert not set(bare) & {";", ",", "\\"}, f"unescaped ; , or \\ in {value!r}"
    escapes = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}

    def one(match: re.Match[str]) -> str:
        assert match.group(1) in escapes, f"\\{match.group(1)} is no TEXT escape"
        return escapes[match.group(1)]

    return _ESCAPED.sub(one, value)


def parse(data: bytes) -> Component:
    """The file's VCALENDAR, every content line checked against the grammar."""
    stack: list[Component] = [Component("ROOT")]
    for text in unfolded(data):
        match = _LINE.fullmatch(text)
        assert match, f"not a content line: {text!r}"
        name, params, value = match["name"].upper(), match["params"], match["value"]
        if name == "BEGIN":
            stack.append(Component(value.upper()))
        elif name == "END":
            done = stack.pop()
            assert done.name == value.upper(), f"END:{value} closes {done.name}"
            stack[-1].children.append(done)
        else:
            found = dict(re.findall(_PARAM, params))
            stack[-1].lines.append(Line(name, {k.upper(): v for k, v in found.items()},
                                        unescape_text(value) if name in TEXT_PROPERTIES
                                        else value))
    [calendar] = stack[0].children
    assert len(stack) == 1 and calendar.name == "VCALENDAR"
    return calendar


def event_of(data: bytes) -> tuple[Component, Component]:
    """The calendar and its one VEVENT, with what RFC 5545 requires of both."""
    calendar = parse(data)
    assert calendar.one("VERSION") == "2.0" and calendar.one("PRODID")
    [event] = [child for child in calendar.children if child.name == "VEVENT"]
    for name in ("UID", "DTSTAMP"):
        event.one(name)
    assert not (event.all("DTEND") and event.all("DURATION")), "DTEND and DURATION both"
    return calendar, event


def check_itip(data: bytes) -> tuple[str, Component]:
    """RFC 5546: the METHOD's required properties (3.2.2 REQUEST, 3.2.5 CANCEL)."""
    calendar, event = event_of(data)
    method = calendar.one("METHOD")
    assert event.one("ORGANIZER").lower().startswith("mailto:")
    for name in ("DTSTAMP", "UID", "SUMMARY" if method == "REQUEST" else "SEQUENCE"):
        event.one(name)
    if method == "REQUEST":
        event.one("DTSTART")
        assert event.all("ATTENDEE"), "a REQUEST has at least one ATTENDEE"
    else:
        assert method == "CANCEL", method
        assert event.one("STATUS") == "CANCELLED", "a whole event is cancelled"
        assert event.all("ATTENDEE"), "cancelling a whole event names all its attendees"
    return method, event
