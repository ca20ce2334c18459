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


# Removed from every line before it is read: characters nobody can see that carry nothing a
# record needs, and which pasted text often holds. A soft hyphen (U+00AD, Word's optional
# hyphen) only says where a word may break; a zero-width space (U+200B) marks the breaks
# between words in Lao or Thai text, and follows each * _ ~ ` in the bot's Slack replies
# (bot/render_slack.py), so a line copied from a reply brings it back; U+2060 WORD JOINER and
# U+FEFF (a byte order mark, or the old word joiner) only forbid a break. A tab reads as a
# space, so it becomes one; line breaks become ``\n``. Chained str.replace, which runs at C
# speed even over a pasted document (str.translate is far slower outside ASCII).
_TIDY = (("\r\n", "\n"), ("\r", "\n"), ("\t", " "),
         ("\u00ad", ""), ("\u200b", ""), ("\u2060", ""), ("\ufeff", ""))


def tidy(text: str) -> str:
    """``text`` with ``\n`` line breaks, spaces for tabs, and no invisible break hints."""
    for character, replacement in _TIDY:
        text = text.replace(character, replacement)
    return text


# Characters typed text may not hold (once tidied), by Unicode category: control characters
# (line breaks aside), private-use ones, with which the core marks its own bold, and invisible
# format characters, which change how text reads without being seen: U+202E RIGHT-TO-LEFT
# OVERRIDE makes "report", U+202E, "fdp.exe" read "reportexe.pdf", bidirectional marks and
# isolates reorder what follows, tag characters spell hidden text. The joiners stay: ZWNJ
# (U+200C) and ZWJ (U+200D) shape Persian and Indic scripts and join emoji such as 👨‍👩‍👧.
_REFUSED = {"Cc": "a control character", "Co": "a private-use character",
            "Cf": "an invisible character that changes how text reads"}
_ALLOWED = frozenset("\n\u200c\u200d")
_CONTEXT = 30  # characters shown before a refused one, to find it by


def check_characters(text: str, *, what: str, example: str | None = None) -> None:
    """Refuse text holding a control, private-use or invisible format character, naming it and
    saying where it is (after which characters: an invisible one cannot be found otherwise)."""
    if text.replace("\n", " ").isprintable():  # the common case, decided at C speed
        return
    for index, character in enumerate(text):
        kind = _REFUSED.get(unicodedata.category(character))
        if kind and character not in _ALLOWED:
            name = unicodedata.name(character, "")
            raise UserError(
                f"The {what} contains {kind} (U+{ord(character):04X}{' ' * bool(name)}{name})"
                f"{_where(text[:index])}; please retype that part as plain text.",
                example,
            )


def _where(before: str) -> str:
    """Where a refused character is: after which words of its line."""
    line = before.rsplit("\n", 1)[-1]
    if not line.strip():
        return " at the start of a line" if "\n" in before else " at the start"
    if len(line) > _CONTEXT:
        tail = line[-_CONTEXT:]
        # From the start of a word; in a script without spaces such as Lao, of a letter (not
        # of a vowel mark that belongs to the letter before).
        start = tail.find(" ", 0, -1) + 1 or next(
            (i for i, c in enumerate(tail) if not unicodedata.category(c).startswith("M")), 0)
        line = "…" + tail[start:]
    return f" after “{line}”"


def check_length(text: str, *, what: str, max_length: int,
                 example: str | None = None) -> None:
    if len(text) > max_length:
        raise UserError(
            f"The {what} is {len(text):,} characters long; the limit is {max_length:,}.",
            example,
        )


# Characters of one text a person writes, by default: an agenda item, a reason, ...
TEXT_LIMIT = 1000
# Characters of a name: of a person, an agency, a working group, an organisation (as long as
# the roster's tables keep them; PostgreSQL refuses a longer one).
NAME_LIMIT = 200


def check_text(text: str, *, what: str, example: str | None = None,
               max_length: int = TEXT_LIMIT) -> str:
    """Refuse empty, over-long, control-, private-use- or format-character text; return it
    tidied and trimmed. The limit counts this text alone, not the command around it."""
    text = tidy(text).strip()
    if not text:
        raise UserError(f"The {what} is empty.", example)
    check_length(text, what=what, example=example, max_length=max_length)
    check_characters(text, what=what, example=example)
    return text


def parse_ref(token: str, what: str, example: str | None = None) -> int:
    """``#12`` -> 12, or a refusal that names the kind of record expected."""
    match = _REF.match(token.strip())
    if not match:
        article = "an" if what[:1].lower() in "aeiou" else "a"
        problem = f"'{token}' is not {article} {what} number" if token.strip() \
            else f"The {what} number is missing"
        raise UserError(f"{problem}; write it as #N.", example)
    return int(match.group(1))


def refuse_arguments(command: str, args: str, example: str | None = None) -> None:
    """Refuse words after a command that takes none, rather than ignore them."""
    if args.strip():
        shown = args.strip()[:40]
        raise UserError(f"'{command}' takes nothing after it: leave out '{shown}'.",
                        example)


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
