"""The Slack workspace the bot is installed in, and what its token is allowed to do.

At start-up ``serve`` asks Slack about its token (``auth.test``): the workspace (and Enterprise
Grid organisation) it belongs to, and the scopes it was granted, which Slack lists in the
``x-oauth-scopes`` header of the answer. It says which needed scopes are missing and what stops
working without them (``bot.slack_scopes``), at start-up and in ``GET /healthz``.

Every request then passes ``same_workspace`` (a bolt middleware, after bolt's own signature
check and authorization): a request from another workspace than the installed one (or than
``SLACK_TEAM_ID`` when it is set) is refused before any listener runs, so nothing is stored,
and each foreign workspace is logged once.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_notifier import call_slack
from bot.slack_scopes import missing_scopes
from scheduler.notifier import DeliveryFailed, RetryLater

log = logging.getLogger(__name__)

SCOPES_HEADER = "x-oauth-scopes"
FIRST_RETRY = 2.0  # seconds before asking Slack again when it could not be reached
LAST_RETRY = 300.0
FOREIGN_LOGGED = 1000  # foreign workspaces remembered, so each is logged once
OTHER_WORKSPACE = ("This app is installed for another Slack workspace, so it does not take "
                   "commands from this one. Nothing was changed.")

Say = Callable[[str], None]


@dataclass(frozen=True)
class Workspace:
    """Who the token belongs to, as ``auth.test`` answered."""

    team_id: str | None
    enterprise_id: str | None
    name: str
    bot_user: str
    granted: frozenset[str] | None  # None: Slack sent no x-oauth-scopes header


def _granted(headers: dict[str, Any]) -> frozenset[str] | None:
    for name, value in headers.items():
        if name.lower() == SCOPES_HEADER:
            text = value[0] if isinstance(value, list) else value
            return frozenset(scope.strip() for scope in str(text).split(",") if scope.strip())
    return None


def _say_on_stdout(line: str) -> None:
    print(line, flush=True)


class SlackInstallation:
    def __init__(self, client: AsyncWebClient, team_id: str | None = None,
                 say: Say = _say_on_stdout) -> None:
        self.client = client
        self.team_setting = team_id  # SLACK_TEAM_ID, when the operator set it
        self.say = say
        self.workspace: Workspace | None = None
        self.problem = "not checked yet"
        self._foreign: set[tuple[str | None, str | None]] = set()

    # -- the token --------------------------------------------------------------------

    async def check(self) -> bool:
        """Ask Slack about the token once; True when it answered (either way)."""
        try:
            answer = await call_slack(self.client.auth_test())
        except RetryLater as later:
            self.problem = f"Slack asked to wait ({later})"
            return False
        except DeliveryFailed as failed:
            self.problem = str(failed)
            if failed.transient:
                return False
            self.say(f"Slack: the token was refused ({failed}); check SLACK_BOT_TOKEN "
                     "(OAuth & Permissions -> Bot User OAuth Token).")
            return True
        self.workspace = Workspace(
            team_id=answer.get("team_id"), enterprise_id=answer.get("enterprise_id"),
            name=answer.get("team") or "", bot_user=answer.get("user") or "",
            granted=_granted(dict(answer.headers)))
        self.problem = ""
        for line in self.report():
            self.say(line)
        return True

    async def keep_checking(self) -> None:
        """``check`` until Slack answers, waiting longer after each failure."""
        wait = FIRST_RETRY
        while not await self.check():
            log.warning("Slack token check: %s; asking again in %.0f s", self.problem, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, LAST_RETRY)

    def report(self) -> list[str]:
        """What the operator needs to know about the installation, one line each."""
        found = self.workspace
        if found is None:
            return []
        lines = [f"Slack: installed in workspace {found.name or '?'} ({found.team_id}) as "
                 f"@{found.bot_user or '?'}"]
        if self.team_setting and self.team_setting != found.team_id:
            lines.append(f"Slack: SLACK_TEAM_ID is {self.team_setting} but the token belongs "
                         f"to {found.team_id}: every request will be refused.")
        if found.granted is None:
            lines.append("Slack: Slack did not say which scopes the token has "
                         f"(no {SCOPES_HEADER} header), so they were not checked.")
            return lines
        missing = missing_scopes(set(found.granted))
        if not missing:
            lines.append("Slack: the token has every scope the bot needs.")
            return lines
        for scope, what in missing.items():
            lines.append(f"Slack: the token lacks the scope {scope}, so this will not work: "
                         f"{what}.")
        lines.append("Slack: add them under OAuth & Permissions -> Scopes (or paste a new "
                     "manifest from `network-bot manifest slack`) and reinstall the app.")
        return lines

    def health(self) -> dict[str, Any]:
        found = self.workspace
        if found is None:
            return {"workspace": None, "token": self.problem}
        missing = missing_scopes(set(found.granted)) if found.granted is not None else None
        return {"workspace": found.team_id, "enterprise": found.enterprise_id,
                "missing_scopes": missing}

    # -- every request ----------------------------------------------------------------

    async def same_workspace(self, context: AsyncBoltContext, body: dict[str, Any],
                             next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        """Bolt middleware: only requests of the installed workspace reach the listeners."""
        installed = context.authorize_result
        team = self.team_setting or (installed.team_id if installed else None)
        enterprise = installed.enterprise_id if installed else None
        sent_team, sent_enterprise = context.team_id, context.enterprise_id
        if team is not None and sent_team == team and sent_enterprise in (None, enterprise):
            return await next()
        self._log_foreign(sent_team, sent_enterprise, team)
        if body.get("command"):
            return BoltResponse(status=200, headers={"content-type": "application/json"},
                                body=json.dumps({"response_type": "ephemeral",
                                                 "text": OTHER_WORKSPACE}))
        return BoltResponse(status=200, body="")

    def _log_foreign(self, team: str | None, enterprise: str | None,
                     installed: str | None) -> None:
        if (team, enterprise) in self._foreign or len(self._foreign) >= FOREIGN_LOGGED:
            return
        self._foreign.add((team, enterprise))
        log.warning("Refused Slack requests from workspace %s (organisation %s): the bot is "
                    "installed in %s", team, enterprise, installed)


class TokenCheck:
    """The background service that checks the token at start-up (``SlackInstallation``)."""

    name = "Slack token check"

    def __init__(self, installation: SlackInstallation) -> None:
        self.installation = installation
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self.installation.keep_checking())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
