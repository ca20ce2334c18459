"""Microsoft Teams' settings from the environment; ``repr`` never shows a secret.

Teams is on when ``MICROSOFT_APP_ID`` is set (with ``MICROSOFT_APP_PASSWORD``,
``MICROSOFT_APP_TYPE`` default SingleTenant, and ``MICROSOFT_APP_TENANT_ID`` for a single-tenant
app), or with ``serve --teams-emulator``: no credentials and no authentication, for local tests.
"""

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import ConfigError

APP_ID = "MICROSOFT_APP_ID"
APP_PASSWORD = "MICROSOFT_APP_PASSWORD"
APP_TYPE = "MICROSOFT_APP_TYPE"
TENANT_ID = "MICROSOFT_APP_TENANT_ID"
ALLOWED_TENANTS = "MICROSOFT_ALLOWED_TENANT_IDS"  # multi-tenant: tenants served, comma-separated
PUBLIC_URL = "NETWORK_BOT_PUBLIC_URL"  # the server's public address, for download links
DEFAULT_APP_TYPE = "SingleTenant"


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = DEFAULT_APP_TYPE
    tenant_id: str = ""
    allowed_tenants: frozenset[str] = frozenset()  # a multi-tenant app's tenants
    emulator: bool = False  # authentication off: loopback only
    public_url: str = ""  # e.g. https://bot.example.org: files are offered as links under it

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "TeamsSettings | None":
        """The settings when Teams is configured (``MICROSOFT_APP_ID`` set), else None."""
        if not env.get(APP_ID):
            return None
        return cls(app_id=env[APP_ID], app_password=env.get(APP_PASSWORD, ""),
                   public_url=public_url(env),
                   app_type=env.get(APP_TYPE) or DEFAULT_APP_TYPE,
                   tenant_id=env.get(TENANT_ID, "").strip(),
                   allowed_tenants=frozenset(tenant.strip() for tenant in
                                             env.get(ALLOWED_TENANTS, "").split(",")
                                             if tenant.strip()))

    @classmethod
    def for_emulator(cls, env: Mapping[str, str] = os.environ) -> "TeamsSettings":
        return cls(app_type="MultiTenant", emulator=True, public_url=public_url(env))

    @property
    def single_tenant(self) -> bool:
        return self.app_type.lower() == "singletenant"

    def served_tenants(self) -> frozenset[str]:
        """The tenants whose activities are taken (none: every activity is refused)."""
        if self.single_tenant:
            return frozenset({self.tenant_id}) if self.tenant_id else frozenset()
        return self.allowed_tenants | ({self.tenant_id} if self.tenant_id else set())

    def missing(self) -> list[str]:
        """What a configured (not emulated) Teams app still lacks."""
        if self.emulator:
            return []
        needed = [APP_PASSWORD] if not self.app_password else []
        if self.single_tenant and not self.tenant_id:
            needed.append(TENANT_ID)
        if not self.single_tenant and not self.served_tenants():
            needed.append(ALLOWED_TENANTS)
        return needed

    def as_configuration(self) -> object:
        """The configuration object botbuilder's ConfigurationBotFrameworkAuthentication reads."""

        class Configuration:
            APP_ID = self.app_id or None
            APP_PASSWORD = self.app_password or None
            APP_TYPE = self.app_type
            APP_TENANTID = self.tenant_id or None

        return Configuration()


def public_url(env: Mapping[str, str]) -> str:
    """``NETWORK_BOT_PUBLIC_URL`` without its trailing slash ("" when unset)."""
    url = env.get(PUBLIC_URL, "").strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ConfigError(f"{PUBLIC_URL}={url!r} is not a web address; write it like "
                          f"{PUBLIC_URL}=https://bot.example.org")
    return url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
