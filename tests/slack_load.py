"""A load of concurrent signed ``/network agenda add`` commands against a ``serve`` process.

Every command adds an item with a distinct title (tagged with two objectives) under its own
trigger id. Its answer is read where Slack users would see it: in the HTTP ack when the core
answered within the ack budget, otherwise in the post to the command's ``response_url``, which
the fake Slack records under the trigger id.
"""

import asyncio
import json
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.slack import WORKING
from handlers.runner import DATABASE_DOWN, SAVE_IN_DOUBT
from storage.models import AgendaItem, AgendaItemObjective, ProcessedCommand
from tests.fake_slack import FakeSlack
from tests.serve_process import IOM, command_body, signed_headers

OBJECTIVES = (3, 5)
ADDED = re.compile(r"Added agenda item #(\d+)")
SLACK_TIMEOUT = 3.0  # Slack gives up on an ack after 3 seconds
PATIENCE = 30.0  # how long the client waits before it counts a request as unanswered


@dataclass
class Answer:
    """One command and what became of it."""

    title: str
    trigger: str
    status: int | None = None  # HTTP status of the ack; None: the connection was cut
    ack: dict[str, Any] = field(default_factory=dict)
    sent_at: float = 0.0  # time.monotonic() when the command was sent
    seconds: float = 0.0  # how long the ack took
    followed_up: dict[str, Any] | None = None  # the response_url post, if the ack said wait
    followed_up_at: float | None = None  # when that post arrived

    @property
    def answer_seconds(self) -> float:
        """How long the person waited for the answer: the ack's time, or the follow-up's when
        the ack only said the bot was working on it (infinite until it comes)."""
        if self.ack.get("text") != WORKING:
            return self.seconds
        return math.inf if self.followed_up_at is None else self.followed_up_at - self.sent_at

    @property
    def key(self) -> str:
        return f"slack:command:T1:{IOM}:{self.trigger}"  # workspace, person, trigger

    @property
    def reply(self) -> str:
        """Everything the user was told, as text (ack and follow-up)."""
        return json.dumps([self.ack, self.followed_up], ensure_ascii=False)

    @property
    def item_id(self) -> int | None:
        found = ADDED.search(self.reply)
        return int(found.group(1)) if found else None

    @property
    def refused(self) -> bool:
        """Answered with the runner's 'database is not answering, try again shortly'."""
        return DATABASE_DOWN in self.reply

    @property
    def in_doubt(self) -> bool:
        """Answered that the database went away while saving (it may or may not have)."""
        return SAVE_IN_DOUBT in self.reply

    @property
    def pending(self) -> bool:
        """Acked with 'working on it', the reply not yet posted to the response_url."""
        return self.ack.get("text") == WORKING and self.followed_up is None


def title_of(prefix: str, number: int) -> str:
    return f"{prefix} item {number}"


class CommandLoad:
    """Sends ``agenda add`` commands from ``workers`` concurrent clients until stopped."""

    def __init__(self, base_url: str, fake: FakeSlack, prefix: str, workers: int = 6) -> None:
        self.base_url = base_url
        self.fake = fake
        self.prefix = prefix
        self.workers = workers
        self.answers: list[Answer] = []
        self._numbers = iter(range(1, 1_000_000))
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> "CommandLoad":
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PATIENCE))
        self._tasks = [asyncio.ensure_future(self._worker()) for _ in range(self.workers)]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()
        await self.http.close()

    def hold(self) -> None:
        """Send no new commands; those in flight go on."""
        self._stopping.set()

    async def stop(self) -> None:
        """Stop sending and wait for the requests in flight."""
        self.hold()
        await asyncio.gather(*self._tasks)

    async def until(self, condition: Any, timeout: float = 60) -> None:
        """Keep the load going until ``condition()`` holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            for task in self._tasks:
                if task.done():
                    task.result()  # a worker's crash is the test's failure
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.05)

    def count(self, since: int = 0, *, added: bool = False, refused: bool = False) -> int:
        """How many answers since ``since`` said added or refused (follow-ups included)."""
        self.follow_ups()
        answers = self.answers[since:]
        return sum(1 for a in answers if (added and a.item_id) or (refused and a.refused))

    async def send(self, title: str, trigger: str) -> Answer:
        """One command; its answer is final once ``follow_ups`` has run."""
        answer = Answer(title, trigger)
        body = command_body(f"agenda add {title} " + " ".join(f"#{n}" for n in OBJECTIVES),
                            self.fake.response_url(trigger), trigger)
        started = answer.sent_at = time.monotonic()
        try:
            async with self.http.post(f"{self.base_url}/slack/events", data=body.encode(),
                                      headers=signed_headers(body)) as response:
                answer.status = response.status
                text = await response.text()
                answer.ack = json.loads(text) if text.startswith("{") else {"raw": text}
        except (aiohttp.ClientError, TimeoutError):
            answer.status = None
        answer.seconds = time.monotonic() - started
        return answer

    async def answer(self, title: str, trigger: str) -> Answer:
        """One command and its final answer, waiting for its response_url post if need be."""
        answer = await self.send(title, trigger)
        self.answers.append(answer)
        await self.until(self.answered)
        return answer

    def answered(self) -> bool:
        """Whether every command has its final answer (after attaching the follow-ups)."""
        self.follow_ups()
        return not any(answer.pending for answer in self.answers)

    def follow_ups(self) -> None:
        """Attach the response_url posts the fake recorded to their commands."""
        posts = {call.args["name"]: call for call in list(self.fake.calls)
                 if call.method == "response_url" and call.ok}
        for answer in self.answers:
            if (post := posts.get(answer.trigger)) is not None:
                answer.followed_up, answer.followed_up_at = post.args, post.at

    async def _worker(self) -> None:
        while not self._stopping.is_set():
            number = next(self._numbers)
            answer = await self.send(title_of(self.prefix, number), f"{self.prefix}-{number}")
            self.answers.append(answer)


@dataclass(frozen=True)
class StoredItem:
    id: int
    objectives: frozenset[int]
    processed: bool  # its command's idempotency key is stored with the reply


def stored_items(engine: Engine, answers: list[Answer]) -> dict[str, StoredItem]:
    """The agenda items in the database by title, with what belongs to them (asserting
    that no title is stored twice)."""
    keys = {answer.title: answer.key for answer in answers}
    with Session(engine) as session:
        items = session.exec(select(AgendaItem.id, AgendaItem.text)).all()
        objectives = session.exec(select(AgendaItemObjective.item_id,
                                         AgendaItemObjective.objective_number)).all()
        processed = set(session.exec(select(ProcessedCommand.key)).all())
    tags: dict[int, set[int]] = {}
    for item_id, number in objectives:
        tags.setdefault(item_id, set()).add(number)
    titles = Counter(text for _, text in items)
    assert max(titles.values(), default=1) == 1, "an item was stored twice"
    return {text: StoredItem(item_id, frozenset(tags.get(item_id, ())),
                             keys.get(text) in processed) for item_id, text in items}


def assert_acknowledged_items_complete(answers: list[Answer],
                                       stored: dict[str, StoredItem]) -> None:
    """Every item a reply said was added is stored whole: its id, its objectives, its key."""
    for answer in answers:
        if answer.item_id is not None:
            assert stored.get(answer.title) == StoredItem(
                answer.item_id, frozenset(OBJECTIVES), True), answer
