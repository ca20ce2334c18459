"""Sending to Slack: the outbox Notifier, and the posting the Slack adapter shares with it.

Slack's answers become the dispatcher's vocabulary: HTTP 429 raises RetryLater with the
Retry-After seconds, 5xx and network trouble raise a transient DeliveryFailed, any other
refusal (channel_not_found, not_in_channel, ...) a permanent one.
"""

import logging
from collections.abc import Awaitable, Callable
from functools import partial

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.render_slack import render_message
from bot.slack_settings import DEFAULT_MIN_INTERVAL, SlackSettings
from handlers.core import Attachment, Reply
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef, ReachedTargets, RetryLater
from settings.schema import AppConfig

log = logging.getLogger(__name__)

PLATFORM = "slack"
DEFAULT_RETRY_AFTER = 30.0
# Slack errors that say "try again later" rather than "this will never work".
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "ratelimited"})


def make_client(settings: SlackSettings) -> AsyncWebClient:
    return AsyncWebClient(token=settings.bot_token, base_url=settings.api_url)


def _retry_after(value: str | None) -> float:
    try:
        return max(float(value or DEFAULT_RETRY_AFTER), 0.0)
    except ValueError:
        return DEFAULT_RETRY_AFTER


async def call_slack(call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await one Web API call, translating its failure for the dispatcher."""
    try:
        return await call
    except SlackApiError as problem:
        response = problem.response
        status = response.status_code
        error = response.data.get("error") if isinstance(response.data, dict) else None
        if status == 429:
            raise RetryLater(_retry_after(response.headers.get("Retry-After")),
                             "Slack rate limit") from None
        if status >= 500 or error in TRANSIENT_ERRORS:
            raise DeliveryFailed(f"Slack answered HTTP {status} {error or ''}".strip(),
                                 transient=True) from None
        raise DeliveryFailed(f"Slack refused the call: {error or f'HTTP {status}'}",
                             transient=False) from None
    except (aiohttp.ClientError, TimeoutError) as problem:
        raise DeliveryFailed(f"cannot reach Slack: {problem!r}", transient=True) from None


class SlackNotifier:
    """Posts outbox deliveries to the network's Slack channel and to people's DMs."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, config: AppConfig,
                 min_interval: float = DEFAULT_MIN_INTERVAL) -> None:
        self.client = client
        self.config = config
        self.min_interval = min_interval  # seconds between messages to one channel
        self._reached = ReachedTargets()

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        if delivery.update_refs:
            return await self.update(delivery.update_refs, delivery.reply)
        targets: list[tuple[str, Callable[[], Awaitable[str]]]] = []
        if delivery.to_network:
            targets.append(("network", self._network_channel))
        for user in delivery.people:
            targets.append((f"user:{user}", partial(self.dm_channel, user)))

        async def post_to(channel: Callable[[], Awaitable[str]]) -> list[PostedRef]:
            return await self.post(await channel(), delivery.reply)

        return await self._reached.send_each(
            delivery.outbox_id,
            [(target, partial(post_to, channel)) for target, channel in targets])

    async def _network_channel(self) -> str:
        if not self.config.channels.slack:
            raise DeliveryFailed("channels.slack is not set in app.yaml", transient=False)
        return self.config.channels.slack

    async def dm_channel(self, user: str) -> str:
        opened = await call_slack(self.client.conversations_open(users=user))
        channel_id: str = opened["channel"]["id"]
        return channel_id

    async def post(self, channel: str, reply: Reply) -> list[PostedRef]:
        """Post a reply as one message, then its files (and the whole reply as a file when it
        was too long for one message)."""
        message = render_message(reply)
        posted = await call_slack(self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False))
        ref = PostedRef(channel=posted["channel"], message_ref=posted["ts"])
        await self.upload(ref.channel, message.files(reply))
        return [ref]

    async def update(
        self, refs: tuple[PostedRef, ...], reply: Reply
    ) -> list[PostedRef]:
        """Update a posted message in place (a poll's tally)."""
        message = render_message(reply)
        first = refs[0]
        await call_slack(self.client.chat_update(
            channel=first.channel, ts=first.message_ref, text=message.text,
            blocks=message.blocks))
        return [first]

    async def upload(self, channel: str, files: list[Attachment]) -> None:
        for attachment in files:
            await call_slack(self.client.files_upload_v2(
                channel=channel, content=attachment.content, filename=attachment.filename,
                title=attachment.title or attachment.filename))
