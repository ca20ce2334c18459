"""Running job rows of the outbox in tests as the dispatcher would when they fall due."""

from sqlmodel import select

from handlers.core import Scope
from handlers.jobs import JOBS
from storage.db import transaction
from storage.models import Outbox, OutboxStatus
from tests.conftest import BotHarness


def run_jobs(bot: BotHarness, kind: str) -> None:
    """Run the pending job rows of ``kind``, each at its due time (the clock moves there,
    never back), as the dispatcher would."""
    with bot.session() as session:
        rows = session.exec(select(Outbox).where(
            Outbox.kind == kind, Outbox.status == OutboxStatus.PENDING)
            .order_by(Outbox.id)).all()  # type: ignore[arg-type]
    for row in rows:
        bot.clock.now = max(bot.clock.now, row.due_at)
        with transaction(bot.engine) as session:
            claimed = session.get(Outbox, row.id)
            assert claimed is not None
            claimed.status = OutboxStatus.SENT
            JOBS[row.kind](Scope(session, bot.config, bot.clock.now), claimed)
