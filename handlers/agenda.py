"""Agenda items: ``agenda add <text>`` and ``agenda`` (the listing)."""

from sqlmodel import func, select

from handlers.core import Context, Reply
from handlers.grammar import check_text
from handlers.registry import command
from storage.models import Agency, AgendaItem, AgendaStatus

ADD_EXAMPLE = "agenda add Update on the labour migration assessment"


@command(
    "agenda add",
    summary="Propose an item for the next meeting's agenda",
    usage="agenda add <text>",
    example=ADD_EXAMPLE,
)
def agenda_add(ctx: Context, args: str) -> Reply:
    text = check_text(args, what="agenda item", example=ADD_EXAMPLE)
    agency_id = ctx.session.exec(select(Agency.id).where(Agency.code == ctx.actor.agency)).first()
    position = ctx.session.exec(
        select(func.coalesce(func.max(AgendaItem.position), 0)).where(
            AgendaItem.meeting_id.is_(None))  # type: ignore[union-attr]
    ).one() + 1
    item = AgendaItem(text=text, agency_id=agency_id, proposer_id=ctx.actor.person_id,
                      position=position)
    ctx.session.add(item)
    ctx.session.flush()
    return Reply(
        text=f"Added agenda item #{item.id} to the backlog: {text}\n"
             "It will join the next meeting once one is scheduled.",
        private=False,
    )


@command(
    "agenda",
    summary="List the agenda items waiting in the backlog",
    usage="agenda",
    example="agenda",
)
def agenda_list(ctx: Context, args: str) -> Reply:
    rows = ctx.session.exec(
        select(AgendaItem, Agency.code)
        .join(Agency, Agency.id == AgendaItem.agency_id, isouter=True)
        .where(AgendaItem.meeting_id.is_(None))  # type: ignore[union-attr]
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    if not rows:
        return Reply(title="Agenda backlog",
                     text=f"The backlog is empty. Propose an item with: {ADD_EXAMPLE}")
    lines = [f"{n}. #{item.id} {item.text} — {code or 'partner'} ({item.status})"
             for n, (item, code) in enumerate(rows, start=1)]
    open_items = sum(1 for item, _ in rows if item.status != AgendaStatus.WITHDRAWN)
    lines.append(f"\n{open_items} item(s) waiting for the next meeting.")
    return Reply(title="Agenda backlog", text="\n".join(lines))
