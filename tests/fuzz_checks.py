"""What every fuzzed command must satisfy, and running one with the database put back after.

Hypothesis runs many examples inside one test, so the function-scoped database fixtures are
built once per test: each example snapshots every table, runs, and restores the snapshot if
anything changed, so examples do not see each other and a failure replays the same way.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.render_slack import render_message
from bot.render_teams import render_cards
from bot.render_text import render_text
from handlers.core import BOLD_CLOSE, BOLD_OPEN, Reply
from handlers.runner import INTERNAL_ERROR
from tests.conftest import BotHarness
from tests.db_state import restore, snapshot

# Refusals that are not about what was typed but about who typed it; they point to help.
ABOUT_THE_SPEAKER = ("You are not on the roster of", "As a partner (")
# Slack markup that pings people or links channels; user text must never produce it.
_PINGS = re.compile(r"<[!@#]")


def check_reply(reply: Reply) -> None:
    """A non-empty text, no crash, an example with every refusal of input, and output that
    renders on Slack (with nothing that pings), on Teams and as text, none of it with the
    core's bold markers left in."""
    assert reply.text.strip()
    assert INTERNAL_ERROR not in reply.text
    if not reply.ok and not reply.text.startswith(ABOUT_THE_SPEAKER):
        assert "\nExample: " in reply.text, reply.text
    message = render_message(reply)
    shown = message.text + json.dumps(_without_button_values(message.blocks), ensure_ascii=False)
    assert not _PINGS.search(shown), shown
    shown += json.dumps(render_cards(reply), ensure_ascii=False) + render_text(reply)
    assert BOLD_OPEN not in shown and BOLD_CLOSE not in shown, shown


def _without_button_values(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocks as shown: a button's value (the command it runs, e.g. a correction of the
    minutes) is never displayed, it comes back to the bot as typed text."""
    return [{**block, "elements": [{k: v for k, v in e.items() if k != "value"}
                                   for e in block["elements"]]}
            if block.get("type") == "actions" else block for block in blocks]


@contextmanager
def attempted(bot: BotHarness, line: str, speaker: str = "IOM") -> Iterator[tuple[Reply, bool]]:
    """Run one line and give its reply and whether the database changed; on leaving, undo
    the change. A refusal that changed the database fails here, whatever the caller checks.
    """
    before = snapshot(bot.engine)
    reply = bot.say(line, as_=speaker)
    changed = snapshot(bot.engine) != before
    try:
        assert reply.ok or not changed, f"refused {line!r} but changed the database"
        check_reply(reply)
        yield reply, changed
    finally:
        if changed:
            restore(bot.engine, before)
