"""A Slack app manifest (YAML) built from app.yaml, to paste into api.slack.com/apps.

Its bot scopes come from the table of Web API methods the bot calls (``bot.slack_scopes``).
``should_escape`` is on, so people picked with ``@`` in ``/network`` arrive as mentions with
their Slack ids (``<@U0123ABC|jane>``) and the three characters Slack uses for markup arrive
escaped; the adapter reads them back (``bot.slack_text``). The message shortcut "Add to agenda"
(``bot.slack_shortcut``) comes through interactivity, like buttons and forms.
"""

from typing import Any

import yaml

from bot.render_slack import clip
from bot.server import SLACK_PATH
from bot.slack_home import HOME_EVENT
from bot.slack_scopes import bot_scopes
from bot.slack_shortcut import manifest_entry
from handlers import registry
from settings.schema import AppConfig

APP_NAME_LIMIT = 35
DESCRIPTION_LIMIT = 140


def usage_hint() -> str:
    verbs = [verb for verb in registry.verbs() if verb != "help"]
    return clip(" | ".join(["help [verb]", *verbs]), 1000)


def slack_manifest(config: AppConfig, url: str | None, socket_mode: bool) -> dict[str, Any]:
    """The manifest; requests go to ``<url>/slack/events``, or over Socket Mode."""
    registry.load_all()
    name = config.network.name
    command: dict[str, Any] = {
        "command": "/network",
        "description": clip(f"Meetings, agenda, polls and minutes of {name}", 2000),
        "usage_hint": usage_hint(),
        "should_escape": True,
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    # The Home tab (bot.slack_home) is published when it is opened; the Messages tab takes
    # the answers to its buttons, and /network works there as in any conversation.
    events: dict[str, Any] = {"bot_events": [HOME_EVENT]}
    if not socket_mode:
        request_url = f"{(url or '').rstrip('/')}{SLACK_PATH}"
        command["url"] = request_url
        interactivity["request_url"] = request_url
        events["request_url"] = request_url
    return {
        "display_information": {
            "name": clip(name, APP_NAME_LIMIT),
            "description": clip(f"The chat assistant of {name}", DESCRIPTION_LIMIT),
        },
        "features": {
            "bot_user": {"display_name": clip(name, 80), "always_online": True},
            "slash_commands": [command],
            "shortcuts": [manifest_entry()],
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(config: AppConfig, url: str | None, socket_mode: bool) -> str:
    text: str = yaml.safe_dump(slack_manifest(config, url, socket_mode), sort_keys=False,
                               allow_unicode=True)
    return text
