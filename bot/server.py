"""``network-bot serve``: one aiohttp server for the chat platforms, plus background services.

Routes: ``POST /slack/events`` (Slack over HTTP), ``POST /api/messages`` (Microsoft Teams),
with Teams ``GET /calendar/<uid>.ics`` (meetings' calendar files, linked from cards), and
``GET /healthz``. Slack and Teams are imported only when they are configured, so the shell and a
server without Teams never pay for slack_bolt or botbuilder (~0.8 s).

Background services (``bot.services``) run beside the web server for as long as it runs; the
web app starts them in order on startup and stops them in reverse order on cleanup.

Outbox delivery reads two optional settings from the environment (seconds):
``NETWORK_BOT_OUTBOX_LEASE`` (default 300: how long a replica that died mid-send holds its rows
before another retries them) and ``NETWORK_BOT_OUTBOX_SWEEP`` (default 30: how often it looks
for rows other processes wrote).
"""

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.app import App, freeze_start_up_objects
from bot.calendar_route import CALENDAR_PATH, calendar_route
from bot.config import ConfigError
from bot.services import NetworkCheck, Service, background_services
from bot.slack_settings import ACK_BUDGET, SlackSettings, missing
from bot.teams_settings import APP_ID, PUBLIC_URL, TeamsSettings, is_loopback
from scheduler.dispatch import Policy
from scheduler.notifier import Notifier

if TYPE_CHECKING:
    from bot.slack import SlackAdapter
    from bot.teams import TeamsAdapter

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
# How long GET /healthz waits for the database: probes give up after a few seconds, and a
# database that has not answered in this time is not answering commands either.
HEALTH_WAIT = 2.5


LEASE_ENV = "NETWORK_BOT_OUTBOX_LEASE"
SWEEP_ENV = "NETWORK_BOT_OUTBOX_SWEEP"


def env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from the environment, or ``default`` when unset."""
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ConfigError(f"{name}={value!r} is not a number of seconds above zero; "
                          f"write it like {name}={default:g}")
    return seconds


@dataclass(frozen=True)
class OutboxSettings:
    lease: timedelta = Policy.lease
    sweep: timedelta = timedelta(seconds=30)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "OutboxSettings":
        default = cls()
        return cls(
            lease=timedelta(seconds=env_seconds(env, LEASE_ENV, default.lease.total_seconds())),
            sweep=timedelta(seconds=env_seconds(env, SWEEP_ENV, default.sweep.total_seconds())),
        )


APP = web.AppKey("network_app", App)
PLATFORMS: web.AppKey[dict[str, str]] = web.AppKey("platforms", dict)
SERVICES: web.AppKey[list[Service]] = web.AppKey("services", list)
SLACK_ADAPTER: web.AppKey["SlackAdapter"] = web.AppKey("slack_adapter")
TEAMS_ADAPTER: web.AppKey["TeamsAdapter"] = web.AppKey("teams_adapter")


def create_web_app(
    app: App, slack: SlackSettings | None, ack_budget: float = ACK_BUDGET,
    outbox: OutboxSettings | None = None,
    teams: TeamsSettings | None = None,
) -> web.Application:
    """The aiohttp application ``serve`` runs (tests start it on a loopback port)."""
    web_app = web.Application()
    web_app[APP] = app
    platforms: dict[str, str] = {"slack": "off", "teams": "off"}
    notifiers: list[Notifier] = []
    services: list[Service] = []
    if slack is not None:
        from bot.slack import SlackAdapter
        from bot.slack_install import TokenCheck
        from bot.slack_notifier import make_client
        from bot.slack_socket_mode import SocketMode

        adapter = SlackAdapter(app, make_client(slack), slack.signing_secret, ack_budget,
                               min_interval=slack.min_interval, team_id=slack.team_id)
        notifiers.append(adapter.sender)
        web_app[SLACK_ADAPTER] = adapter
        services.append(TokenCheck(adapter.installation))
        if slack.app_token:
            services.append(SocketMode(adapter, slack.app_token))
            platforms["slack"] = "socket mode"
        else:
            web_app.router.add_post(SLACK_PATH, adapter.handle)
            platforms["slack"] = "http"

        async def finish_follow_ups(_: web.Application) -> None:
            await adapter.close()

        web_app.on_cleanup.append(finish_follow_ups)
    if teams is not None:
        from bot.teams import TeamsAdapter

        teams_adapter = TeamsAdapter(app, teams)
        notifiers.append(teams_adapter.sender)
        web_app[TEAMS_ADAPTER] = teams_adapter
        services.append(NetworkCheck(app, "Teams", teams_adapter.sender.network_problem))
        web_app.router.add_post(TEAMS_PATH, teams_adapter.handle)
        web_app.router.add_get(CALENDAR_PATH, calendar_route(app))
        platforms["teams"] = "emulator" if teams.emulator else "on"
    web_app[PLATFORMS] = platforms
    outbox = outbox or OutboxSettings()
    web_app[SERVICES] = services + background_services(app, notifiers, outbox.lease, outbox.sweep)
    web_app.router.add_get(HEALTH_PATH, health)
    web_app.on_startup.append(_start_services)
    web_app.on_cleanup.insert(0, _stop_services)
    return web_app


async def _start_services(web_app: web.Application) -> None:
    for service in web_app[SERVICES]:
        await service.start()
        log.info("started %s", service.name)


async def _stop_services(web_app: web.Application) -> None:
    services = web_app[SERVICES]
    for service in reversed(services):
        try:
            await service.stop()
        except Exception:
            log.exception("stopping %s failed", service.name)


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


async def health(request: web.Request) -> web.Response:
    """``GET /healthz``: 200 when the database answers within HEALTH_WAIT, 503 when it does
    not; with Slack on, its workspace and the scopes the token lacks (``"missing_scopes": {}``
    when none)."""
    check = asyncio.to_thread(database_reachable, request.app[APP].engine)
    try:
        reachable = await asyncio.wait_for(check, HEALTH_WAIT)
    except TimeoutError:
        reachable = False
    answer: dict[str, object] = {
        "status": "ok" if reachable else "degraded",
        "database": "reachable" if reachable else "unreachable",
        "platforms": request.app[PLATFORMS]}
    if SLACK_ADAPTER in request.app:
        answer["slack"] = request.app[SLACK_ADAPTER].installation.health()
    return web.json_response(answer, status=200 if reachable else 503)


def describe(slack: SlackSettings | None, env: Mapping[str, str],
             teams: TeamsSettings | None = None) -> list[str]:
    """What starts and what is missing, for the operator (never a secret)."""
    if slack is None:
        lines = [f"Slack: off (missing {', '.join(missing(env))}; see README, Connect Slack)"]
    elif slack.socket_mode:
        lines = ["Slack: on, Socket Mode (SLACK_APP_TOKEN is set; no public URL needed)"]
    else:
        lines = [f"Slack: on, requests at POST {SLACK_PATH} (set SLACK_APP_TOKEN for Socket "
                 "Mode instead)"]
    if slack is not None and env.get("SLACK_API_URL"):
        lines.append("Slack Web API: SLACK_API_URL overrides https://slack.com/api/")
    if slack is not None and slack.team_id:
        lines.append(f"Slack: only requests of workspace {slack.team_id} are taken "
                     "(SLACK_TEAM_ID)")
    lines.append(describe_teams(teams))
    if teams is not None:
        lines.append(describe_files(teams))
    if slack is None and teams is None:
        lines.append("No chat platform is on: only GET /healthz will answer.")
    return lines


def describe_teams(teams: TeamsSettings | None) -> str:
    if teams is None:
        return f"Teams: off (missing {APP_ID}; see README, Connect Teams)"
    if teams.emulator:
        return (f"WARNING: Teams EMULATOR mode at POST {TEAMS_PATH}: authentication is OFF, "
                "anyone who can reach this port can act as any member. Local testing only.")
    line = f"Teams: on ({teams.app_type}), activities at POST {TEAMS_PATH}"
    if teams.missing():
        line += f"; missing {', '.join(teams.missing())}, so replies will fail"
    return line


def describe_files(teams: TeamsSettings) -> str:
    if teams.public_url:
        return (f"Teams: calendar files are download links under {teams.public_url} "
                f"(GET {CALENDAR_PATH})")
    return (f"Teams: calendar files are only named in cards; set {PUBLIC_URL} (e.g. "
            f"{PUBLIC_URL}=https://bot.example.org) to offer them as download links")


def serve(app: App, host: str, port: int, env: Mapping[str, str] = os.environ,
          teams_emulator: bool = False) -> int:
    if teams_emulator and not is_loopback(host):
        print(f"--teams-emulator turns authentication off, so it only listens on loopback "
              f"(e.g. --host 127.0.0.1), not on {host}.", flush=True)
        return 2
    slack = SlackSettings.from_env(env)
    outbox = OutboxSettings.from_env(env)
    teams = TeamsSettings.for_emulator() if teams_emulator else TeamsSettings.from_env(env)
    for line in describe(slack, env, teams):
        print(line, flush=True)
    logging.getLogger("bot").setLevel(logging.INFO)
    web_app = create_web_app(app, slack, teams=teams, outbox=outbox)
    if TEAMS_ADAPTER in web_app and (problem := web_app[TEAMS_ADAPTER].sender.network_problem()):
        print(f"Teams: {problem}", flush=True)
    print(f"Listening on http://{host}:{port} (health: {HEALTH_PATH}); Ctrl+C stops.", flush=True)
    freeze_start_up_objects()
    web.run_app(web_app, host=host, port=port, print=None)
    return 0
