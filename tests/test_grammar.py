"""The pieces of the command grammar."""

import pytest

from handlers.core import UserError
from handlers.grammar import check_text, parse_ref, strip_prefix, take_quoted


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
])
def test_bad_text_is_refused_with_an_example(text: str, problem: str) -> None:
    with pytest.raises(UserError) as raised:
        check_text(text, what="agenda item", example="agenda add Budget")
    assert problem in raised.value.problem
    assert raised.value.example == "agenda add Budget"


def test_good_text_keeps_lao_script_and_newlines() -> None:
    lao = "ການເຄື່ອນຍ້າຍແຮງງານ\nລາວ"
    assert check_text(f"  {lao}\r\n", what="item", example="x") == lao
    assert check_text("x" * 1000, what="item", example="x") == "x" * 1000


@pytest.mark.parametrize(("token", "what", "problem"), [
    ("x", "agenda item", "'x' is not an agenda item number"),
    ("", "poll", "The poll number is missing"),
])
def test_a_bad_reference_says_what_is_wrong_in_plain_english(
        token: str, what: str, problem: str) -> None:
    with pytest.raises(UserError, match=f"^{problem}; write it as #N.$"):
        parse_ref(token, what, "poll show #3")
