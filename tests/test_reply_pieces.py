"""The line a notification shows is chosen once, for Slack's fallback and Teams' summary."""

from bot.render_slack import fallback_text
from bot.render_teams import summary
from bot.reply_pieces import headline
from handlers.core import Reply, bold


def test_the_headline_is_the_title_else_the_first_line_with_text_without_bold() -> None:
    assert headline(Reply(title="Poll #3", text="Agree?")) == "Poll #3"
    assert headline(Reply(text="\n  \n  " + bold("Meeting #1") + " moved  \nto Friday")) == \
        "Meeting #1 moved"
    assert headline(Reply()) == ""


def test_slack_and_teams_show_the_same_line_each_within_its_own_limit() -> None:
    reply = Reply(text=" " + bold("Poll") + " closes\nsecond line")
    assert fallback_text(reply) == summary(reply) == "Poll closes"
    long = Reply(text="x" * 400)
    assert fallback_text(long) == "x" * 299 + "…" and summary(long) == "x" * 300
    assert fallback_text(Reply()) == "(no text)" and summary(Reply()) == ""
