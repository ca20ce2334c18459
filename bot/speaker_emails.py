"""The e-mail address a chat platform has for someone the roster does not know by chat id.

When app.yaml gives focal points' e-mail addresses, a person whose Slack or Teams id is not on
the roster yet is still recognised by the address their platform has for them. Asking the
platform costs a call, so each answer is kept for the life of the process, and people the
roster already knows by chat id are never asked about. Shared by the Slack and Teams adapters.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.app import App
from handlers.core import Speaker
from handlers.people import find_person

log = logging.getLogger(__name__)

Ask = Callable[[], Awaitable[str | None]]


class SpeakerEmails:
    def __init__(self, app: App, platform: str,
                 failures: tuple[type[BaseException], ...]) -> None:
        """``failures``: what the platform's lookup raises when it cannot answer (then the
        person is asked about again next time)."""
        self.engine = app.engine
        self.platform = platform
        self.failures = failures
        self.wanted = any(person.email for person in app.config.people)
        self._emails: dict[str, str | None] = {}

    async def of(self, user: str, ask: Ask) -> str | None:
        """``user``'s address from ``ask`` (the platform's lookup), or None when the roster
        knows them already, has no addresses at all, or nobody could say."""
        if not self.wanted:
            return None
        if user not in self._emails:
            try:
                known = await asyncio.to_thread(self._known, user)
            except SQLAlchemyError:
                return None  # the core will say that the database is not answering
            if known:
                self._emails[user] = None
            else:
                try:
                    self._emails[user] = await ask()
                except self.failures as problem:
                    log.warning("%s could not give the e-mail of %s: %r", self.platform, user,
                                problem)
                    return None
        return self._emails[user]

    def _known(self, user: str) -> bool:
        with Session(self.engine) as session:
            speaker = Speaker(platform=self.platform, external_id=user)
            return find_person(session, speaker) is not None
