"""Slack's requests over Socket Mode (a WebSocket the bot opens) instead of HTTP.

The protocol (docs.slack.dev/apis/events-api/using-socket-mode): ``apps.connections.open`` with
the app-level token (``xapp-``, scope ``connections:write``) gives a WebSocket URL; Slack says
``hello``, sends envelopes (``slash_commands``, ``interactive``, ``events_api``) that the bot
acknowledges by ``envelope_id`` (with the reply as the ack's payload), and asks the bot to move
to a new connection with ``disconnect`` (``refresh_requested`` and the like), which slack_sdk's
client does by opening a new URL.

slack_sdk's aiohttp client makes its HTTP session in its constructor, which needs a running
event loop, so the handler is built in ``start`` (inside ``serve``'s loop), never before it.
It connects in the background and keeps trying while Slack cannot be reached, so Slack being
away never holds up or takes down the web server (health, Teams, the outbox).
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.slack import SlackAdapter

log = logging.getLogger(__name__)

FIRST_RETRY = 1.0  # seconds before connecting again after a failed attempt
LAST_RETRY = 60.0
# apps.connections.open errors that no retry will cure.
REFUSED = frozenset({"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked",
                     "account_inactive", "missing_scope"})


class SocketMode:
    """The background service that receives Slack's requests over Socket Mode."""

    name = "Slack Socket Mode"

    def __init__(self, adapter: "SlackAdapter", app_token: str) -> None:
        self.adapter = adapter
        self.app_token = app_token
        self.handler: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        self.handler = AsyncSocketModeHandler(self.adapter.bolt, self.app_token, logger=log,
                                              web_client=self.adapter.client)
        self._connecting = asyncio.ensure_future(self._connect(self.handler))

    async def _connect(self, handler: "AsyncSocketModeHandler") -> None:
        """Get a WebSocket URL (saying clearly when the app token is refused, and trying again
        while Slack cannot be reached), then let slack_sdk connect and keep connected."""
        wait = FIRST_RETRY
        while True:
            try:
                handler.client.wss_uri = await handler.client.issue_new_wss_url()
                await handler.connect_async()  # type: ignore[no-untyped-call]
                log.info("Slack Socket Mode connected")
                return
            except SlackApiError as problem:
                error = problem.response.get("error") if problem.response else None
                if error in REFUSED:
                    log.error("Slack refused the Socket Mode connection (%s): check "
                              "SLACK_APP_TOKEN (an app-level token with connections:write)",
                              error)
                    return
                log.warning("Slack Socket Mode could not connect (%s); trying again in "
                            "%.0f s", error or problem, wait)
            except Exception as problem:  # the network
                log.warning("Slack Socket Mode could not connect (%r); trying again in %.0f s",
                            problem, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, LAST_RETRY)

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
        if self.handler is not None:
            await self.handler.close_async()  # type: ignore[no-untyped-call]
