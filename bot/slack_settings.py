"""Slack's settings from the environment; ``repr`` never shows a secret."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import ConfigError

REQUIRED = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
APP_TOKEN = "SLACK_APP_TOKEN"
API_URL = "SLACK_API_URL"
MIN_INTERVAL = "SLACK_MIN_INTERVAL"
TEAM_ID = "SLACK_TEAM_ID"  # optional: the only workspace whose requests are taken
DEFAULT_MIN_INTERVAL = 1.0  # seconds between posts to one channel (Slack allows ~1 a second)
DEFAULT_API_URL = "https://slack.com/api/"
ACK_BUDGET = 2.0  # seconds the core may take before the ack goes out without the reply


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)  # set: Socket Mode
    api_url: str = DEFAULT_API_URL
    min_interval: float = DEFAULT_MIN_INTERVAL
    team_id: str | None = None  # else the workspace auth.test names

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "SlackSettings | None":
        """The settings when Slack is configured, else None (see ``missing``)."""
        if missing(env):
            return None
        return cls(
            bot_token=env["SLACK_BOT_TOKEN"],
            signing_secret=env["SLACK_SIGNING_SECRET"],
            app_token=env.get(APP_TOKEN) or None,
            api_url=env.get(API_URL) or DEFAULT_API_URL,
            min_interval=_min_interval(env.get(MIN_INTERVAL, "").strip()),
            team_id=env.get(TEAM_ID, "").strip() or None,
        )

    def __post_init__(self) -> None:
        if not self.api_url.endswith("/"):
            object.__setattr__(self, "api_url", self.api_url + "/")


def missing(env: Mapping[str, str] = os.environ) -> list[str]:
    """The variables Slack still needs."""
    return [name for name in REQUIRED if not env.get(name)]


def _min_interval(value: str) -> float:
    if not value:
        return DEFAULT_MIN_INTERVAL
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ConfigError(f"{MIN_INTERVAL}={value!r} is not a number of seconds; write it like "
                          f"{MIN_INTERVAL}=1 (0 turns pacing off)")
    return seconds
