"""Slack's settings from the environment; ``repr`` never shows a secret."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

REQUIRED = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
APP_TOKEN = "SLACK_APP_TOKEN"
API_URL = "SLACK_API_URL"
DEFAULT_API_URL = "https://slack.com/api/"
ACK_BUDGET = 2.0  # seconds the core may take before the ack goes out without the reply


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)  # set: Socket Mode
    api_url: str = DEFAULT_API_URL

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
        )

    def __post_init__(self) -> None:
        if not self.api_url.endswith("/"):
            object.__setattr__(self, "api_url", self.api_url + "/")


def missing(env: Mapping[str, str] = os.environ) -> list[str]:
    """The variables Slack still needs."""
    return [name for name in REQUIRED if not env.get(name)]
