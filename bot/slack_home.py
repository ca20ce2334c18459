"""The app's Home tab in Slack: the ``home`` command's reply as a ``home`` view.

When a person opens the Home tab (the ``app_home_opened`` event, ``tab`` "home"), the adapter
runs ``home`` as them through the same core as ``/network`` (roster, permissions) and publishes
the reply with ``views.publish`` (docs.slack.dev/reference/methods/views.publish: no scope
beyond the bot token; the Home tab must be on in the manifest). Its buttons are the reply's
own, with the same action ids and values as in a message, so a click takes the usual path;
a click there has no ``response_url`` or channel, so its answer goes to the person's DM with
the app (the app's Messages tab) and the tab is published again (``bot.slack``).

A view holds at most 100 blocks: a longer reply shows its beginning and says so, keeping its
buttons. No Slack library is loaded here: the manifest reads these names too.
"""

from typing import Any

from bot.render_slack import Block, context, escape, reply_blocks
from handlers.core import Reply

HOME_COMMAND = "home"
HOME_EVENT = "app_home_opened"
HOME_TAB = "home"  # the event's ``tab``; "messages" is the Messages tab
HOME_BLOCK_LIMIT = 100
CUT = ("The Home tab holds {limit} blocks, so only the beginning is shown: type /network home "
       "for all of it.")


def home_view(reply: Reply) -> dict[str, Any]:
    """The reply as a Home tab view, within Slack's 100 blocks."""
    head, body, tail = reply_blocks(reply)
    blocks: list[Block] = head + body + tail
    if len(blocks) > HOME_BLOCK_LIMIT:
        note = context(escape(CUT.format(limit=HOME_BLOCK_LIMIT)))
        tail = tail[:HOME_BLOCK_LIMIT - len(head) - 1]
        room = HOME_BLOCK_LIMIT - len(head) - 1 - len(tail)
        blocks = head + body[:room] + [note] + tail
    return {"type": "home", "blocks": blocks}
