"""Slack: the ``/network`` command, button clicks and form submissions through bolt's AsyncApp.

Every request is acknowledged within Slack's 3 seconds. The core is synchronous and runs in a
worker thread; when it answers within ``ack_budget`` (2 s) the reply travels in the ack itself,
otherwise the ack says the bot is working and the reply follows through the ``response_url``.
Bolt runs with ``process_before_response=True`` so the ack leaves as soon as the listener
returns, without bolt's 10 ms polling of the ack (measured on ``whoami`` over loopback: median
1.7 ms a request, against 12.9 ms with bolt's default); anything slow after the ack (opening
a modal, uploading files, continuation messages) runs as a tracked background task.

The command's text arrives escaped (the manifest sets ``should_escape``) and is read back into
what the person typed, with people's mentions in the core's neutral form (``bot.slack_text``).
Only requests of the installed workspace reach the listeners (``bot.slack_install``). A reply
is always one message (``render_message``): Slack takes a command's ``response_url`` at most 5
times in 30 minutes, so a reply too long for one message comes whole as a file instead.

Idempotency keys, each with the workspace and the person: ``slack:command:<team>:<user>:
<trigger_id>`` for commands (a redelivery carries the same trigger id),
``slack:click:<team>:<user>:<channel>:<message ts>:<action id>:<time slot>`` for buttons
(a double click presses the same button of the same message twice within seconds; see
``_click_key``), ``slack:view:<team>:<user>:<view id>`` for forms, and
``slack:shortcut:<team>:<user>:<trigger_id>`` for the "Add to agenda" message shortcut
(``bot.slack_shortcut``).
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError, InvalidURL, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.app import App
from bot.render_slack import (
    CHOICE_ACTION,
    FORM_CALLBACK,
    FormOrigin,
    SlackMessage,
    modal_view,
    render_message,
    submitted_values,
)
from bot.slack_home import HOME_COMMAND, HOME_EVENT, HOME_TAB, home_view
from bot.slack_install import SlackInstallation
from bot.slack_notifier import PLATFORM, SlackNotifier
from bot.slack_payload import Malformed, number, optional_text, text
from bot.slack_settings import ACK_BUDGET, DEFAULT_MIN_INTERVAL
from bot.slack_shortcut import CALLBACK, MessageShortcut
from bot.slack_text import from_slack, unlabelled_people
from bot.speaker_emails import SpeakerEmails
from handlers.agenda.agenda_form import opening_line
from handlers.core import Attachment, Reply, Speaker, Where, unmarked
from handlers.forms import decoded, form_fields
from scheduler.notifier import DeliveryFailed, RetryLater

log = logging.getLogger(__name__)

COMMAND = "/network"
CLICK_WINDOW = 5.0  # seconds within which clicks of one button count as one
WORKING = "Working on it…"
FORM_EXPIRED = ("The form could not be opened (Slack allows 3 seconds for that). "
                "Please run the command again.")
FOLLOW_UP_FAILED = "Slack follow-up failed"
FILES_FAILED = ("{names} could not be sent ({problem}). Please ask the Slack workspace admin "
                "to check the app's scopes and that the bot is in this channel.")

Respond = Callable[..., Awaitable[Any]]


def _response_url_retries() -> list[AsyncRetryHandler]:
    """A reply posted to a response_url is retried, a few times, after a dropped connection,
    a 429 (after its Retry-After) or a 500/503 (after 0.5 s, then 1 s): otherwise one hiccup
    at Slack loses the answer to a slow command for good."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2)]


def _same_token_notice(record: logging.LogRecord) -> bool:
    """Drop bolt's warning that our client's token wins over SLACK_BOT_TOKEN: they are one."""
    return "`token` will be unused" not in record.getMessage()


@dataclass(frozen=True)
class Conversation:
    """Where and to whom an answer goes."""

    channel: str
    user: str
    response_url: str | None
    trigger_id: str | None = None
    home: bool = False  # from the app's Home tab: answered in the DM, then the tab refreshed

    @property
    def where(self) -> Where:
        """For the core; a direct message's channel id starts with D."""
        return Where(PLATFORM, self.channel, direct=self.channel.startswith("D"))

    async def respond(self, message: SlackMessage, private: bool) -> None:
        if not self.response_url:  # Slack sends one with every command and message button
            log.warning("Slack sent no response_url, so an answer to %s was not shown",
                        self.user)
            return
        try:
            answer = await AsyncWebhookClient(
                self.response_url, retry_handlers=_response_url_retries()).send(
                text=message.text, blocks=message.blocks, replace_original=False,
                response_type="ephemeral" if private else "in_channel")
        except InvalidURL:
            log.warning("Slack sent a response_url that is not a URL, so an answer to %s was "
                        "not shown", self.user)
            return
        if answer.status_code != 200:
            log.warning("response_url answered HTTP %s", answer.status_code)


@contextmanager
def _reported(what: str) -> Iterator[None]:
    """Our listeners log their own failures, as errors; so bolt's error handler sees only
    failures of bolt itself reading a payload (see ``_reraise``)."""
    try:
        yield
    except Exception:
        log.exception("Slack %s failed", what)


async def _reraise(error: Exception) -> None:
    """Bolt's error handler: a failure of bolt itself reading a payload goes up to ``handle``
    (bolt's own handler would log it as an error and answer 500)."""
    raise error


def _team(body: dict[str, Any]) -> str:
    """The workspace a request comes from (commands say team_id, interactivity team.id)."""
    return optional_text(body, "team_id") or optional_text(body, "team", "id") or ""


def _wrong_field(reply: Reply, fields: tuple[str, ...], view: dict[str, Any]) -> str:
    """The input to show a refusal under: the field it names, else the first text input of
    the submitted modal (a menu is rarely what was wrong), else the first field."""
    if reply.about in fields:
        return str(reply.about)
    blocks = view.get("blocks")
    typed = [block.get("block_id") for block in (blocks if isinstance(blocks, list) else [])
             if isinstance(block, dict) and isinstance(block.get("element"), dict)
             and block["element"].get("type") == "plain_text_input"]
    return next((name for name in typed if name in fields), fields[0])


async def _refuse_malformed(ack: Any, what: str, problem: Exception) -> None:
    log.warning("Ignored a malformed Slack %s: %s", what, problem)
    await ack()


class SlackAdapter:
    def __init__(
        self, app: App, client: AsyncWebClient, signing_secret: str,
        ack_budget: float = ACK_BUDGET, min_interval: float = DEFAULT_MIN_INTERVAL,
        team_id: str | None = None,
    ) -> None:
        self.core = app
        self.client = client
        self.sender = SlackNotifier(client, app.config, min_interval)
        self.installation = SlackInstallation(client, team_id)
        self.ack_budget = ack_budget
        lookup_failures = (SlackApiError, ClientError, TimeoutError)
        self.emails = SpeakerEmails(app, PLATFORM, lookup_failures)
        self._names: dict[str, str] = {}  # Slack user id -> name, for unlabelled mentions
        self._clicks: dict[str, tuple[float, str]] = {}  # button -> last click, its key
        self._tasks: set[asyncio.Task[None]] = set()
        log.addFilter(_same_token_notice)
        self.bolt = AsyncApp(client=client, signing_secret=signing_secret,
                             process_before_response=True, logger=log, name="network-bot")
        # Bolt logs refused requests with their bodies; we log them ourselves, without.
        logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
        self.bolt.use(self.installation.same_workspace)
        self.bolt.command(COMMAND)(self._on_command)
        self.bolt.action(re.compile(rf"^{CHOICE_ACTION}\d+$"))(self._on_click)
        self.bolt.view_submission(FORM_CALLBACK)(self._on_submit)
        self.bolt.shortcut(CALLBACK)(self._on_shortcut)
        self.bolt.event(HOME_EVENT)(self._on_home_opened)
        self.bolt.error(_reraise)

    # -- HTTP ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: commands, interactivity and events, signature-checked.

        Slack's SSL check (``ssl_check=1``, sent unsigned when the request URL is saved) is
        answered 200 by bolt before the signature check, as bolt's own adapters do."""
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, AttributeError, TypeError):
            bolt_request = None  # a payload that is not a JSON object: bolt reads it unchecked
        if bolt_request is None or not isinstance(bolt_request.body, dict):
            log.warning("Refused a Slack request whose body is not a Slack payload from %s",
                        request.remote)
            return web.json_response({"error": "invalid request"}, status=400)
        if bolt_request.body.get("ssl_check") != "1" and \
                not request.headers.get("X-Slack-Request-Timestamp", "").isdigit():
            log.warning("Refused a Slack request without a valid timestamp from %s",
                        request.remote)
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            response = await self.bolt.async_dispatch(bolt_request)
        except Exception as error:  # bolt reading a payload Slack does not send: "actions": null
            log.warning("Refused a Slack request that bolt could not read (%s: %s) from %s",
                        type(error).__name__, error, request.remote)
            return web.json_response({"error": "invalid request"}, status=400)
        if response.status == 401:
            log.warning("Refused a Slack request with a bad or stale signature from %s",
                        request.remote)
        return await to_aiohttp_response(response)

    # -- listeners ----------------------------------------------------------------------

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        with _reported("command"):
            await self._command(ack, body)

    async def _on_click(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        with _reported("button click"):
            await self._click(ack, body, action)

    async def _on_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        with _reported("form submission"):
            await self._submit(ack, body, view)

    async def _on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        """The "Add to agenda" message shortcut (``bot.slack_shortcut``): the agenda-item
        form, opened with the message's text and permalink, or the core's refusal."""
        await ack()
        with _reported("message shortcut"):
            try:
                shortcut = MessageShortcut.read(body)
            except Malformed as problem:
                log.warning("Ignored a malformed Slack message shortcut: %s", problem)
                return
            talk = Conversation(shortcut.channel, shortcut.user, shortcut.response_url,
                                shortcut.trigger_id)
            message, link = await asyncio.gather(
                self._typed(shortcut.message_text),
                self._permalink(shortcut.channel, shortcut.message_ts))
            reply = await self._run(talk, shortcut.name, opening_line(message, link),
                                   shortcut.key)
            await self.deliver(reply, talk)

    async def _permalink(self, channel: str, message_ts: str) -> str:
        """A message's permalink, or "" when Slack gives none (the form then has no link)."""
        try:
            found = await self.client.chat_getPermalink(channel=channel, message_ts=message_ts)
        except (SlackApiError, ClientError, TimeoutError) as problem:
            log.warning("Slack gave no permalink for message %s in %s: %r", message_ts,
                        channel, problem)
            return ""
        link = found.get("permalink")
        return link if isinstance(link, str) else ""

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        """The Home tab was opened (not the Messages tab): publish it, once the event is
        acknowledged."""
        if event.get("tab") != HOME_TAB:
            return
        user = optional_text(event, "user")
        if user is None:
            log.warning("Ignored a malformed Slack app_home_opened event: no user")
            return
        self._later(self.publish_home(user))

    async def _command(self, ack: Any, body: dict[str, Any]) -> None:
        try:
            talk = Conversation(channel=optional_text(body, "channel_id") or "",
                                user=text(body, "user_id"),
                                response_url=optional_text(body, "response_url"),
                                trigger_id=text(body, "trigger_id"))
        except Malformed as problem:
            await _refuse_malformed(ack, "command", problem)
            return
        work = self._run_typed(talk, optional_text(body, "user_name") or "",
                               optional_text(body, "text") or "",
                               key=f"slack:command:{_team(body)}:{talk.user}:{talk.trigger_id}")
        reply, pending = await self._within_budget(work)
        if reply is None:
            await ack(response_type="ephemeral", text=WORKING)
            self._later(self._deliver_when_done(pending, talk))
            return
        if reply.form:
            await ack()
            self._later(self.deliver(reply, talk))
            return
        message = render_message(reply)
        await ack(response_type="ephemeral" if reply.private else "in_channel",
                  text=message.text, blocks=message.blocks)
        self._later(self.deliver(reply, talk, message, answered=True))

    async def _click(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        try:
            talk = Conversation(
                channel=optional_text(body, "container", "channel_id")
                or optional_text(body, "channel", "id") or "",
                user=text(body, "user", "id"), response_url=optional_text(body, "response_url"),
                trigger_id=optional_text(body, "trigger_id"),
                home=optional_text(body, "view", "type") == HOME_TAB)
            where = optional_text(body, "container", "message_ts") \
                or optional_text(body, "container", "view_id") or ""
            button = f"{_team(body)}:{talk.user}:{talk.channel}:{where}:" \
                     f"{text(action, 'action_id')}"
            clicked, value = number(action, "action_ts"), text(action, "value")
        except Malformed as problem:
            log.warning("Ignored a malformed Slack button click: %s", problem)
            return
        work = self._submitted(talk, optional_text(body, "user", "username") or "",
                               *decoded(value), key=self._click_key(button, clicked))
        self._later(self._deliver_when_done(work, talk))

    async def _submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            origin = FormOrigin.load(text(view, "private_metadata"))
            talk = Conversation(channel=origin.channel, user=text(body, "user", "id"),
                                response_url=origin.response_url,
                                trigger_id=optional_text(body, "trigger_id"), home=origin.home)
            key = f"slack:view:{_team(body)}:{talk.user}:{text(view, 'id')}"
        except ValueError as problem:  # Malformed is a ValueError
            await _refuse_malformed(ack, "form submission", problem)
            return
        reply, pending = await self._within_budget(self._submitted(
            talk, optional_text(body, "user", "username") or "", origin.form, origin.params,
            submitted_values(view), key=key))
        if reply is None:
            await ack()
            self._later(self._deliver_when_done(pending, talk))
        elif not reply.ok and (fields := form_fields(origin.form)):
            await ack(response_action="errors",
                      errors={_wrong_field(reply, fields, view): unmarked(reply.text)})
        else:
            await ack()
            self._later(self.deliver(reply, talk))

    def _click_key(self, button: str, clicked: float) -> str:
        """One key for clicks of one button that follow each other within CLICK_WINDOW.

        A double click (or a redelivery) then applies once, while pressing the same button
        again later (agree, object, agree again) runs again. Keys come from time slots so
        that replicas agree; a run of clicks straddling a slot keeps its first key here.
        """
        for stale in [b for b, (t, _) in self._clicks.items() if clicked - t >= CLICK_WINDOW]:
            del self._clicks[stale]
        previous = self._clicks.get(button)
        key = previous[1] if previous else f"slack:click:{button}:{int(clicked // CLICK_WINDOW)}"
        self._clicks[button] = (clicked, key)
        return key

    # -- running the core ---------------------------------------------------------------

    async def _submitted(self, talk: Conversation, name: str, form: object, params: object,
                         values: dict[str, Any], *, key: str) -> Reply:
        """A form's or a button's submission, run as the command the server rebuilds."""
        speaker = await self._speaker(talk.user, name)
        return await asyncio.to_thread(self.core.runner.submit, speaker,
                                       talk.where, form, params, values, key)

    async def _run(self, talk: Conversation, name: str, line: str, key: str) -> Reply:
        speaker = await self._speaker(talk.user, name)
        return await asyncio.to_thread(
            self.core.runner.run, speaker, talk.where, line, key)

    async def _within_budget(
        self, work: Coroutine[Any, Any, Reply]
    ) -> tuple[Reply | None, asyncio.Future[Reply]]:
        """The reply if the core answers within the ack budget; the pending work either way."""
        pending = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({pending}, timeout=self.ack_budget)
        return (pending.result() if done else None), pending

    async def _run_typed(self, talk: Conversation, name: str, escaped: str, key: str) -> Reply:
        """Run a command from the escaped text Slack sends (within the ack budget: reading it
        may ask Slack for the names of people mentioned)."""
        return await self._run(talk, name, await self._typed(escaped), key)

    async def _typed(self, escaped: str) -> str:
        """The command as typed, from the escaped text Slack sends; people mentioned without
        a name are given the name Slack has for them."""
        names = {user: await self._name_of(user) for user in unlabelled_people(escaped)}
        return from_slack(escaped, names)

    async def _name_of(self, user: str) -> str:
        if user not in self._names:
            try:
                found = (await self.client.users_info(user=user))["user"]
            except (SlackApiError, ClientError, TimeoutError) as problem:
                log.warning("Slack could not give the name of %s: %r", user, problem)
                return ""
            profile = found.get("profile") or {}
            self._names[user] = profile.get("real_name") or profile.get("display_name") or \
                found.get("real_name") or found.get("name") or ""
        return self._names[user]

    async def _speaker(self, user: str, name: str) -> Speaker:
        return Speaker(platform=PLATFORM, external_id=user, display_name=name,
                       email=await self._email_of(user))

    async def _email_of(self, user: str) -> str | None:
        async def ask() -> str | None:
            found = await self.client.users_info(user=user)
            email: str | None = found["user"].get("profile", {}).get("email")
            return email

        return await self.emails.of(user, ask)

    # -- answering ----------------------------------------------------------------------

    async def deliver(self, reply: Reply, talk: Conversation, message: SlackMessage | None = None,
                      answered: bool = False) -> None:
        """Everything of a reply not already in the ack (``answered``: the message was): the
        modal or the message, then its files."""
        if talk.home and not reply.form:
            await self._answer_at_home(reply, talk.user)
            return
        message = message or render_message(reply)
        if reply.form:
            await self._open_form(reply, talk)
        elif not answered:
            await talk.respond(message, reply.private)
        files = [] if reply.form else message.files(reply)
        if files:
            await self._send_files(files, talk, reply.private)

    async def _send_files(self, files: list[Attachment], talk: Conversation,
                          private: bool) -> None:
        """Upload a reply's files to its channel (a private reply's: to the person's DM); the
        person is told when Slack refused them, since the reply said they were attached."""
        try:
            channel = await self.sender.dm_channel(talk.user) if private else talk.channel
            await self.sender.upload(channel, files)
        except (RetryLater, DeliveryFailed) as problem:
            names = ", ".join(attachment.filename for attachment in files)
            log.warning("could not send %s to Slack: %s", names, problem)
            await talk.respond(render_message(Reply(text=FILES_FAILED.format(
                names=names, problem=problem))), private=True)

    async def _open_form(self, reply: Reply, talk: Conversation) -> None:
        assert reply.form is not None
        origin = FormOrigin(form=reply.form.id, params=reply.form.params,
                            channel=talk.channel, response_url=talk.response_url, home=talk.home)
        try:
            await self.client.views_open(trigger_id=talk.trigger_id,
                                         view=modal_view(reply.form, reply.text, origin))
        except SlackApiError as problem:
            log.warning("views.open failed: %s", problem.response.get("error"))
            await talk.respond(render_message(Reply(text=FORM_EXPIRED)), private=True)

    async def _answer_at_home(self, reply: Reply, user: str) -> None:
        """A click or form from the Home tab has nowhere to answer: the answer goes to the
        person's DM with the app (its Messages tab), and the tab is published again."""
        try:
            await self.sender.post(await self.sender.dm_channel(user), reply)
        except (RetryLater, DeliveryFailed) as problem:
            log.warning("could not send %s the answer to a Home tab button: %s", user, problem)
        await self.publish_home(user)

    async def publish_home(self, user: str) -> None:
        """Run ``home`` as ``user``, as if typed after /network, and publish it as their Home
        tab (``bot.slack_home``)."""
        speaker = await self._speaker(user, "")
        reply = await asyncio.to_thread(self.core.runner.run, speaker, Where(PLATFORM, ""),
                                        HOME_COMMAND)
        try:
            await self.client.views_publish(user_id=user, view=home_view(reply))
        except SlackApiError as problem:  # the tab off in the app's settings: not_enabled
            log.warning("views.publish failed for %s: %s", user, problem.response.get("error"))

    async def _deliver_when_done(self, pending: Awaitable[Reply], talk: Conversation) -> None:
        await self.deliver(await pending, talk)

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception(FOLLOW_UP_FAILED)

    async def idle(self) -> None:
        """Wait until every follow-up (responses, modals, uploads) has been sent."""
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def close(self, grace: float = 10.0) -> None:
        """At shutdown: let follow-ups finish for ``grace`` seconds, then cancel the rest."""
        try:
            await asyncio.wait_for(self.idle(), grace)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
