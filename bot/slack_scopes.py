"""The Slack Web API methods the bot calls, and the bot scopes each one needs.

One table, from Slack's method reference (docs.slack.dev/reference/methods/<method>, "Required
scopes" for a bot token; ``conversations.open`` accepts one of several scopes by conversation
type, and the bot opens only 1:1 DMs, which need ``im:write``). The app manifest asks for
exactly the scopes this table and the features below need, and ``serve`` compares them with the
scopes the token really has (the ``x-oauth-scopes`` header of ``auth.test``), saying what stops
working without each missing one. ``tests/test_slack_scopes.py`` fails when the code calls a
method that is not in this table, and checks the table against a reference transcribed from
Slack's documentation. The one event the app subscribes to, ``app_home_opened``, needs no
scope (docs.slack.dev/reference/events/app_home_opened: only a bot user).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class MethodNeeds:
    scopes: tuple[str, ...]  # every one is needed for the way the bot calls the method
    used_for: str  # what stops working without them, for the operator


METHODS: dict[str, MethodNeeds] = {
    "auth.test": MethodNeeds((), "checking the token and the workspace"),
    # Slack's reference: no scope required (bot tokens); an error leaves the link out.
    "chat.getPermalink": MethodNeeds((), "the link to a message added with Add to agenda"),
    "chat.postMessage": MethodNeeds(("chat:write",),
                                    "posting reminders, polls, agendas and minutes"),
    "chat.update": MethodNeeds(("chat:write",), "updating a poll's tally in place"),
    "conversations.open": MethodNeeds(
        ("im:write",), "direct messages: reminders to people, private files (calendar "
                       "invitations, reports asked for privately), answers to the Home tab's "
                       "buttons"),
    "files.getUploadURLExternal": MethodNeeds(
        ("files:write",), "files: calendar invitations, reports, replies too long for a message"),
    "files.completeUploadExternal": MethodNeeds(
        ("files:write",), "files: calendar invitations, reports, replies too long for a message"),
    "users.info": MethodNeeds(("users:read", "users:read.email"),
                              "recognising people by their Slack e-mail, and names of mentions"),
    "views.open": MethodNeeds((), "forms (objection reasons, minutes, Add to agenda)"),
    "views.publish": MethodNeeds((), "the app's Home tab"),
}

# Scopes that a feature needs rather than a method call.
FEATURES: dict[str, str] = {
    "commands": "the /network command and the Add to agenda message shortcut",
    "chat:write.public": "posting in the network channel before the bot is invited to it",
}

# The app-level token (SLACK_APP_TOKEN) of Socket Mode needs this scope for
# apps.connections.open; it is chosen when the token is generated, not in the manifest.
SOCKET_MODE_SCOPE = "connections:write"


def bot_scopes() -> list[str]:
    """Every bot scope the app needs, in a stable order, for the manifest."""
    needed = dict.fromkeys(FEATURES)
    for needs in METHODS.values():
        needed.update(dict.fromkeys(needs.scopes))
    return list(needed)


def missing_scopes(granted: set[str]) -> dict[str, str]:
    """The needed scopes a token lacks, each with what stops working without it."""
    missing: dict[str, list[str]] = {}
    for scope, what in FEATURES.items():
        if scope not in granted:
            missing.setdefault(scope, []).append(what)
    for needs in METHODS.values():
        for scope in needs.scopes:
            if scope not in granted and needs.used_for not in missing.get(scope, []):
                missing.setdefault(scope, []).append(needs.used_for)
    return {scope: "; ".join(whats) for scope, whats in missing.items()}
