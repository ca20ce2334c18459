"""Which Microsoft Entra tenant an activity comes from, and whether the bot serves it.

Teams names the tenant as ``conversation.tenantId`` and ``channelData.tenant.id``; botbuilder's
schema reads ``tenantID`` instead, so its ``ConversationAccount.tenant_id`` stays empty and the
value is only in the account's ``additional_properties``. ``tenant_of`` reads every place, and
conversation references are stored and sent with ``conversation.tenantId`` (msrest then sends
the account's additional properties, the ones Teams sent, back as received) so proactive posts
carry the tenant; ``with_tenant`` adds ``channelData.tenant`` to an activity.

The bot serves one tenant (``MICROSOFT_APP_TENANT_ID``, single-tenant apps) or the tenants of
``MICROSOFT_ALLOWED_TENANT_IDS`` (multi-tenant apps); an activity of any other tenant is refused
before anything is stored, so a person of another organisation whose e-mail happens to equal a
focal point's is never taken for that focal point. The emulator serves any.
"""

import logging
from typing import Any

from botbuilder.schema import Activity, ConversationAccount

log = logging.getLogger(__name__)

TENANT_KEY = "tenantId"  # as Teams writes it in a conversation
REFUSED_LOGGED = 1000  # tenants remembered so that each is logged once

ConversationAccount.enable_additional_properties_sending()


def tenant_of(activity: Activity) -> str | None:
    """The tenant an activity belongs to, wherever Teams put it."""
    conversation = activity.conversation
    if conversation is not None:
        found = conversation.tenant_id or (conversation.additional_properties or {}).get(
            TENANT_KEY)
        if isinstance(found, str) and found:
            return found
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    found = tenant.get("id") if isinstance(tenant, dict) else None
    return found if isinstance(found, str) and found else None


def with_tenant(activity: Activity, tenant: str | None) -> Activity:
    """The activity with ``channelData.tenant`` set, as Teams wants on proactive posts."""
    if tenant:
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        activity.channel_data = {**data, "tenant": {"id": tenant}}
    return activity


def reference_with_tenant(reference: dict[str, Any], tenant: str | None) -> dict[str, Any]:
    """A serialized conversation reference that keeps its tenant."""
    if not tenant:
        return reference
    return {**reference, "conversation": {**reference.get("conversation", {}),
                                          TENANT_KEY: tenant}}


def tenant_in(reference: dict[str, Any]) -> str | None:
    found = reference.get("conversation", {}).get(TENANT_KEY)
    return found if isinstance(found, str) and found else None


class TenantPolicy:
    """Whose activities the bot takes."""

    def __init__(self, allowed: frozenset[str], any_tenant: bool = False) -> None:
        self.allowed = allowed
        self.any_tenant = any_tenant  # the emulator
        self._refused: set[str | None] = set()

    def admits(self, activity: Activity) -> bool:
        tenant = tenant_of(activity)
        if self.any_tenant or tenant in self.allowed:
            return True
        if tenant not in self._refused and len(self._refused) < REFUSED_LOGGED:
            self._refused.add(tenant)
            log.warning("Refused Teams activities from tenant %s: the bot serves %s", tenant,
                        ", ".join(sorted(self.allowed)) or "no tenant (set "
                        "MICROSOFT_APP_TENANT_ID or MICROSOFT_ALLOWED_TENANT_IDS)")
        return False
