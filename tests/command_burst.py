"""Bursts of concurrent signed ``/network`` commands, from several people, to one or more real
``network-bot serve`` processes, and what each person was answered.

A burst posts every command at once (one aiohttp client, every request in flight together;
a command may wait for some of the others' acks, to land in the middle of the burst),
signed as Slack signs requests (slack_sdk's ``SignatureVerifier``, tests/serve_process.py), each
as its own person with its own trigger id, to the replica it names. A command's answer is read
where the person would see it: the ack when the core answered within the ack budget, otherwise
the bot's post to the command's ``response_url`` (recorded by tests/fake_slack.py). A ``Sent``
with ``copy`` > 0 is a redelivery of a command (same person, same trigger id, so the same
delivery key), with a ``response_url`` of its own so that the test can tell both answers
apart.
"""

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.slack import WORKING
from handlers.runner import DATABASE_DOWN, DATABASE_ERROR, INTERNAL_ERROR, SAVE_IN_DOUBT
from tests.fake_slack import FakeSlack
from tests.serve_process import Served, command_body, signed_headers

PATIENCE = 60.0  # seconds to wait for every answer (only ever waited for, never asserted on)
ZWSP = "\u200b"  # the Slack renderer puts one after each *, _, ~ and ` anyone typed
# Answers that are not an answer to what was asked: the core failed, the database refused a
# statement of the bot's, or a save was cut off.
NOT_ANSWERS = {"Something went wrong": INTERNAL_ERROR, "database error": DATABASE_ERROR,
               "saving in doubt": SAVE_IN_DOUBT}


@dataclass
class Sent:
    """One command of a burst and what became of it."""

    text: str
    user: str  # Slack user id of the person typing it
    trigger: str
    to: int = 0  # the replica it is posted to
    copy: int = 0  # 0: the delivery; 1, 2, ...: Slack's redeliveries of it (same trigger id)
    # Posted once this many commands of the burst have their ack (those waiting for the same
    # number are posted in their order in the burst).
    after: int = 0
    status: int | None = None  # HTTP status of the ack; None: no answer
    ack: dict[str, Any] = field(default_factory=dict)
    followed_up: dict[str, Any] | None = None  # the response_url post, if the ack said wait

    @property
    def name(self) -> str:
        """The name of its response_url at the fake Slack."""
        return f"{self.trigger}~{self.copy}"

    @property
    def key(self) -> str:
        """The delivery key the Slack adapter gives it (workspace, person, trigger id)."""
        return f"slack:command:T1:{self.user}:{self.trigger}"

    @property
    def pending(self) -> bool:
        return self.ack.get("text") == WORKING and self.followed_up is None

    @property
    def outage(self) -> bool:
        """Answered "the database is not answering right now, so nothing was changed": the
        runner's answer when a wait for the database ran out. Under a burst it may come from
        waiting for the turn of every unit of work (storage.db.transaction) longer than the
        database's limit; it is a refusal like any other, which must have stored nothing."""
        return DATABASE_DOWN in self.shown

    @property
    def shown(self) -> str:
        """The answer's text as the person reads it (bold as ``*bold*``)."""
        message = self.followed_up if self.ack.get("text") == WORKING else self.ack
        return message_text(message or {})

    def redelivered(self, to: int) -> "Sent":
        """A redelivery of this command (same person, same trigger id) to replica ``to``."""
        return Sent(self.text, self.user, self.trigger, to=to, copy=self.copy + 1,
                    after=self.after)


def message_text(message: dict[str, Any]) -> str:
    """A Slack message's text from its blocks (header, sections, fields, context), with the
    renderer's zero-width spaces and Slack's three entities undone."""
    blocks = message.get("blocks") or []
    parts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        parts += [item.get("text", "") for item in block.get("fields", [])]
        parts += [item["text"] for item in block.get("elements", [])
                  if isinstance(item, dict) and isinstance(item.get("text"), str)]
    text = "\n".join(parts) if blocks else str(message.get("text", message.get("raw", "")))
    text = text.replace(ZWSP, "")
    for entity, character in (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, character)
    return text


def burst(replicas: Sequence[Served], fake: FakeSlack, commands: Sequence[Sent]) -> list[Sent]:
    """Post ``commands`` all at once and wait until each has its final answer."""
    return asyncio.run(_burst([served.url for served in replicas], fake, list(commands)))


def say(replicas: Sequence[Served], fake: FakeSlack, text: str, user: str, trigger: str) -> str:
    """One command (for setting a scene up), its answer's text; it must be answered."""
    [sent] = burst(replicas, fake, [Sent(text, user, trigger)])
    assert sent.status == 200, (text, sent)
    return sent.shown


async def _burst(urls: list[str], fake: FakeSlack, commands: list[Sent]) -> list[Sent]:
    timeout = aiohttp.ClientTimeout(total=PATIENCE)
    connector = aiohttp.TCPConnector(limit=0)  # no client-side queue: all in flight together
    assert all(sent.after < len(commands) for sent in commands)
    acked = asyncio.Condition()
    answered = 0

    async def post(sent: Sent) -> None:
        nonlocal answered
        if sent.after:
            async with acked:
                await acked.wait_for(lambda: answered >= sent.after)
        await _post(http, urls[sent.to], fake, sent)
        async with acked:
            answered += 1
            acked.notify_all()

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        await asyncio.gather(*(post(sent) for sent in commands))
    deadline = time.monotonic() + PATIENCE
    while True:
        attach_follow_ups(fake, commands)
        waiting = [sent for sent in commands if sent.pending]
        if not waiting:
            return commands
        assert time.monotonic() < deadline, f"no answer came for {waiting}"
        await asyncio.sleep(0.05)


async def _post(http: aiohttp.ClientSession, url: str, fake: FakeSlack, sent: Sent) -> None:
    body = command_body(sent.text, fake.response_url(sent.name), sent.trigger, sent.user)
    try:
        async with http.post(f"{url}/slack/events", data=body.encode(),
                             headers=signed_headers(body)) as response:
            sent.status = response.status
            if response.content_type == "application/json":
                sent.ack = await response.json()
            else:
                sent.ack = {"raw": await response.text()}
    except (aiohttp.ClientError, TimeoutError):
        sent.status = None


def attach_follow_ups(fake: FakeSlack, commands: Iterable[Sent]) -> None:
    """The first post the bot made to each command's response_url (the reply after
    "Working on it…"), attached to its command."""
    first: dict[str, dict[str, Any]] = {}
    for call in list(fake.calls):
        if call.method == "response_url" and call.ok:
            first.setdefault(call.args["name"], call.args)
    for sent in commands:
        if sent.followed_up is None and sent.name in first:
            sent.followed_up = first[sent.name]


def not_answered(commands: Sequence[Sent]) -> list[str]:
    """Problems, counted: commands without an HTTP 200 ack, or answered with a failure instead
    of an answer (the core's "Something went wrong", a database error or outage, a save in
    doubt), each with an example."""
    found: dict[str, list[Sent]] = {}
    for sent in commands:
        if sent.status != 200:
            found.setdefault(f"HTTP {sent.status} instead of an answer", []).append(sent)
            continue
        for label, text in NOT_ANSWERS.items():
            if text in sent.shown:
                found.setdefault(f"the {label} reply", []).append(sent)
    return [f"{len(sents)} of {len(commands)} commands got {what} ({_verbs(sents)}), e.g. "
            f"{_short(sents[0].text)}" for what, sents in found.items()]


def outages(commands: Sequence[Sent]) -> str:
    """How many commands were answered that the database was not answering, for a summary."""
    told = [sent for sent in commands if sent.outage]
    return f"{len(told)} told to try again ({_verbs(told)})" if told else "0 told to try again"


def _verbs(commands: list[Sent]) -> str:
    """``people add 2, partners add 1``: how many of ``commands`` each verb had."""
    verbs = Counter(" ".join(w for w in sent.text.split()[:2] if not w.startswith("#"))
                    for sent in commands)
    return ", ".join(f"{verb} {n}" for verb, n in verbs.most_common())


def _short(text: str, room: int = 70) -> str:
    return repr(text if len(text) <= room else text[:room - 1] + "…")


def number(pattern: str, text: str) -> int:
    """The number the first group of ``pattern`` finds in ``text`` (which must match)."""
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1))
