"""A real ``network-bot serve --teams-emulator`` process (Slack off), driven over loopback HTTP
as Teams drives a bot: activities in at ``POST /api/messages``, the answers out through
botbuilder's connector client to the fake Bot Connector that the activities' serviceUrl names
(tests/fake_teams.py, on its own loop in a thread)."""

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import AgendaItem, ConversationRef
from tests.fake_slack import InThread
from tests.fake_teams import FakeConnector, Sent
from tests.serve_process import Served, spawn, wait_for, wait_healthy
from tests.test_teams import BOT, CHANNEL, PERSONAL, TeamsClient, card_text, user

MENTION_BOT = {"type": "mention", "text": "<at>Network</at>", "mentioned": BOT}


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Served]:
    served = spawn(f"sqlite:///{tmp_path / 'teams.db'}", tmp_path / "serve.log", {},
                   ["--teams-emulator"])
    try:
        wait_healthy(served)
        yield served
    finally:
        if served.process.poll() is None:
            served.kill()


def _post(served: Served, activity: dict[str, Any]) -> tuple[int, Any]:
    """POST one activity; the status and the JSON body (None when there is none)."""
    request = urllib.request.Request(f"{served.url}/api/messages", method="POST",
                                     data=json.dumps(activity).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = answer.read()
        return int(answer.status), json.loads(body) if body else None


def _new(connector: FakeConnector, before: int) -> list[Sent]:
    return connector.sent[before:]


def _submit_data(card: Any, title: str) -> Any:
    """The data of the card's Action.Submit titled ``title``, wherever the card holds it."""
    if isinstance(card, dict):
        if card.get("type") == "Action.Submit" and card.get("title") == title:
            return card["data"]
        card = list(card.values())
    if isinstance(card, list):
        for part in card:
            if (data := _submit_data(part, title)) is not None:
                return data
    return None


def test_a_serve_process_answers_teams_activities_over_http(
    emulator: Served, tmp_path: Path,
) -> None:
    """Reference: the Bot Framework's activity protocol and Microsoft's documented invoke
    responses, against a real serve process and botbuilder's connector client."""
    in_channel = {"conversation": CHANNEL, "conversation_type": "channel"}
    with InThread(FakeConnector()) as connector:
        teams = TeamsClient(emulator.url, connector)

        # The bot is added to the network's team: stored, not answered.
        added = teams.activity("conversationUpdate", membersAdded=[BOT], **in_channel)
        assert _post(emulator, added) == (201, None) and connector.sent == []

        # A channel message that mentions the bot is a command, answered in the channel.
        asked = teams.activity(text="<at>Network</at> agenda add Remittance costs",
                               entities=[MENTION_BOT], **in_channel)
        assert _post(emulator, asked) == (201, None)
        [answer] = connector.sent
        assert answer.conversation == CHANNEL and answer.activity_id == asked["id"]
        assert "Remittance costs" in card_text([answer])

        # Channel chatter that does not mention the bot is not answered.
        before = len(connector.sent)
        chatter = teams.activity(text="agenda add Lunch on Friday", **in_channel)
        assert _post(emulator, chatter) == (201, None) and _new(connector, before) == []

        # A personal chat needs no mention.
        before = len(connector.sent)
        assert _post(emulator, teams.activity(text="whoami")) == (201, None)
        [whoami] = _new(connector, before)
        assert whoami.conversation == PERSONAL and "You are IOM Focal Point" in card_text([whoami])

        # A poll goes to the channel through the outbox; its Agree button is a card submit.
        before = len(connector.sent)
        proposed = teams.activity(text='poll propose "Joint statement on safe migration"',
                                  sender=user("RCO"))
        assert _post(emulator, proposed) == (201, None)
        wait_for(lambda: any(s.conversation == CHANNEL and s.activity_id is None
                             for s in _new(connector, before)))
        [poll] = [s for s in _new(connector, before) if s.conversation == CHANNEL]
        agree = _submit_data(poll.cards, "Agree")
        assert agree is not None
        before = len(connector.sent)
        clicked = teams.activity(sender=user("ILO"), value=agree, **in_channel)
        assert _post(emulator, clicked) == (201, None)
        wait_for(lambda: "Recorded: ILO agrees on poll #1" in card_text(_new(connector, before)))
        wait_for(lambda: any(s.method == "PUT" for s in _new(connector, before)))  # the tally

        # An invoke the bot does not handle gets Microsoft's documented message response.
        before = len(connector.sent)
        status, body = _post(emulator, teams.activity(
            "invoke", name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": "vote"}}, **in_channel))
        assert status == 200
        assert body["statusCode"] == 200
        assert body["type"] == "application/vnd.microsoft.activity.message"
        status, body = _post(emulator, teams.activity("invoke", name="task/fetch", value={}))
        assert status == 200 and body["task"]["type"] == "message"
        assert _new(connector, before) == []

    engine = make_engine(f"sqlite:///{tmp_path / 'teams.db'}")
    with Session(engine) as session:
        items = session.exec(select(AgendaItem.text)).all()
        stored = set(session.exec(select(ConversationRef.conversation_id)).all())
    engine.dispose()
    assert items == ["Remittance costs"] and {CHANNEL, PERSONAL} <= stored
    emulator.stop()
    assert "Traceback" not in emulator.log.read_text()
