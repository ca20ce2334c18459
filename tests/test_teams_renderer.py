"""What a person sees of the bot's cards in Teams, rendered by Microsoft's renderer.

The reference is the npm package adaptivecards (Microsoft's Adaptive Cards renderer for HTML)
in a jsdom document, with TextBlock markdown processed as Teams does: by markdown-it with HTML
allowed (tests/node/render_cards.js, pinned in tests/node/, installed by tests/node_tools.py).
It shows each card as the lines of text a person reads; ``**`` marks bold.
"""

import asyncio
import json
import re
from typing import Any

from sqlalchemy import Engine

from bot.app import App
from bot.render_teams import render_cards
from handlers.core import Reply
from handlers.runner import Runner
from settings.schema import AppConfig
from tests.conftest import Clock
from tests.fake_teams import Sent
from tests.node_tools import NodeTools
from tests.teams_world import BOT, CHANNEL, TeamsWorld, user

# Text that markdown or HTML would take for markup: each must show exactly as typed.
TYPED = [
    "on R&D <costs>",
    "Data & evidence <draft> from R&D",
    "<b>not bold</b> <i>nor italic</i> <script>alert(1)</script> <br> <p>",
    "<title>takes the rest of the text for a title",
    "&lt; &amp; &#35; &copy; &nbsp; as typed",
    "back\\slash \\<x> \\& \\*",
    "[a link](http://example.org) <https://example.org> ![image](x.png)",
    "under_scores, ~~strike~~, `code` and a single * star",
    "# not a heading",
    "> not a quote",
    "- not a list",
    "+ not a list",
    "1. not a numbered list",
    "--- not a rule",
    "| not | a table |",
    "<!-- not a comment -->",
    "ການເຄື່ອນຍ້າຍແຮງງານ ແລະ ສິດທິຂອງແຮງງານເຄື່ອນຍ້າຍ 🙂",
]


def _seen(node_tools: NodeTools, cards: list[dict[str, Any]]) -> list[list[str]]:
    """The lines each card shows; the renderer found nothing to complain about."""
    rendered = node_tools.run("render_cards.js", stdin=json.dumps(cards))["cards"]
    assert [card["problems"] for card in rendered] == [[] for _ in cards]
    return [card["lines"] for card in rendered]


def _lines(node_tools: NodeTools, sent: list[Sent]) -> list[str]:
    return [line for lines in _seen(node_tools, [c for s in sent for c in s.cards])
            for line in lines]


def test_every_character_typed_shows_as_typed_on_its_own_line(node_tools: NodeTools) -> None:
    """Reference: Microsoft's renderer (adaptivecards, markdown-it with HTML, jsdom)."""
    [lines] = _seen(node_tools, render_cards(Reply(text="\n".join(TYPED))))
    assert lines == [re.sub(r"\s+", " ", text) for text in TYPED]


def test_lists_polls_forms_and_help_read_line_by_line(
    engine: Engine, config: AppConfig, node_tools: NodeTools,
) -> None:
    """Reference: Microsoft's renderer (adaptivecards, markdown-it with HTML, jsdom), on the
    cards the bot sends through its Teams adapter. Before: an agenda read as one paragraph,
    a poll ran its sentences together, ``<reason>`` and ``<costs>`` vanished, ``<title>`` in
    help took the text after it, and the minutes form showed its title twice."""
    clock = Clock()
    app = App(config=config, engine=engine, runner=Runner(engine, config, clock))

    async def main() -> None:
        async with TeamsWorld(app) as world:
            teams = world.teams
            await teams.post(teams.activity("conversationUpdate", conversation=CHANNEL,
                                            conversation_type="channel", membersAdded=[BOT]))
            await teams.say('meeting schedule regular 24/03/2031 10:00 "Spring meeting"')
            for item in ("Labour migration data #6", "on R&D <costs>",
                         "ການເຄື່ອນຍ້າຍແຮງງານ #10"):
                await teams.say(f"agenda add {item}")
            assert _lines(node_tools, await teams.say("agenda list")) == [
                "Agenda",
                '**Next meeting**: meeting #1 "Spring meeting" (Mon 24 Mar 2031, 10:00–12:00 '
                "(Asia/Vientiane))",
                "1. #1 Labour migration data — IOM (proposed) · obj 6",
                "2. #2 on R&D <costs> — IOM (proposed)",
                "3. #3 ການເຄື່ອນຍ້າຍແຮງງານ — IOM (proposed) · obj 10"]

            helped = _lines(node_tools, await teams.say("help"))
            assert '**poll propose "<text>" [until <when>]** — Put a statement or plan to a ' \
                "consensus poll (Chair or Secretariat). e.g. poll propose \"Adopt the 2031 " \
                'annual work plan" until 14 Mar 2031 17:00' in helped
            schedule = next(line for line in helped if "meeting schedule" in line)
            assert schedule.startswith('**meeting schedule regular|adhoc|wg:<slug> <when> '
                                       '"<title>" [where <place or link>]** — Schedule')
            after = helped[helped.index(schedule) + 1]
            assert after.startswith("**meeting show #N** — Show one meeting")

            await teams.say('poll wg create "Migration Data" collect data', sender=user("RCO"))
            poll = await world.posted("Poll #1")
            assert _lines(node_tools, [poll])[:3] == [
                "Poll #1",
                'Create the working group "Migration Data" (migration-data). Mandate: collect '
                "data",
                "Open until Mon 10 Mar 2031, 09:00 (Asia/Vientiane); 0 of 10 agencies have "
                "taken a position."]
            assert "Vote with the buttons, or type vote #1 agree, vote #1 abstain or vote #1 " \
                "object <reason>." in _lines(node_tools, [poll])
            assert _lines(node_tools, await teams.say("vote #1 object", sender=user("ILO"))) == [
                "An objection blocks consensus on poll #1, so please give your agency's reason.",
                "Or type: vote #1 object <reason>",
                "Object to poll #1",
                "Why does your agency object? *",
                "[The reason will be shown to all member agencies.]",
                "Object"]

            clock.advance(days=22)
            form = _lines(node_tools, await teams.say("minutes"))
            assert form.count("Post minutes") == 1 and form[:2] == [
                "Post minutes",
                "Write the minutes with markers: #attendees, #topic, #info, #agreed, #action."]
            await teams.say("minutes #1 #attendees RCO IOM #topic Data & evidence <draft> from "
                            "R&D #agreed Publish the <2031> figures")
            shown = _lines(node_tools, await teams.say("minutes #1"))
            assert "**Data & evidence <draft> from R&D**" in shown
            assert "- **Agreed** (decision #1): Publish the <2031> figures" in shown

    asyncio.run(main())
