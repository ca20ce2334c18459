"""Reading the escaped text of ``/network`` back into what the person typed.

The expectations follow Slack's "Formatting text for app surfaces" (docs.slack.dev/messaging/
formatting-message-text): with ``should_escape`` on, ``&``, ``<`` and ``>`` that a person typed
arrive as ``&amp;``, ``&lt;`` and ``&gt;``; people, channels, user groups, @here and links that
Slack recognised arrive as ``<...>`` control sequences.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack_text import from_slack, unescape, unlabelled_people
from handlers.mentions import as_names


@pytest.mark.parametrize(("sent", "typed"), [
    ("agenda add R&amp;D costs &lt;draft&gt;", "agenda add R&D costs <draft>"),
    ("people add <@U0123ABC|jane.doe> UNICEF", "people add <@U0123ABC|jane.doe> UNICEF"),
    ("people add <@U0123ABC> UNICEF", "people add <@U0123ABC> UNICEF"),
    ("agenda add see <#C024BE7LR|general>", "agenda add see #general"),
    ("agenda add see <#C024BE7LR>", "agenda add see #C024BE7LR"),
    ("agenda add <!here> and <!channel> and <!everyone>",
     "agenda add @here and @channel and @everyone"),
    ("agenda add ask <!subteam^S123|@data-team>", "agenda add ask @data-team"),
    ("agenda add on <!date^1392734382^{date}|Feb 18, 2014>", "agenda add on Feb 18, 2014"),
    ("agenda add read <https://iom.int/report?a=1&amp;b=2>",
     "agenda add read https://iom.int/report?a=1&b=2"),
    ("agenda add read <http://x.io|x.io>", "agenda add read x.io"),
    ("agenda add mail <mailto:a@un.org|a@un.org>", "agenda add mail a@un.org"),
    ("agenda add typed &amp;lt; itself", "agenda add typed &lt; itself"),
    ("agenda add &lt;@U999|forged&gt;", "agenda add <@U999|forged>"),
    ("minutes #3 #agreed A\n#action ILO draft", "minutes #3 #agreed A\n#action ILO draft"),
    ("ການເຄື່ອນຍ້າຍ &amp; ສິດທິ", "ການເຄື່ອນຍ້າຍ & ສິດທິ"),
])
def test_slacks_text_reads_as_typed(sent: str, typed: str) -> None:
    assert from_slack(sent) == typed


def test_mentions_slack_sent_without_a_name_get_the_name_looked_up() -> None:
    sent = "people add <@U0123ABC> UNICEF with <@W777|known>"
    assert unlabelled_people(sent) == ["U0123ABC"]
    assert from_slack(sent, {"U0123ABC": "Jane <Doe>|x"}) == \
        "people add <@U0123ABC|Jane Doex> UNICEF with <@W777|known>"


def test_a_literal_mention_typed_as_text_is_not_looked_up() -> None:
    assert unlabelled_people("agenda add &lt;@U0123ABC&gt;") == []


def test_commands_that_do_not_name_people_show_mentions_as_names() -> None:
    assert as_names("agenda add with <@U0123ABC|Jane Doe> and <@AAD-1|ILO Focal Point>") == \
        "agenda add with @Jane Doe and @ILO Focal Point"
    assert as_names("with <@U0123ABC>") == "with @U0123ABC"


@given(st.text(alphabet="ab &<>;lgtamp|@!#\n", max_size=60))
def test_any_text_typed_in_slack_comes_back_whole(typed: str) -> None:
    """What Slack sends for typed text without recognised mentions or links is the text with
    its three characters escaped; reading it back gives exactly what was typed."""
    sent = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert from_slack(sent) == typed
    assert unescape(sent) == typed
