"""The shell's notifier: prints what would be posted to the network's channels or to people.

It stands in for Slack and Teams when you try the bot in a terminal, so reminders, poll
announcements and outcomes show up in the transcript as they fall due.
"""

from collections.abc import Callable
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.render_text import render_text
from handlers.core import Choice
from handlers.people import SHELL
from scheduler.notifier import Delivery, PostedRef
from storage.models import Person


class ShellNotifier:
    platform = SHELL
    min_interval = 0.0

    def __init__(self, engine: Engine, out: TextIO,
                 offer: Callable[[list[Choice]], None]) -> None:
        """``offer`` receives the choices of each notification printed with some (a poll's
        buttons), so the shell answers their numbers as it does a reply's."""
        self.engine = engine
        self.out = out
        self.offer = offer

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        where = "the network channels" if delivery.to_network else self._names(delivery.people)
        updated = " (updated in place)" if delivery.update_refs else ""
        print(f"-- to {where}{updated} --\n{render_text(delivery.reply)}", file=self.out,
              flush=True)
        if delivery.reply.choices:
            self.offer(delivery.reply.choices)
        if delivery.update_refs:
            return list(delivery.update_refs)
        return [PostedRef(channel=SHELL, message_ref=f"outbox-{delivery.outbox_id}")]

    def _names(self, ids: tuple[str, ...]) -> str:
        with Session(self.engine) as session:
            names = session.exec(select(Person.name).where(
                Person.id.in_([int(i) for i in ids]))  # type: ignore[union-attr]
                .order_by(Person.name)).all()
        return ", ".join(names)
