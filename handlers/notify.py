"""Queueing notifications from handlers: a neutral Reply becomes an outbox row."""

from datetime import datetime

from handlers.core import Reply, Scope
from handlers.outbox_kinds import OutboxKind
from storage.audience import NETWORK, Audience
from storage.models import Outbox
from storage.outbox import enqueue


def queue(
    ctx: Scope,
    kind: OutboxKind,
    reply: Reply,
    *,
    due_at: datetime | None = None,
    audience: Audience = NETWORK,
    meeting_id: int | None = None,
    poll_id: int | None = None,
    action_item_id: int | None = None,
    date_poll_id: int | None = None,
) -> Outbox:
    """Queue ``reply`` for ``audience`` at ``due_at`` (default: now, i.e. send at once)."""
    return enqueue(
        ctx.session, kind=kind.name, due_at=due_at or ctx.now, payload=reply.to_dict(),
        audience=audience, meeting_id=meeting_id, poll_id=poll_id,
        action_item_id=action_item_id, date_poll_id=date_poll_id,
    )
