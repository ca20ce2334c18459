"""Microsoft Teams' settings from the environment; ``repr`` never shows a secret.

Teams is on when ``MICROSOFT_APP_ID`` is set (with ``MICROSOFT_APP_PASSWORD``,
``MICROSOFT_APP_TYPE`` default SingleTenant, and ``MICROSOFT_APP_TENANT_ID`` for a single-tenant
app), or with ``serve --teams-emulator``: no credentials and no authentication, for local tests.
"""

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

APP_ID = "MICROSOFT_APP_ID"
APP_PASSWORD = "MICROSOFT_APP_PASSWORD"
APP_TYPE = "MICROSOFT_APP_TYPE"
TENANT_ID = "MICROSOFT_APP_TENANT_ID"
DEFAULT_APP_TYPE = "SingleTenant"


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = DEFAULT_APP_TYPE
    tenant_id: str = ""
    emulator: bool = False  # authentication off: loopback only

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "TeamsSettings | None":
        """The settings when Teams is configured (``MICROSOFT_APP_ID`` set), else None."""
        if not env.get(APP_ID):
            return None
        return cls(app_id=env[APP_ID], app_password=env.get(APP_PASSWORD, ""),
                   app_type=env.get(APP_TYPE) or DEFAULT_APP_TYPE,
                   tenant_id=env.get(TENANT_ID, ""))

    @classmethod
    def for_emulator(cls) -> "TeamsSettings":
        return cls(app_type="MultiTenant", emulator=True)

    def missing(self) -> list[str]:
        """What a configured (not emulated) Teams app still lacks."""
        if self.emulator:
            return []
        needed = [APP_PASSWORD] if not self.app_password else []
        if self.app_type.lower() == "singletenant" and not self.tenant_id:
            needed.append(TENANT_ID)
        return needed

    def as_configuration(self) -> object:
        """The configuration object botbuilder's ConfigurationBotFrameworkAuthentication reads."""

        class Configuration:
            APP_ID = self.app_id or None
            APP_PASSWORD = self.app_password or None
            APP_TYPE = self.app_type
            APP_TENANTID = self.tenant_id or None

        return Configuration()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
