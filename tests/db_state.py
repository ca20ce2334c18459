"""The rows meeting and agenda commands change, as plain data (a refusal must change none)."""

from typing import Any

from sqlmodel import select

from storage.models import AgendaItem, AgendaItemObjective, Meeting, Outbox
from tests.conftest import BotHarness


def state(bot: BotHarness) -> dict[str, list[dict[str, Any]]]:
    with bot.session() as session:
        return {model.__name__: [row.model_dump() for row in session.exec(select(model)).all()]
                for model in (Meeting, AgendaItem, AgendaItemObjective, Outbox)}


def outbox(
    bot: BotHarness, kind: str | None = None, status: str | None = "pending"
) -> list[Outbox]:
    with bot.session() as session:
        query = select(Outbox).order_by(Outbox.due_at, Outbox.id)  # type: ignore[arg-type]
        if kind:
            query = query.where(Outbox.kind == kind)
        if status:
            query = query.where(Outbox.status == status)
        return list(session.exec(query).all())
