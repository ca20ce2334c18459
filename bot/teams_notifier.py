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
from datetime import datetime
from functools import partial
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
from bot.teams_tenant import tenant_in, tenant_of, with_tenant
from handlers.core import Reply
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef, ReachedTargets, RetryLater
from storage.db import transaction
from storage.models import ConversationRef
from storage.outbox import wake_waiting

log = logging.getLogger(__name__)

PLATFORM = "teams"
DEFAULT_RETRY_AFTER = 30.0
TRANSIENT_STATUSES = frozenset({412, 500, 502, 503, 504})

T = TypeVar("T")


def base_id(conversation_id: str) -> str:
    """A channel's id without the thread: ``19:x@thread.tacv2;messageid=17`` -> ``19:x@...``."""
    return conversation_id.split(";")[0]


def waits_for_conversation(conversation_id: str) -> str:
    return f"{PLATFORM}:{base_id(conversation_id)}"


def waits_for_person(user: str) -> str:
    return f"{PLATFORM}:user:{user}"


def remember(engine: Engine, reference: dict[str, Any], now: datetime) -> int:
    """Store (or refresh) where the bot can post into a conversation later: one row per
    conversation (a channel's threads share it), tenant kept. Outbox rows that waited for this
    conversation (or, for a personal chat, for this person) become due; returns how many."""
    conversation = base_id(reference["conversation"]["id"])
    reference = {**reference, "conversation": {**reference["conversation"], "id": conversation}}
    waiting = [waits_for_conversation(conversation)]
    if reference["conversation"].get("conversationType") == "personal":
        user = reference.get("user", {})
        waiting += [waits_for_person(who) for who in (user.get("aadObjectId"), user.get("id"))
                    if who]
    try:
        with transaction(engine) as session:
            row = session.exec(select(ConversationRef).where(
                ConversationRef.platform == PLATFORM,
                ConversationRef.conversation_id == conversation)).first()
            if row is None:
                row = ConversationRef(platform=PLATFORM, conversation_id=conversation)
            row.reference = reference
            row.updated_at = now
            session.add(row)
            return sum(wake_waiting(session, name, now) for name in waiting)
    except IntegrityError:
        log.info("conversation %s was stored by a concurrent request", conversation)
        return 0


def _activities(reply: Reply, tenant: str | None = None,
                files_url: str | None = None) -> list[Activity]:
    cards = render_cards(reply, files_url)
    return [with_tenant(Activity(type=ActivityTypes.message, summary=summary(reply) or None,
                                 attachments=[Attachment(content_type=CONTENT_TYPE,
                                                         content=card)]), tenant)
            for card in cards]


def _status(problem: HttpOperationError) -> tuple[int, str | None]:
    response = problem.response
    status = getattr(response, "status_code", 0) or getattr(response, "status", 0)
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

    def __init__(self, cloud: CloudAdapter, app: App, app_id: str, files_url: str = "") -> None:
        self.cloud = cloud
        self.core = app
        self.app_id = app_id or None
        self.files_url = files_url or None  # the server's public address (download links)
        self._reached = ReachedTargets()

    # -- in a turn ----------------------------------------------------------------------

    async def reply_in(self, turn: TurnContext, reply: Reply) -> None:
        """Answer in the conversation of the turn (the network is told through the outbox)."""
        for activity in _activities(reply, files_url=self.files_url):
            await turn.send_activity(activity)

    async def close_form(self, turn: TurnContext, card_id: str, reply: Reply) -> None:
        """Replace a submitted form's card with what was done, so that clicking its button
        again cannot send it a second time."""
        [activity] = _activities(Reply(text=f"Sent. {summary(reply)}".strip()),
                                 tenant=tenant_of(turn.activity))
        activity.id = card_id
        try:
            await turn.update_activity(activity)
        except SENDING_ERRORS as problem:
            log.warning("could not close the submitted form card: %r", translate(problem))

    # -- the outbox ---------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        if delivery.update_refs:
            return await self.update(delivery.update_refs, delivery.reply)
        targets: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = []
        if delivery.to_network:
            targets.append(("network", self._network_reference))
        for user in delivery.people:
            targets.append((f"user:{user}", partial(self._personal_reference, user)))

        async def post_to(reference: Callable[[], Awaitable[dict[str, Any]]]) -> list[PostedRef]:
            return await self._post(await reference(), delivery.reply)

        return await self._reached.send_each(
            delivery.outbox_id, [(target, partial(post_to, ref)) for target, ref in targets])

    async def post(self, conversation_id: str, reply: Reply) -> list[PostedRef]:
        return await self._post(await self._reference(conversation_id), reply)

    async def _post(self, reference: dict[str, Any], reply: Reply) -> list[PostedRef]:
        async def post(turn: TurnContext) -> list[PostedRef]:
            refs = []
            for activity in _activities(reply, tenant_in(reference), self.files_url):
                sent = await turn.send_activity(activity)
                refs.append(PostedRef(channel=turn.activity.conversation.id,
                                      message_ref=sent.id if sent else ""))
            return refs

        return await self._in_conversation(reference, post)

    async def update(self, refs: tuple[PostedRef, ...], reply: Reply) -> list[PostedRef]:
        """Update cards in place (a poll's tally); parts beyond the refs are posted anew."""
        reference = await self._reference(refs[-1].channel)
        activities = _activities(reply, tenant_in(reference), self.files_url)

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

        return await self._in_conversation(reference, update)

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

    def network_problem(self) -> str | None:
        """Why a post to the network cannot reach Teams yet, for the reply of the command
        that queued it and for serve's start-up (None: it can)."""
        channel = self.core.config.channels.teams
        if not channel:
            return "channels.teams is not set in app.yaml"
        if any(base_id(row.conversation_id) == base_id(channel)
               for row in self._load_references()):
            return None
        return (f"the bot has not been added to the network's Teams channel ({channel}) yet; "
                "add the app to that team (Apps, then Manage your apps) and what waits for it "
                "is posted then")

    async def _references(self) -> list[ConversationRef]:
        return await asyncio.to_thread(self._load_references)

    def _load_references(self) -> list[ConversationRef]:
        with Session(self.core.engine) as session:
            return list(session.exec(select(ConversationRef).where(
                ConversationRef.platform == PLATFORM)).all())

    async def _reference(self, conversation_id: str) -> dict[str, Any]:
        base = base_id(conversation_id)
        for row in await self._references():  # rows stored before: one per channel thread
            if base_id(row.conversation_id) == base:
                return {**row.reference, "conversation": {**row.reference["conversation"],
                                                          "id": base}}
        raise DeliveryFailed(f"the bot has not been added to Teams conversation {base} yet "
                             "(add the app to that team or chat; this goes out then)",
                             waiting_for=waits_for_conversation(base))

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
        raise DeliveryFailed(f"no personal chat with Teams user {user} yet (this goes out once "
                             "they have written to the bot)", waiting_for=waits_for_person(user))
