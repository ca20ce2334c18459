"""What members type shows literally on every platform; only the core's own bold is bold.

The core marks its bold with private-use characters (``handlers.core.bold``), which nobody
may type; the renderers turn them into each platform's bold and show every other character
as it is: in Slack mrkdwn a zero-width space after each formatting character keeps it from
formatting (mrkdwn has no escape character), in Teams markdown a backslash escapes it.
"""

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.render_slack import ZWSP, render_message
from bot.render_slack import escape as slack_escape
from bot.render_teams import escape as teams_escape
from bot.render_teams import render_cards
from bot.render_text import render_text
from handlers.core import BOLD_CLOSE, BOLD_OPEN, Choice, Form, FormField, Reply, bold
from tests.conftest import BotHarness
from tests.db_state import assert_refused

MARKUP = "*migration* _x_ ~y~ `z` ** [a](b)\n# h"
SLACK_MARKUP = (f"*{ZWSP}migration*{ZWSP} _{ZWSP}x_{ZWSP} ~{ZWSP}y~{ZWSP} `{ZWSP}z`{ZWSP} "
                f"*{ZWSP}*{ZWSP} [a](b)\n# h")  # [a](b) and # h are not mrkdwn at all
TEAMS_MARKUP = "\\*migration\\* \\_x\\_ \\~y\\~ \\`z\\` \\*\\* \\[a\\](b)\n\\# h"
MIDYEAR = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"'


def _slack_shown(reply: Reply) -> str:
    return "\n".join(block["text"]["text"] for block in render_message(reply).blocks
                     if block["type"] == "section")


def _teams_shown(reply: Reply) -> str:
    return "\n".join(element["text"] for card in render_cards(reply) for element in card["body"]
                     if element["type"] == "TextBlock")


def test_typed_markup_stays_literal_and_the_cores_bold_is_bold() -> None:
    reply = Reply(text=f"{bold('Next meeting')}: {MARKUP}")
    assert _slack_shown(reply) == f"*Next meeting*: {SLACK_MARKUP}"
    assert _teams_shown(reply) == f"**Next meeting**: {TEAMS_MARKUP}"
    assert render_text(reply) == f"*Next meeting*: {MARKUP}"


def test_typed_markup_inside_the_cores_bold_stays_literal() -> None:
    reply = Reply(text=f"{bold('Agree')} (2)\n- ILO: {MARKUP}",
                  fields=[("Reason_for", "Too *narrow*")])
    message = render_message(reply)
    assert message.blocks[0]["text"]["text"] == f"*Agree* (2)\n- ILO: {SLACK_MARKUP}"
    assert message.blocks[1]["fields"][0]["text"] == \
        f"*Reason_{ZWSP}for*\nToo *{ZWSP}narrow*{ZWSP}"
    assert slack_escape(bold("Agenda: Safe *all*")) == f"*Agenda: Safe *{ZWSP}all*{ZWSP}*"
    assert teams_escape(bold("Agenda: Safe *all*")) == "**Agenda: Safe \\*all\\***"
    assert teams_escape(bold("Minutes\nof #1")) == "**Minutes**\n**of #1**"  # a line each


def test_an_agenda_item_with_asterisks_shows_them_on_slack_and_teams(bot: BotHarness) -> None:
    assert bot.say(MIDYEAR).ok
    assert bot.say("agenda add Safe migration for *all*").ok
    agenda = bot.say("agenda", as_="WHO")
    assert _slack_shown(agenda) == (
        '*Next meeting*: meeting #1 "Mid-year review" (Fri 14 Mar 2031, 10:00–12:00 '
        "(Asia/Vientiane))"
        f"\n1. #1 Safe migration for *{ZWSP}all*{ZWSP} — IOM (proposed)")
    assert _teams_shown(agenda) == (
        "Agenda\n"
        '**Next meeting**: meeting #1 "Mid-year review" (Fri 14 Mar 2031, 10:00–12:00 '
        "(Asia/Vientiane))\n1\\. #1 Safe migration for \\*all\\* — IOM (proposed)")
    assert render_text(agenda).endswith("\n1. #1 Safe migration for *all* — IOM (proposed)")


def test_a_verb_in_the_cores_bold_is_refused_not_echoed(bot: BotHarness) -> None:
    """Typed text with the markers is refused like control characters (test_commands); an
    unknown verb is checked too, before "I don't know '...'" would show it."""
    refused = assert_refused(bot, "\ue000agenda\ue001", "private-use character (U+E000)")
    assert refused.text.endswith("Example: help")


def test_bold_cut_between_two_slack_sections_is_closed_and_opened_again() -> None:
    words = " ".join(f"word{n}" for n in range(1000))
    blocks = render_message(Reply(text=bold(words))).blocks
    texts = [block["text"]["text"] for block in blocks]
    assert len(texts) > 1 and all(len(text) <= 3000 for text in texts)
    assert all(re.fullmatch(r"\*[^*]+\*", text) for text in texts)
    assert " ".join(text.strip("*") for text in texts) == words


def _reply(text: str) -> Reply:
    """``text`` everywhere a reply carries text, next to the core's bold."""
    return Reply(title=text, text=f"{bold('Poll')} {text}\n{bold(text)}", fields=[(text, text)],
                 choices=[Choice(text, "vote", {"poll": 1}, {"position": "agree"})],
                 form=Form(text, "vote #1 object {reason}", [
                     FormField("reason", text, placeholder=text, initial=text,
                               options=[("a", text)])]))


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_no_renderer_ever_shows_the_markers(text: str) -> None:
    """Even text that did not come through a command (a display name) never leaves a marker."""
    reply = _reply(text + BOLD_OPEN)
    message = render_message(reply)
    shown = (message.text + json.dumps(message.blocks, ensure_ascii=False)
             + json.dumps(render_cards(reply), ensure_ascii=False) + render_text(reply))
    assert BOLD_OPEN not in shown and BOLD_CLOSE not in shown


_TYPED = st.characters(blacklist_categories=("Cs", "Co"))


@given(st.text(_TYPED, min_size=1).filter(lambda text: text == text.strip()
                                          and "\n" not in text))
def test_plain_text_shows_the_cores_bold_as_asterisks(text: str) -> None:
    assert render_text(Reply(text=bold(text))) == f"*{text}*"


@given(st.text(_TYPED.filter(lambda c: c != ZWSP)))
def test_slack_and_teams_keep_every_typed_character_and_disarm_the_markup(text: str) -> None:
    slack = slack_escape(text)
    assert re.search(f"[*_~`](?!{ZWSP})", slack) is None
    assert slack.replace(ZWSP, "").replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&") == text
    unescaped = re.sub(r"\\(.)", r"\1", teams_escape(text), flags=re.S)  # markdown, then HTML
    assert unescaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text
