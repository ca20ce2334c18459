"""Reading typed lines: the ``/network`` prefix, quotes (straight or curly), ``#N`` references."""

import re
import unicodedata

from handlers.core import UserError

PREFIXES = ("/network", "network")
_QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“", "'": "'", "‘": "’", "«": "»"}
_REF = re.compile(r"^#(\d{1,9})$")


def strip_prefix(line: str) -> str:
    """``/network agenda`` and ``agenda`` mean the same thing."""
    text = line.strip()
    for prefix in PREFIXES:
        if text.lower() == prefix:
            return ""
        if text.lower().startswith(prefix + " "):
            return text[len(prefix):].strip()
    return text


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Characters typed text may not hold, by Unicode category: control characters (line breaks
# and tabs aside), and private-use ones, with which the core marks its own bold.
_REFUSED = {"Cc": "a control character", "Co": "a private-use character"}


def check_characters(text: str, *, what: str, example: str) -> None:
    """Refuse text holding a control or private-use character."""
    bad = next((c for c in text if unicodedata.category(c) in _REFUSED and c not in "\n\t"),
               None)
    if bad is not None:
        raise UserError(
            f"The {what} contains {_REFUSED[unicodedata.category(bad)]} (U+{ord(bad):04X}); "
            "please retype it as plain text.",
            example,
        )


def check_text(text: str, *, what: str, example: str, max_length: int = 1000) -> str:
    """Refuse empty, over-long, control- or private-use-character text; return it trimmed."""
    text = normalise_newlines(text).strip()
    if not text:
        raise UserError(f"The {what} is empty.", example)
    check_characters(text, what=what, example=example)
    if len(text) > max_length:
        raise UserError(
            f"The {what} is {len(text):,} characters long; the limit is {max_length:,}.",
            example,
        )
    return text


def parse_ref(token: str, what: str, example: str) -> int:
    """``#12`` -> 12, or a refusal that names the kind of record expected."""
    match = _REF.match(token.strip())
    if not match:
        article = "an" if what[:1].lower() in "aeiou" else "a"
        problem = f"'{token}' is not {article} {what} number" if token.strip() \
            else f"The {what} number is missing"
        raise UserError(f"{problem}; write it as #N.", example)
    return int(match.group(1))


def take_quoted(text: str) -> tuple[str | None, str]:
    """Split a leading quoted phrase (straight or curly quotes) from the rest of the text."""
    text = text.lstrip()
    if not text or text[0] not in _QUOTES:
        return None, text
    closing = {_QUOTES[text[0]], text[0]} | ({'"', "”", "“"} if text[0] in "\"“”„" else set())
    for index in range(1, len(text)):
        if text[index] in closing:
            return text[1:index].strip(), text[index + 1:].strip()
    return None, text
