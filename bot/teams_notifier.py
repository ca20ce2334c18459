"""Sending to Microsoft Teams: replies in a turn, and the outbox Notifier for proactive posts.

Proactive posts go through the conversation references the adapter stores (table
``conversationref``, platform ``teams``) and ``continue_conversation``: the network channel is
``channels.teams`` from app.yaml, a person is reached in their personal chat with the bot. The
Bot Connector's answers become the dispatcher's vocabulary: HTTP 429 raises RetryLater with its
Retry-After, 412/5xx and network trouble a transient DeliveryFailed, any other refusal a
permanent one.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.app import App
from bot.render_teams import CONTENT_TYPE, render_cards, summary
from handlers.core import Reply
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef, ReachedTargets, RetryLater
from storage.db import transaction
from storage.models import ConversationRef

log = logging.getLogger(__name__)

PLATFORM = "teams"
LATE_NOTE = "Sent late: the bot was offline when this was due."
DEFAULT_RETRY_AFTER = 30.0
TRANSIENT_STATUSES = frozenset({412, 500, 502, 503, 504})

T = TypeVar("T")


def remember(engine: Engine, reference: dict[str, Any]) -> None:
    """Store (or refresh) where the bot can post into a conversation later."""
    conversation = reference["conversation"]["id"]
    try:
        with transaction(engine) as session:
            row = session.exec(select(ConversationRef).where(
                ConversationRef.platform == PLATFORM,
                ConversationRef.conversation_id == conversation)).first()
            if row is None:
                row = ConversationRef(platform=PLATFORM, conversation_id=conversation)
            row.reference = reference
            row.updated_at = datetime.now(UTC)
            session.add(row)
    except IntegrityError:
        log.info("conversation %s was stored by a concurrent request", conversation)


def _activities(reply: Reply, note: str | None = None) -> list[Activity]:
    cards = render_cards(reply, note)
    return [Activity(type=ActivityTypes.message, summary=summary(reply) or None,
                     attachments=[Attachment(content_type=CONTENT_TYPE, content=card)])
            for card in cards]


def _status(problem: HttpOperationError) -> tuple[int, str | None]:
    response = problem.response
    status = getattr(response, "status_code", None) or getattr(response, "status", 0)
    headers = getattr(response, "headers", {}) or {}
    return int(status), headers.get("Retry-After")


def _retry_after(value: str | None) -> float:
    try:
        return max(float(value or DEFAULT_RETRY_AFTER), 0.0)
    except ValueError:
        return DEFAULT_RETRY_AFTER


def translate(problem: Exception) -> Exception:
    """A Bot Connector failure as RetryLater or DeliveryFailed."""
    if isinstance(problem, HttpOperationError):
        status, retry_after = _status(problem)
        if status == 429:
            return RetryLater(_retry_after(retry_after), "Teams rate limit")
        if status in TRANSIENT_STATUSES or status >= 500:
            return DeliveryFailed(f"Teams answered HTTP {status}", transient=True)
        return DeliveryFailed(f"Teams refused the message: HTTP {status}", transient=False)
    return DeliveryFailed(f"cannot reach Teams: {problem!r}", transient=True)


SENDING_ERRORS = (HttpOperationError, ClientRequestError, aiohttp.ClientError, TimeoutError,
                  OSError)


class TeamsNotifier:
    """Posts outbox deliveries to the network's Teams channel and to people's personal chats."""

    platform = PLATFORM
    min_interval = 1 / 7  # seconds between messages to one conversation (Teams: 7 a second)

    def __init__(self, cloud: CloudAdapter, app: App, app_id: str) -> None:
        self.cloud = cloud
        self.core = app
        self.app_id = app_id or None
        self._reached = ReachedTargets()

    # -- in a turn ----------------------------------------------------------------------

    async def reply_in(self, turn: TurnContext, reply: Reply) -> None:
        """Answer in the conversation of the turn; announcements go to the network channel."""
        for activity in _activities(reply):
            await turn.send_activity(activity)
        for post in reply.posts:
            if self.core.config.channels.teams:
                try:
                    await self.post(self.core.config.channels.teams, post.reply)
                except (RetryLater, DeliveryFailed) as problem:
                    log.warning("could not post to the Teams channel: %s", problem)
            else:
                for activity in _activities(post.reply):
                    await turn.send_activity(activity)

    # -- the outbox ---------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        note = LATE_NOTE if delivery.late else None
        if delivery.update_refs:
            return await self.update(delivery.update_refs, delivery.reply, note)
        targets: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = []
        if delivery.to_network:
            targets.append(("network", self._network_reference))
        for user in delivery.people:
            targets.append((f"user:{user}", lambda user=user: self._personal_reference(user)))

        async def post_to(reference: Callable[[], Awaitable[dict[str, Any]]]) -> list[PostedRef]:
            return await self._post(await reference(), delivery.reply, note)

        return await self._reached.send_each(
            delivery.outbox_id, [(target, lambda r=ref: post_to(r)) for target, ref in targets])

    async def post(self, conversation_id: str, reply: Reply) -> list[PostedRef]:
        return await self._post(await self._reference(conversation_id), reply)

    async def _post(self, reference: dict[str, Any], reply: Reply,
                    note: str | None = None) -> list[PostedRef]:
        async def post(turn: TurnContext) -> list[PostedRef]:
            refs = []
            for activity in _activities(reply, note):
                sent = await turn.send_activity(activity)
                refs.append(PostedRef(channel=turn.activity.conversation.id,
                                      message_ref=sent.id if sent else ""))
            return refs

        return await self._in_conversation(reference, post)

    async def update(self, refs: tuple[PostedRef, ...], reply: Reply,
                     note: str | None = None) -> list[PostedRef]:
        """Update cards in place (a poll's tally); parts beyond the refs are posted anew."""
        activities = _activities(reply, note)

        async def update(turn: TurnContext) -> list[PostedRef]:
            updated = []
            for ref, activity in zip(refs, activities, strict=False):
                activity.id = ref.message_ref
                await turn.update_activity(activity)
                updated.append(ref)
            for activity in activities[len(refs):]:
                sent = await turn.send_activity(activity)
                updated.append(PostedRef(channel=refs[-1].channel,
                                         message_ref=sent.id if sent else ""))
            return updated

        return await self._in_conversation(await self._reference(refs[-1].channel), update)

    async def _in_conversation(
        self, reference: dict[str, Any], work: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        """Run ``work`` in a proactive turn of a stored conversation; failures translated."""
        target = ConversationReference().deserialize(reference)
        results: list[T] = []
        failures: list[Exception] = []

        async def callback(turn: TurnContext) -> None:
            # Sends reply to the turn's activity; a continuation's id is made up, and a post
            # is a new message rather than a reply in a thread.
            turn.activity.id = None
            try:
                results.append(await work(turn))
            except SENDING_ERRORS as problem:
                failures.append(translate(problem))

        try:
            await self.cloud.continue_conversation(target, callback, self.app_id)
        except SENDING_ERRORS as problem:
            raise translate(problem) from None
        if failures:
            raise failures[0]
        return results[0]

    # -- where to post ------------------------------------------------------------------

    async def _references(self) -> list[ConversationRef]:
        return await asyncio.to_thread(self._load_references)

    def _load_references(self) -> list[ConversationRef]:
        with Session(self.core.engine) as session:
            return list(session.exec(select(ConversationRef).where(
                ConversationRef.platform == PLATFORM)).all())

    async def _reference(self, conversation_id: str) -> dict[str, Any]:
        base = conversation_id.split(";")[0]
        rows = await self._references()
        for row in rows:
            if row.conversation_id == conversation_id:
                return row.reference
        for row in rows:
            if row.conversation_id.split(";")[0] == base:
                return {**row.reference, "conversation": {
                    **row.reference["conversation"], "id": base}}
        raise DeliveryFailed(f"the bot has not been added to Teams conversation {base} yet "
                             "(add the app to that team or chat)", transient=False)

    async def _network_reference(self) -> dict[str, Any]:
        if not self.core.config.channels.teams:
            raise DeliveryFailed("channels.teams is not set in app.yaml", transient=False)
        return await self._reference(self.core.config.channels.teams)

    async def _personal_reference(self, user: str) -> dict[str, Any]:
        for row in await self._references():
            reference = row.reference
            if reference.get("conversation", {}).get("conversationType") == "personal" and \
                    user in (reference.get("user", {}).get("aadObjectId"),
                             reference.get("user", {}).get("id")):
                return reference
        raise DeliveryFailed(f"no personal chat with Teams user {user} yet (they need to "
                             "message the bot once)", transient=False)
