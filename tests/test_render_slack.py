"""The Reply in Block Kit: escaping and Slack's size limits."""

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.render_slack import (
    FormOrigin,
    escape,
    modal_view,
    render_messages,
    split_text,
    submitted_values,
)
from handlers.core import Choice, Form, FormField, Reply


def test_user_text_never_pings_or_links() -> None:
    reply = Reply(title="<!channel> & co", text="*Item* <!here> <@U123> <https://evil|x> & y",
                  fields=[("<b>", "a & b")])
    [message] = render_messages(reply)
    raw = json.dumps(message.blocks)
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": "<!channel> & co",
                                         "emoji": True}  # plain text: shown, never parsed
    assert message.blocks[1]["text"]["text"] == \
        "*Item* &lt;!here&gt; &lt;@U123&gt; &lt;https://evil|x&gt; &amp; y"
    assert message.blocks[2]["fields"][0]["text"] == "*&lt;b&gt;*\na &amp; b"
    assert message.text == "&lt;!channel&gt; &amp; co"
    assert "<!here>" not in raw and "<@U123>" not in raw


@given(st.text(alphabet="ab &<>\n", max_size=7000))
def test_split_text_keeps_every_character_within_the_limit(text: str) -> None:
    escaped = escape(text)
    pieces = split_text(escaped, limit=50)
    assert all(len(piece) <= 50 for piece in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == \
        escaped.replace("\n", "").replace(" ", "")
    assert all(not piece.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))
               for piece in pieces)


def test_a_long_word_is_cut_outside_entities() -> None:
    pieces = split_text("x" * 2998 + "&amp;" + "y" * 10, limit=3000)
    assert pieces == ["x" * 2998, "&amp;" + "y" * 10]


def test_many_blocks_become_several_messages() -> None:
    reply = Reply(text="intro", fields=[(f"f{n}", "v") for n in range(600)],
                  choices=[Choice(f"c{n}", f"vote #{n} agree") for n in range(30)])
    messages = render_messages(reply)
    assert len(messages) > 1
    assert all(len(m.blocks) <= 50 for m in messages)
    assert all(len(json.dumps(m.blocks)) <= 12000 for m in messages)
    fields = [f for m in messages for b in m.blocks for f in b.get("fields", [])]
    assert len(fields) == 600 and all(len(b.get("fields", [])) <= 10
                                      for m in messages for b in m.blocks)
    actions = [b for b in messages[-1].blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]
    assert actions[1]["elements"][-1]["action_id"] == "network_choice_30"
    assert messages[1].text == f"intro (part 2 of {len(messages)})"


def test_a_long_field_value_becomes_sections() -> None:
    [message] = render_messages(Reply(fields=[("Body", "z" * 2500), ("Short", "ok")]))
    assert [b["type"] for b in message.blocks] == ["section", "section"]
    assert message.blocks[0]["text"]["text"] == "*Body*\n" + "z" * 2500
    assert message.blocks[1]["fields"] == [{"type": "mrkdwn", "text": "*Short*\nok"}]


def test_forms_become_modals_and_their_values_come_back() -> None:
    form = Form("A very long form title that Slack would refuse", "vote #3 {position} {reason}",
                [FormField("position", "Position", options=[("agree", "Agree"),
                                                             ("object", "Object")],
                           initial="object"),
                 FormField("reason", "Reason <why>", multiline=True, required=False,
                           placeholder="Say why")])
    origin = FormOrigin(form.submit, ("position", "reason"), "C1", "https://hooks/x")
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
    assert origin.form().command_for(values) == "vote #3 agree "
