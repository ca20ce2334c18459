"""Replies as Adaptive Cards: escaping, lines, facts, buttons, forms and splitting.

What Microsoft's renderer shows of these cards is in tests/test_teams_renderer.py.
"""

from bot.render_teams import MESSAGE_BYTES, escape, render_cards, wire_size
from handlers.core import Form, FormField, Reply, bold
from handlers.polls.poll_state import vote_choices


def test_user_text_cannot_format_or_link_but_bold_stays() -> None:
    """Reference: CommonMark's backslash escapes and HTML's entities, as markdown-it reads them
    (what Microsoft's renderer then shows is in tests/test_teams_renderer.py)."""
    assert escape(f"{bold('Poll #3')} on [safe](http://x) migration_costs") == \
        "**Poll #3** on \\[safe\\](http://x) migration\\_costs"
    assert escape("# Heading\n- item\n1. first\n> quote") == \
        "\\# Heading\n\\- item\n1\\. first\n&gt; quote"
    assert escape("on R&D <costs> &lt;") == "on R&amp;D &lt;costs&gt; &amp;lt;"


def test_each_line_is_a_text_block_and_a_paragraph_starts_with_spacing() -> None:
    """Reference: Adaptive Cards' TextBlock and ``spacing`` (schema 1.5); in Teams' markdown a
    single line break is a space, so a line needs a block of its own."""
    [card] = render_cards(Reply(text="Agenda\n1. one\n2. two\n\nType help.\n"))
    assert [(block["text"], block.get("spacing")) for block in card["body"]] == [
        ("Agenda", None), ("1\\. one", "None"), ("2\\. two", "None"), ("Type help.", None)]


def test_facts_buttons_and_a_form() -> None:
    reply = Reply(title="Poll #3", text="Rename the WG?", fields=[("Deadline", "Mon 10 Mar")],
                  choices=vote_choices(3)[::2])
    [card] = render_cards(reply)
    assert card["version"] == "1.5"
    assert card["body"][0] == {"type": "TextBlock", "text": "Poll #3", "wrap": True,
                               "weight": "Bolder", "size": "Medium"}
    assert card["body"][2] == {"type": "FactSet",
                               "facts": [{"title": "Deadline", "value": "Mon 10 Mar"}]}
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Agree",
         "data": {"form": "vote", "params": {"poll": 3}, "position": "agree"},
         "style": "positive"},
        {"type": "Action.Submit", "title": "Object",
         "data": {"form": "vote", "params": {"poll": 3}, "position": "object"},
         "style": "destructive"}]
    form = Form("Objection", "objection", [
        FormField("reason", "Reason", multiline=True),
        FormField("agency", "Agency", options=[("ILO", "ILO"), ("IOM", "IOM")], initial="IOM")],
        params={"poll": 3})
    [card] = render_cards(Reply(text="Why?", form=form))
    question, title, reason, agency = card["body"]
    assert (question["text"], title["text"]) == ("Why?", "Objection")
    assert reason["type"] == "Input.Text" and reason["isMultiline"] and reason["isRequired"]
    assert agency["type"] == "Input.ChoiceSet" and agency["value"] == "IOM"
    assert card["actions"] == [{"type": "Action.Submit", "title": "Submit", "data": {
        "form": "objection", "params": {"poll": 3}}}]  # the command is the server's to make


def test_a_form_titled_like_its_reply_shows_the_title_once() -> None:
    """Reference: none beyond the card itself; tests/test_teams_renderer.py shows it rendered."""
    form = Form("Post minutes", "minutes {body}", [FormField("body", "Minutes")])
    [card] = render_cards(Reply(title="Post minutes", text="Write them.", form=form))
    assert [block.get("text") for block in card["body"]] == \
        ["Post minutes", "Write them.", None]


def test_a_long_reply_is_split_into_cards_below_the_limit_with_the_form_last() -> None:
    """Reference: the bytes botbuilder posts (json.dumps, ASCII); the real posts are measured
    against Teams' message size in tests/test_teams_cards.py."""
    lines = [f"Item {n}: " + " ".join(["ການເຄື່ອນຍ້າຍແຮງງານ"] * 20) for n in range(400)]
    form = Form("", "vote #1 object {reason}", [FormField("reason", "Why?")])
    cards = render_cards(Reply(text="\n".join(lines), choices=vote_choices(1),
                               form=form))
    assert len(cards) > 1
    assert all(wire_size(card) < MESSAGE_BYTES - 3000 for card in cards)
    assert wire_size(cards[0]) > MESSAGE_BYTES // 2  # full cards, not a card a line
    shown = [block["text"] for card in cards for block in card["body"]
             if "text" in block and not block.get("isSubtle")]
    assert shown == lines
    assert cards[0]["body"][-1]["text"] == f"Part 1 of {len(cards)}"
    assert "actions" not in cards[0]
    assert [action["title"] for action in cards[-1]["actions"]] == \
        ["Agree", "Abstain", "Object", "Submit"]
    assert any(element["type"] == "Input.Text" for element in cards[-1]["body"])


def test_a_line_longer_than_a_card_is_cut_into_blocks_that_fit() -> None:
    """Reference: the bytes botbuilder posts, where an emoji takes 12 (``\\ud83d\\ude42``)."""
    cards = render_cards(Reply(text="🙂" * 40000))
    assert len(cards) > 1 and all(wire_size(card) < MESSAGE_BYTES - 3000 for card in cards)
    assert sum(block["text"].count("🙂") for card in cards for block in card["body"]) == 40000
