"""The bot's scopes come from the Web API methods its code calls, as Slack documents them.

The calls are found in the source (every call of an ``AsyncWebClient`` method in ``bot/``,
followed into slack_sdk for wrappers such as ``files_upload_v2``), so a new call of a method
that ``bot.slack_scopes`` does not know fails here; the table is compared with the scopes
transcribed from Slack's method reference (tests/slack_reference.py), and the manifest asks
for what the table needs.
"""

import ast
import inspect
import re
from functools import cache

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli import main
from bot.slack_scopes import FEATURES, METHODS, bot_scopes, missing_scopes
from tests.conftest import APP_YAML, REPO
from tests.slack_reference import EMAIL_SCOPE, METHOD_SCOPES

_API_CALL = re.compile(r"api_call\(\s*\"([\w.]+)\"")
_WRAPPED = re.compile(r"self\.(\w+)\(")


@cache
def api_methods_of(client_method: str) -> frozenset[str]:
    """The Web API methods one AsyncWebClient method calls, read from slack_sdk's source."""
    method = getattr(AsyncWebClient, client_method, None)
    if not inspect.isfunction(method):
        return frozenset()
    source = inspect.getsource(method)
    found = set(_API_CALL.findall(source))
    for wrapped in _WRAPPED.findall(source):
        if wrapped != client_method and not wrapped.startswith("_"):
            found |= api_methods_of(wrapped)
    return frozenset(found)


def called_api_methods() -> dict[str, set[str]]:
    """Web API method -> the files of bot/ that call it."""
    client_methods = {name for name in dir(AsyncWebClient) if not name.startswith("_")
                      and api_methods_of(name) and name != "api_call"}
    calls: dict[str, set[str]] = {}
    for path in sorted((REPO / "bot").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in client_methods:
                for method in api_methods_of(node.func.attr):
                    calls.setdefault(method, set()).add(path.name)
    return calls


def test_every_method_the_code_calls_is_in_the_scope_table() -> None:
    calls = called_api_methods()
    assert {"chat.postMessage", "conversations.open", "files.completeUploadExternal",
            "users.info", "views.open", "views.publish"} <= set(calls)  # what we know is there
    unknown = {method: files for method, files in calls.items() if method not in METHODS}
    assert unknown == {}, "add these methods and their scopes to bot/slack_scopes.py"


def test_the_table_holds_no_method_the_code_does_not_call() -> None:
    called = set(called_api_methods()) | {"auth.test"}  # bolt and the start-up check call it
    assert set(METHODS) - called == set()


@pytest.mark.parametrize("method", sorted(METHODS))
def test_the_table_agrees_with_slacks_method_reference(method: str) -> None:
    needed = set(METHOD_SCOPES[method])
    if method == "users.info":
        needed.add(EMAIL_SCOPE)  # the bot reads profile.email
    assert set(METHODS[method].scopes) == needed


def test_the_manifest_asks_for_every_scope_the_code_needs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for mode in (["--socket-mode"], ["--url", "https://bot.example.org"]):
        assert main(["--config", str(APP_YAML), "manifest", "slack", *mode]) == 0
        scopes = yaml.safe_load(capsys.readouterr().out)["oauth_config"]["scopes"]["bot"]
        assert scopes == bot_scopes()
        needed = {scope for method in called_api_methods() for scope in METHOD_SCOPES[method]}
        assert needed | {EMAIL_SCOPE, *FEATURES} <= set(scopes)
        assert len(scopes) == len(set(scopes))


def test_missing_scopes_say_what_stops_working() -> None:
    assert missing_scopes(set(bot_scopes())) == {}
    lacking = missing_scopes(set(bot_scopes()) - {"im:write", "files:write"})
    assert list(lacking) == ["im:write", "files:write"]
    assert lacking["im:write"].startswith("direct messages")
    assert lacking["im:write"].endswith("answers to the Home tab's buttons")
    assert lacking["files:write"] == ("files: calendar invitations, reports, replies too long "
                                      "for a message")


def test_an_old_manifest_without_im_write_is_the_defect_this_prevents() -> None:
    """The manifest of issue 14's report asked for these; DMs and private files failed."""
    old = {"commands", "chat:write", "chat:write.public", "files:write", "users:read",
           "users:read.email"}
    assert list(missing_scopes(old)) == ["im:write"]
