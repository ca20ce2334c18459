"""The pieces of the command grammar."""

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core import UserError
from handlers.grammar import check_text, parse_ref, strip_prefix, take_quoted, tidy

LAO = "ການເຄື່ອນຍ້າຍແຮງງານ ແລະ ສິດທິ"  # labour migration and rights
JOINERS = "\u200c\u200d"  # ZWNJ and ZWJ, which scripts and emoji need
INVISIBLE_HINTS = "\u00ad\u200b\u2060\ufeff"  # soft hyphen, ZWSP, word joiner, BOM: removed
# Every format character (Unicode category Cf) of this Python's Unicode, but those two kinds.
FORMAT = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"
          and chr(c) not in JOINERS + INVISIBLE_HINTS]


@pytest.mark.parametrize(("line", "expected"), [
    ("/network agenda add x", "agenda add x"),
    ("network whoami", "whoami"),
    ("  agenda  ", "agenda"),
    ("/network", ""),
    ("networking event", "networking event"),
])
def test_the_network_prefix_is_optional(line: str, expected: str) -> None:
    assert strip_prefix(line) == expected


@pytest.mark.parametrize(("text", "quoted", "rest"), [
    ('"Regular meeting" where Vientiane', "Regular meeting", "where Vientiane"),
    ("“Mid-year review” where RCO", "Mid-year review", "where RCO"),
    ("‘Labour WG’ rest", "Labour WG", "rest"),
    ('"unclosed title', None, '"unclosed title'),
    ("no quotes here", None, "no quotes here"),
])
def test_straight_and_curly_quotes(text: str, quoted: str | None, rest: str) -> None:
    assert take_quoted(text) == (quoted, rest)


def test_references_are_hash_numbers() -> None:
    assert parse_ref("#12", "meeting", "meeting show #3") == 12
    with pytest.raises(UserError, match="'12' is not a meeting number; write it as #N"):
        parse_ref("12", "meeting", "meeting show #3")


@pytest.mark.parametrize(("text", "problem"), [
    ("", "is empty"),
    ("   ", "is empty"),
    ("x" * 1001, "is 1,001 characters long; the limit is 1,000"),
    ("bell\x07", "control character (U+0007)"),
    ("nul\x00byte", "control character (U+0000)"),
    ("forged \ue000bold\ue001", "private-use character (U+E000)"),
    ("\U000f0000", "private-use character (U+F0000)"),
    ("invoice\u202efdp.exe", "an invisible character that changes how text reads "
                             "(U+202E RIGHT-TO-LEFT OVERRIDE) after “invoice”"),
    ("\u2067Safe migration", "(U+2067 RIGHT-TO-LEFT ISOLATE) at the start;"),
    ("Safe\nmigration\u200e", "(U+200E LEFT-TO-RIGHT MARK) after “migration”"),
    ("Safe\n\u061cmigration", "(U+061C ARABIC LETTER MARK) at the start of a line;"),
    ("hidden\U000e0041\U000e0042", "(U+E0041 TAG LATIN CAPITAL LETTER A) after “hidden”"),
    ("Labour migration and the rights of workers\u2062",
     "(U+2062 INVISIBLE TIMES) after “…and the rights of workers”"),
    (LAO * 2 + "\u202b", "(U+202B RIGHT-TO-LEFT EMBEDDING) after “…ແລະ ສິດທິ”"),
    ("ສິດທິ" * 6 + "ສ\u202c",  # no spaces: shortened from a letter, not from its vowel mark
     "(U+202C POP DIRECTIONAL FORMATTING) after “…ດທິ" + "ສິດທິ" * 5 + "ສ”"),
])
def test_bad_text_is_refused_with_an_example(text: str, problem: str) -> None:
    with pytest.raises(UserError) as raised:
        check_text(text, what="agenda item", example="agenda add Budget")
    assert problem in raised.value.problem
    assert raised.value.example == "agenda add Budget"


def test_a_refusal_names_the_character_where_it_is_and_asks_to_retype_it() -> None:
    with pytest.raises(UserError) as raised:
        check_text("Safe migration \u202efor all", what="agenda item", example="agenda add X")
    assert raised.value.problem == (
        "The agenda item contains an invisible character that changes how text reads "
        "(U+202E RIGHT-TO-LEFT OVERRIDE) after “Safe migration ”; please retype that part as "
        "plain text.")


def test_every_format_character_is_refused_but_the_joiners_and_invisible_hints() -> None:
    """Bidirectional controls, isolates, invisible operators, tags, interlinear annotations:
    every Cf character of this Python's Unicode."""
    assert len(FORMAT) > 150 and "\u202e" in FORMAT and "\U000e007f" in FORMAT
    for character in FORMAT:
        with pytest.raises(UserError, match=f"U\\+{ord(character):04X} "
                                            f"{unicodedata.name(character)}\\) after “a”"):
            check_text(f"a{character}b", what="item", example="x")


@given(st.text(), st.sampled_from(FORMAT), st.text())
def test_any_text_with_a_format_character_is_refused(
        before: str, character: str, after: str) -> None:
    with pytest.raises(UserError) as raised:
        check_text(f"x{before}{character}{after}", what="item", example="agenda add X")
    assert raised.value.example == "agenda add X"


def test_good_text_keeps_lao_script_and_newlines() -> None:
    lao = "ການເຄື່ອນຍ້າຍແຮງງານ\nລາວ"
    assert check_text(f"  {lao}\r\n", what="item", example="x") == lao
    assert check_text("x" * 1000, what="item", example="x") == "x" * 1000


@pytest.mark.parametrize("text", [
    LAO,
    "ສະບາຍດີ ປີໃໝ່ 2031: ການເຄື່ອນຍ້າຍແຮງງານທີ່ປອດໄພ",
    "می\u200cخواهم",  # Persian: ZWNJ keeps the letters apart
    "क्\u200dष",  # Devanagari: ZWJ asks for a half form
    "Family 👨\u200d👩\u200d👧 and 🇱🇦",
    "Safe\u00a0migration",  # a no-break space (Word, Teams) is a space people see
])
def test_lao_other_scripts_joiners_and_no_break_spaces_pass_unchanged(text: str) -> None:
    assert check_text(text, what="item", example="x") == text


def test_tabs_become_spaces_and_invisible_break_hints_go() -> None:
    """What Word, web pages and Lao word breakers paste: tabs, soft hyphens, zero-width spaces
    (also after each * _ ~ ` of the bot's own Slack replies), word joiners, byte order marks."""
    pasted = "\ufeffການ\u200bເຄື່ອນ\u200bຍ້າຍ\tlabour mi\u00adgra\u2060tion *\u200ball*\u200b"
    assert check_text(pasted, what="item", example="x") == "ການເຄື່ອນຍ້າຍ labour migration *all*"
    assert tidy("a\r\nb\rc\n\td") == "a\nb\nc\n d"


@given(st.text(st.sampled_from(INVISIBLE_HINTS + "\t")), st.text())
def test_tidying_only_removes_hints_and_turns_tabs_into_spaces(hints: str, text: str) -> None:
    tidied = tidy(hints + text.replace("\r", ""))
    assert not set(tidied) & set(INVISIBLE_HINTS + "\t")
    assert tidied == "".join(" " if c == "\t" else c for c in hints + text.replace("\r", "")
                             if c not in INVISIBLE_HINTS)


@pytest.mark.parametrize(("token", "what", "problem"), [
    ("x", "agenda item", "'x' is not an agenda item number"),
    ("", "poll", "The poll number is missing"),
])
def test_a_bad_reference_says_what_is_wrong_in_plain_english(
        token: str, what: str, problem: str) -> None:
    with pytest.raises(UserError, match=f"^{problem}; write it as #N.$"):
        parse_ref(token, what, "poll show #3")
