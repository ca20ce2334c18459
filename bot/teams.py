"""Microsoft Teams: messages and card submits through botbuilder's CloudAdapter.

``POST /api/messages`` receives Bot Framework activities (JWT-checked unless the server runs
with ``--teams-emulator``). A message is a command line: in a channel the bot's own
``<at>Network</at>`` mention is stripped and mentions of other people become the core's neutral
``<@AAD-OBJECT-ID|Name>``. A card submit carries either a button's command line or a form's id,
record numbers and inputs, from which the server rebuilds the command (``handlers.forms``). The
core runs in a worker thread; the answer is sent back as Adaptive Cards into the same
conversation. Every message and every installation stores the conversation reference, so the
notifier can post there later.

Before a turn runs, bot/teams_http.py refuses a body that is not an activity (400) and a token
botbuilder does not accept (401). A typed message in a channel or group chat that does not
mention the bot is people talking to each other: no answer. The "Add to agenda" message
action's invokes are answered by bot/teams_extension.py, any other by bot/teams_invoke.py.
Only the tenants the bot serves are answered (``bot.teams_tenant``).

Idempotency key: ``teams:<tenant>:<conversation id>:<activity id>`` (a redelivered activity
keeps its id; ids are unique only within a conversation). A form's card, once submitted, is
updated to say what was done, so a second click cannot post again.
"""

import asyncio
import logging
import re

from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes, Mention

from bot.app import App
from bot.render_teams import FORM_KEY, PARAMS_KEY
from bot.speaker_emails import SpeakerEmails
from bot.teams_extension import (
    FETCH,
    again_line,
    fetch_line,
    is_agenda_action,
    submitted,
    task_response,
    with_answers,
)
from bot.teams_http import authenticate, read_activity
from bot.teams_invoke import unhandled_invoke
from bot.teams_notifier import PLATFORM, SENDING_ERRORS, TeamsNotifier, remember
from bot.teams_settings import TeamsSettings
from bot.teams_tenant import TenantPolicy, reference_with_tenant, tenant_of
from handlers.core import Reply, Speaker, Where

log = logging.getLogger(__name__)

REMEMBERED = {ActivityTypes.message, ActivityTypes.conversation_update,
              ActivityTypes.installation_update}


class TeamsAdapter:
    def __init__(self, app: App, settings: TeamsSettings) -> None:
        self.core = app
        self.cloud = CloudAdapter(
            ConfigurationBotFrameworkAuthentication(settings.as_configuration()))
        self.cloud.on_turn_error = self._on_error
        self.sender = TeamsNotifier(self.cloud, app, settings.app_id, settings.public_url)
        self.emails = SpeakerEmails(app, PLATFORM, SENDING_ERRORS)
        served = settings.served_tenants()
        self.tenants = TenantPolicy(served, any_tenant=settings.emulator and not served)

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /api/messages``: one Bot Framework activity.

        The request is read and authenticated here rather than in ``CloudAdapter.process``, which
        answers 500 to a body that is not an activity and to most refused tokens."""
        activity = await read_activity(request)
        identity = await authenticate(self.cloud.bot_framework_authentication, request, activity)
        invoke = await self.cloud.process_activity(identity, activity, self.on_turn)
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(invoke.body, status=invoke.status)

    async def _on_error(self, turn: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %r", error, exc_info=error)

    async def on_turn(self, turn: TurnContext) -> None:
        activity: Activity = turn.activity
        if not self.tenants.admits(activity):
            return  # another organisation's tenant: nothing stored, nothing answered
        if activity.type in REMEMBERED and activity.conversation is not None:
            await self._remember(activity)
        if activity.type == ActivityTypes.invoke and is_agenda_action(activity):
            await turn.send_activity(Activity(type=ActivityTypes.invoke_response,
                                              value=await self._agenda_action(turn)))
            return
        if activity.type == ActivityTypes.invoke:
            log.info("Teams: answered invoke %r, which the bot does not handle", activity.name)
            await turn.send_activity(Activity(type=ActivityTypes.invoke_response,
                                              value=unhandled_invoke(activity.name)))
            return
        if activity.type != ActivityTypes.message:
            return
        reply = await self._answer_to(activity, await self._email_of(turn))
        if reply is None:
            return
        await self.sender.reply_in(turn, reply)
        if reply.ok and _submitted_form(activity) and activity.reply_to_id:
            await self.sender.close_form(turn, activity.reply_to_id, reply)

    async def _remember(self, activity: Activity) -> None:
        """Store the conversation, with its tenant; posts that waited for it go out now."""
        reference = reference_with_tenant(
            TurnContext.get_conversation_reference(activity).serialize(), tenant_of(activity))
        woken = await asyncio.to_thread(remember, self.core.engine, reference,
                                        self.core.runner.clock())
        if woken:
            log.info("Teams conversation %s stored: %d waiting post(s) go out now",
                     reference["conversation"]["id"], woken)
            for wake in self.core.runner.after_queueing:
                wake()

    async def _agenda_action(self, turn: TurnContext) -> InvokeResponse:
        """The answer to the "Add to agenda" message action's dialog (``bot.teams_extension``):
        the form, or what was done, or the form again with what was wrong."""
        activity = turn.activity
        speaker, where, key = _who(activity, await self._email_of(turn))
        run = self.core.runner.run
        if activity.name == FETCH:
            return task_response(await asyncio.to_thread(
                run, speaker, where, fetch_line(activity.value), key))
        data = submitted(activity.value)
        reply = await asyncio.to_thread(self.core.runner.submit, speaker, where,
                                        data.get(FORM_KEY), data.get(PARAMS_KEY), data, key)
        if not reply.ok:
            form = await asyncio.to_thread(run, speaker, where, again_line(data), None)
            return task_response(with_answers(form, reply, data))
        if not reply.private:
            await self.sender.reply_in(turn, reply)
        return task_response(reply)

    async def _answer_to(self, activity: Activity, email: str | None) -> Reply | None:
        speaker, where, key = _who(activity, email)
        value = activity.value if isinstance(activity.value, dict) else None
        if value is not None:  # a form's or a button's submit; card data not ours is refused
            return await asyncio.to_thread(self.core.runner.submit, speaker, where,
                                           value.get(FORM_KEY), value.get(PARAMS_KEY), value, key)
        line = command_line(activity)
        if not line:
            return None
        return await asyncio.to_thread(self.core.runner.run, speaker, where, line, key)

    async def _email_of(self, turn: TurnContext) -> str | None:
        """The e-mail Teams has for the sender, when the roster does not know them."""
        if turn.activity.type not in (ActivityTypes.message, ActivityTypes.invoke) \
                or turn.activity.channel_data is None:
            return None  # not from Teams: no roster to ask

        async def ask() -> str | None:
            member = await TeamsInfo.get_member(turn, turn.activity.from_property.id)
            email: str | None = member.email or member.user_principal_name
            return email

        return await self.emails.of(_user_id(turn.activity), ask)


def _who(activity: Activity, email: str | None) -> tuple[Speaker, Where, str]:
    """Who sent an activity, where, and its idempotency key (activity ids are unique only
    within a conversation, and a tenant)."""
    speaker = Speaker(platform=PLATFORM, external_id=_user_id(activity),
                      display_name=activity.from_property.name or "", email=email)
    key = f"teams:{tenant_of(activity) or '-'}:{activity.conversation.id}:{activity.id}"
    return speaker, Where(PLATFORM, activity.conversation.id, direct=_personal(activity)), key


def _submitted_form(activity: Activity) -> bool:
    return isinstance(activity.value, dict) and FORM_KEY in activity.value


def _user_id(activity: Activity) -> str:
    user_id: str = activity.from_property.aad_object_id or activity.from_property.id
    return user_id


def _personal(activity: Activity) -> bool:
    """A personal chat with the bot (the emulator and tests name no conversation type)."""
    return activity.conversation.conversation_type in (None, "personal")


def command_line(activity: Activity) -> str:
    """The message text with the bot's mention removed and people's mentions made neutral; empty
    when a message in a channel or group chat does not mention the bot."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    addressed = _personal(activity)
    for entity in activity.entities or []:
        if entity.type != "mention":
            continue
        mention = Mention().deserialize({"type": entity.type,
                                         **(entity.additional_properties or {})})
        shown = mention.text or ""
        if not shown or mention.mentioned is None:
            continue
        who = mention.mentioned
        if who.id == bot_id:
            addressed = True
            text = text.replace(shown, " ", 1)
        else:
            name = re.sub(r"[|<>]", "", who.name or "").strip()
            text = text.replace(shown, f"<@{who.aad_object_id or who.id}|{name}>", 1)
    if not addressed:
        return ""
    return re.sub(r"[ \t\u00a0]+", " ", text.replace("&nbsp;", " ")).strip()

