"""The Reply in Block Kit: escaping and Slack's size limits."""

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.render_slack import (
    INPUT_LIMIT,
    ZWSP,
    FormOrigin,
    escape,
    modal_view,
    render_message,
    submitted_values,
)
from bot.reply_pieces import split_text
from handlers.core import Choice, Form, FormField, Reply, bold


def test_user_text_never_pings_or_links() -> None:
    reply = Reply(title="<!channel> & co",
                  text=f"{bold('Item')} <!here> <@U123> <https://evil|x> & y",
                  fields=[("<b>", "a & b")])
    message = render_message(reply)
    raw = json.dumps(message.blocks)
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": "<!channel> & co",
                                         "emoji": True}  # plain text: shown, never parsed
    assert message.blocks[1]["text"]["text"] == \
        "*Item* &lt;!here&gt; &lt;@U123&gt; &lt;https://evil|x&gt; &amp; y"
    assert message.blocks[2]["fields"][0]["text"] == "*&lt;b&gt;*\na &amp; b"
    assert message.text == "&lt;!channel&gt; &amp; co"
    assert "<!here>" not in raw and "<@U123>" not in raw


@given(st.text(alphabet="ab &<>\n*_", max_size=7000))
def test_split_text_keeps_every_character_within_the_limit(text: str) -> None:
    escaped = escape(text)
    pieces = split_text(escaped, limit=50)
    assert all(len(piece) <= 50 for piece in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == \
        escaped.replace("\n", "").replace(" ", "")
    assert all(not piece.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))
               for piece in pieces)
    assert all(not piece.startswith(ZWSP) for piece in pieces)  # it stays with its * or _


def test_a_long_word_is_cut_outside_entities_and_disarmed_characters() -> None:
    pieces = split_text("x" * 2998 + "&amp;" + "y" * 10, limit=3000)
    assert pieces == ["x" * 2998, "&amp;" + "y" * 10]
    assert split_text(escape("x" * 2998 + "*y"), limit=3000) == ["x" * 2998, f"*{ZWSP}y"]


def test_a_reply_too_long_for_one_message_shows_its_beginning_and_comes_whole_as_a_file(
) -> None:
    """A command's response_url takes 5 messages in 30 minutes (Slack's documented limit), so
    a long reply is one message, never a series of follow-ups."""
    reply = Reply(title="Agenda of meeting #3", text="intro",
                  fields=[(f"f{n}", "v") for n in range(600)],
                  choices=[Choice(f"c{n}", "vote", {"poll": n}, {"position": "agree"})
                           for n in range(30)])
    message = render_message(reply)
    assert len(message.blocks) <= 50 and len(json.dumps(message.blocks)) <= 12000
    assert message.blocks[0]["type"] == "header"
    shown = [f["text"] for b in message.blocks for f in b.get("fields", [])]
    assert 0 < len(shown) < 600 and shown == [f"*f{n}*\nv" for n in range(len(shown))]
    notes = [b["elements"][0]["text"] for b in message.blocks if b["type"] == "context"]
    assert notes == ["This reply is too long for one Slack message, so only its beginning "
                     "is shown: the whole of it is in agenda-of-meeting-3.txt.",
                     "Attached: agenda-of-meeting-3.txt"]
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]  # every button is kept
    assert message.overflow is not None and message.overflow.mime == "text/plain"
    whole = message.overflow.content.decode()
    assert whole.startswith("== Agenda of meeting #3 ==\nintro\n  f0: v\n")
    assert whole.count(": v\n") == 600 and "vote #" not in whole
    assert message.files(reply) == [message.overflow]


def test_a_reply_that_fits_has_no_file() -> None:
    message = render_message(Reply(text="short", fields=[("a", "b")]))
    assert message.overflow is None and message.files(Reply()) == []


def test_a_long_field_value_becomes_sections() -> None:
    message = render_message(Reply(fields=[("Body", "z" * 2500), ("Short", "ok")]))
    assert [b["type"] for b in message.blocks] == ["section", "section"]
    assert message.blocks[0]["text"]["text"] == "*Body*\n" + "z" * 2500
    assert message.blocks[1]["fields"] == [{"type": "mrkdwn", "text": "*Short*\nok"}]


def test_forms_become_modals_and_their_values_come_back() -> None:
    form = Form("A very long form title that Slack would refuse", "objection",
                [FormField("position", "Position", options=[("agree", "Agree"),
                                                             ("object", "Object")],
                           initial="object"),
                 FormField("reason", "Reason <why>", multiline=True, required=False,
                           placeholder="Say why")])
    origin = FormOrigin("objection", {"poll": 3}, "C1", "https://hooks/x")
    view = modal_view(form, "Poll #3 & you", origin)
    assert len(view["title"]["text"]) <= 24
    assert view["blocks"][0]["text"]["text"] == "Poll #3 &amp; you"
    select, reason = view["blocks"][1]["element"], view["blocks"][2]
    assert select["initial_option"]["value"] == "object"
    assert reason["optional"] is True and reason["label"]["text"] == "Reason <why>"
    assert FormOrigin.load(view["private_metadata"]) == origin
    state = {"values": {"position": {"position": {"type": "static_select",
                                                  "selected_option": {"value": "agree"}}},
                        "reason": {"reason": {"type": "plain_text_input", "value": None}}}}
    values = submitted_values({"state": state})
    assert values == {"position": "agree", "reason": ""}


def test_a_field_longer_than_a_slack_input_becomes_several_inputs() -> None:
    """Slack caps a plain_text_input at 3,000 characters (its max_length); minutes may have
    20,000, so the field is shown as boxes that are joined again."""
    form = Form("Post minutes", "minutes",
                [FormField("meeting", "Meeting", options=[("#1", "#1 Meeting")]),
                 FormField("body", "Minutes", multiline=True, max_length=7500)])
    origin = FormOrigin("minutes", {}, "C1")
    view = modal_view(form, "", origin)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["block_id"], b["optional"], b["element"].get("max_length")) for b in inputs] == [
        ("meeting", False, None), ("body", False, INPUT_LIMIT), ("body~2", True, INPUT_LIMIT),
        ("body~3", True, 1500)]
    assert inputs[2]["label"]["text"] == "Minutes (continued, 2 of 3)"
    assert "3,000 characters a box" in view["blocks"][0]["text"]["text"]
    state = {"values": {
        "meeting": {"meeting": {"type": "static_select", "selected_option": {"value": "#1"}}},
        "body~2": {"body": {"type": "plain_text_input", "value": "#agreed Second"}},
        "body": {"body": {"type": "plain_text_input", "value": "#agreed First"}},
        "body~3": {"body": {"type": "plain_text_input", "value": None}}}}
    assert submitted_values({"state": state}) == {"meeting": "#1",
                                                  "body": "#agreed First\n#agreed Second"}
