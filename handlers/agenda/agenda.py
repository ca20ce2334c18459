"""Agenda items: propose, list, withdraw, accept, defer, order, and publish the agenda.

An item goes to the next network meeting whose agenda deadline has not passed (or the one
named with ``for #N``); with none it waits in the backlog and joins the next one scheduled.
At the deadline the ``agenda.deadline`` job compiles the agenda and queues it for the network.
"""

import re

from sqlalchemy import Insert, bindparam, insert
from sqlmodel import col, func, select
from sqlmodel.sql.expression import Select

from handlers.core import Context, Reply, Role, Scope, UserError, bold
from handlers.grammar import check_text, parse_ref
from handlers.jobs import job
from handlers.meetings.meeting_common import (
    AGENDA_ORDER,
    DEADLINE,
    carry_over,
    describe,
    get_meeting,
    may_organise,
    next_open,
    number_items,
    open_items,
    take_off,
    when,
    zone,
)
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.paging import PAGE, more
from handlers.registry import command
from handlers.timefmt import show_time
from storage.models import (
    Agency,
    AgendaItem,
    AgendaItemObjective,
    AgendaStatus,
    Meeting,
    MeetingStatus,
    Outbox,
    Person,
    WorkingGroup,
)
from templates import render

PUBLISHED = declare(OutboxKind("agenda.published"))
ADD_EXAMPLE = "agenda add Update on the labour migration assessment #obj6 #obj18"
_FOR_EXAMPLE = "agenda add Budget review #obj6 for #2"
_LAST_WORD = re.compile(r"(?:^|\s+)(\S+)$")
_TAG = re.compile(r"(?i)#(?:obj)?(\d{1,9})")
_TAG_SHAPED = re.compile(r"(?i)(?:^|\s)(#obj\S*)")
# A phone's full-width (or small) number sign is read as the ``#`` it stands for, so that
# ``＃obj6`` is a tag (``#６`` already is: ``\d`` reads any digit).
_NUMBER_SIGNS = str.maketrans({"＃": "#", "﹟": "#"})
# A ``#6`` inside the text (``Follow-up to poll #3 budget``) is kept as written, and said so.
_NUMBER_IN_TEXT = re.compile(r"(?:^|\s)(#\d+)(?=$|[\s.,;:!?)])")


@command(
    "agenda add",
    summary="Propose an item for the next meeting's agenda, tagged with GCM objectives",
    usage="agenda add <text> [#obj1 ... #obj23] [for #N]",
    example=ADD_EXAMPLE,
    detail="Objective tags (#obj1 to #obj23, or #1 to #23) and 'for #N', which names a "
           "meeting, come at the end of the text, in any order. Without 'for #N' the item "
           "goes to the next meeting whose agenda deadline has not passed, or to the backlog "
           "until one is scheduled. After a meeting's deadline only its organisers (the Chair, "
           "the Secretariat) may add to it. Partners add items to their working groups' "
           "meetings, naming them with 'for #N'.",
    partners=True,
)
def agenda_add(ctx: Context, args: str) -> Reply:
    text, tags, meeting_ref = _read_item(ctx, args)
    if ctx.actor.is_partner:
        partner_meeting(ctx, meeting_ref)
    meeting = _target(ctx, meeting_ref) if meeting_ref is not None else next_open(ctx, None)
    item_id = _propose(ctx, text, tags, meeting)
    tagged = f" ({_tags(tags)})" if tags else ""
    if meeting is None:
        return Reply(text="\n".join([
            f"Added agenda item #{item_id}{tagged} to the backlog: {text}", *_kept_in_text(text),
            "It will join the next meeting once one is scheduled."]), private=False)
    lines = [f"Added agenda item #{item_id}{tagged} to {describe(ctx, meeting)}: {text}",
             *_kept_in_text(text)]
    if meeting.agenda_published_at and may_organise(ctx, ctx.actor, meeting):
        lines.append(f"The agenda was already published; send the update with: "
                     f"agenda publish #{meeting.id}")
    elif meeting.agenda_published_at:
        lines.append("The agenda was already published; its organisers send the update.")
    return Reply(text="\n".join(lines), private=False)


@command(
    "agenda",
    reads_only=True,
    summary="Show the agenda of the next meeting taking items, and the backlog",
    usage="agenda",
    example="agenda",
)
def agenda(ctx: Context, args: str) -> Reply:
    return agenda_list(ctx, args)


@command(
    "agenda list",
    reads_only=True,
    summary="List a meeting's agenda items with agency, objectives and status",
    usage="agenda list [#N]",
    example="agenda list #1",
    detail="Without #N: the agenda of the next meeting taking items (whose agenda deadline "
           "has not passed: where agenda add puts an item) and the items waiting in the "
           "backlog, "
           f"the first {PAGE} of each. With #N: every item of meeting #N.",
    partners=True,
)
def agenda_list(ctx: Context, args: str) -> Reply:
    # `agenda` runs this too: its refusals show agenda list's example, not its own.
    number = parse_ref(args, "meeting", "agenda list #1") if args.strip() else None
    if ctx.actor.is_partner:
        partner_meeting(ctx, number)
    if number is not None:
        meeting = get_meeting(ctx, number, "agenda list #1")
        return Reply(title=f"Agenda of meeting #{meeting.id}",
                     text=f"{describe(ctx, meeting)}\n" + _listing(ctx, meeting.id))
    upcoming = next_open(ctx, None)
    parts = []
    closed = ctx.session.exec(_CLOSED, params={"now": ctx.now}).first()
    if closed is not None:
        parts.append(f"{bold('Agenda closed')}: {describe(ctx, closed)}, since "
                     f"{show_time(closed.agenda_closes_at, zone(ctx))} (agenda list "
                     f"#{closed.id} shows it); new items go to "
                     + (f"meeting #{upcoming.id}." if upcoming else "the backlog."))
    if upcoming is not None:
        parts.append(f"{bold('Next meeting')}: {describe(ctx, upcoming)}\n" + _listing(
            ctx, upcoming.id, shown=PAGE, rest=f"agenda list #{upcoming.id} shows them all."))
    if upcoming is None or _waiting(ctx):
        parts.append(f"{bold('Backlog')} (waiting for a meeting)\n" + _listing(
            ctx, None, shown=PAGE, rest="they join the next meeting once one is scheduled."))
    return Reply(title="Agenda", text="\n\n".join(parts))


@command(
    "agenda withdraw",
    summary="Withdraw an agenda item (the proposing agency or the Secretariat)",
    usage="agenda withdraw #I",
    example="agenda withdraw #4",
)
def agenda_withdraw(ctx: Context, args: str) -> Reply:
    earlier = ctx.session.get(AgendaItem, parse_ref(args, "agenda item"))
    if earlier is not None and earlier.status == AgendaStatus.WITHDRAWN:
        raise UserError(f"Agenda item #{earlier.id} was already withdrawn, so nothing changed.",
                        "agenda")
    item = _item(ctx, args)
    agency = ctx.session.get(Agency, item.agency_id) if item.agency_id else None
    if not (ctx.actor.has(Role.SECRETARIAT) or (agency and agency.code == ctx.actor.agency)):
        raise UserError(f"Only the proposing agency ({agency.code if agency else 'unknown'}) "
                        f"or the Secretariat may withdraw item #{item.id}.", "agenda")
    item.status = AgendaStatus.WITHDRAWN
    take_off(ctx, item)
    return Reply(text=f"Withdrew agenda item #{item.id}: {item.text}", private=False)


@command(
    "agenda accept",
    summary="Accept an agenda item (the Chair or the Secretariat)",
    usage="agenda accept #I",
    example="agenda accept #4",
)
def agenda_accept(ctx: Context, args: str) -> Reply:
    item = _organised_item(ctx, args)
    item.status = AgendaStatus.ACCEPTED
    ctx.session.add(item)
    return Reply(text=f"Accepted agenda item #{item.id}: {item.text}", private=False)


@command(
    "agenda defer",
    summary="Defer an agenda item to the next meeting (the Chair or the Secretariat)",
    usage="agenda defer #I",
    example="agenda defer #4",
    detail="The item moves to the next meeting open for items after its own, or to the "
           "backlog until one is scheduled.",
)
def agenda_defer(ctx: Context, args: str) -> Reply:
    item = _organised_item(ctx, args)
    current = ctx.session.get(Meeting, item.meeting_id) if item.meeting_id else None
    if current is None:
        raise UserError(f"Item #{item.id} waits in the backlog; it joins the next meeting "
                        "by itself.", "agenda")
    if item.status == AgendaStatus.DEFERRED:
        raise UserError(f"Agenda item #{item.id} is already deferred.", "agenda")
    item.status = AgendaStatus.DEFERRED
    ctx.session.add(item)
    ctx.session.flush()
    carry_over(ctx, current.wg_id)
    if item.meeting_id == current.id:
        return Reply(text=f"Deferred agenda item #{item.id}: {item.text}\nIt moves to the "
                          "next meeting once one is scheduled.", private=False)
    target = get_meeting(ctx, item.meeting_id or 0, "agenda")
    return Reply(text=f"Deferred agenda item #{item.id} to {describe(ctx, target)}: "
                      f"{item.text}", private=False)


@command(
    "agenda order",
    summary="Move an agenda item to another position (the Chair or the Secretariat)",
    usage="agenda order #I <position>",
    example="agenda order #4 1",
)
def agenda_order(ctx: Context, args: str) -> Reply:
    ref, _, wanted = args.strip().partition(" ")
    item = _organised_item(ctx, ref)
    siblings = [other for other in open_items(ctx, item.meeting_id) if other.id != item.id]
    if not wanted.strip().isdigit() or not 1 <= int(wanted) <= len(siblings) + 1:
        raise UserError(f"Give a position from 1 to {len(siblings) + 1}.",
                        f"agenda order #{item.id} 1")
    siblings.insert(int(wanted) - 1, item)
    number_items(ctx, siblings)
    return Reply(text=f"Agenda item #{item.id} is now number {wanted}.\n"
                      + _listing(ctx, item.meeting_id))


@command(
    "agenda publish",
    summary="Compile a meeting's agenda and post it to the network now",
    usage="agenda publish #N",
    example="agenda publish #1",
    detail="The Chair or the Secretariat (or a working group's chairs for its meetings). "
           "The agenda also goes out by itself at the deadline.",
)
def agenda_publish(ctx: Context, args: str) -> Reply:
    meeting = get_meeting(ctx, parse_ref(args, "meeting"))
    if not may_organise(ctx, ctx.actor, meeting):
        raise UserError(f"Only the organisers of meeting #{meeting.id} (the Chair or the "
                        "Secretariat) may publish its agenda.", f"agenda list #{meeting.id}")
    if meeting.status == MeetingStatus.CANCELLED:
        raise UserError(f"Meeting #{meeting.id} was cancelled.", "meeting list")
    text = publish(ctx, meeting)
    deadline = meeting.agenda_closes_at
    note = (f"\n\nThe final agenda goes out again at the deadline, "
            f"{show_time(deadline, zone(ctx))}." if deadline > ctx.now else "")
    return Reply(title="Agenda published", text=text + note)


def publish(scope: Scope, meeting: Meeting) -> str:
    """Compile the agenda and queue it for the network now; returns its text."""
    listed = open_items(scope, meeting.id)
    ids = [item.id for item in listed]
    names, tags = _proposers(scope, ids), _objectives(scope, ids)
    items = [{"text": item.text, "agency": names[item.id],
              "objectives": _tags(tags.get(item.id, [])), "status": item.status}
             for item in listed]
    text = render("agenda.j2", id=meeting.id, title=meeting.title, where=meeting.location,
                  when=when(scope, meeting), items=items)
    queue(scope, PUBLISHED, Reply(text=text, private=False), meeting_id=meeting.id)
    meeting.agenda_published_at = scope.now
    scope.session.add(meeting)
    return text


@job(DEADLINE)
def agenda_deadline_job(scope: Scope, row: Outbox) -> None:
    meeting = scope.session.get(Meeting, row.meeting_id)
    if meeting is not None and meeting.status == MeetingStatus.SCHEDULED:
        publish(scope, meeting)


def _read_item(ctx: Context, args: str) -> tuple[str, list[int], int | None]:
    """``<text> [#obj1 ... #obj23] [for #N]``, the tags and ``for #N`` in any order at the end,
    -> (text, objective numbers, meeting number). A ``#...`` word left at the end, or an
    ``#obj...`` word anywhere in the text, is refused rather than kept as text."""
    body, tags, meeting_ref = args.strip().translate(_NUMBER_SIGNS), list[int](), None
    while (last := _LAST_WORD.search(body)) is not None:
        word, rest = last.group(1), body[:last.start()]
        before = _LAST_WORD.search(rest)
        if before is not None and before.group(1).lower() == "for" \
                and word.startswith("#") and not word.lower().startswith("#obj"):
            if meeting_ref is not None:
                raise UserError("Name one meeting with 'for #N', not two.", _FOR_EXAMPLE)
            meeting_ref = parse_ref(word, "meeting", _FOR_EXAMPLE)
            body = rest[:before.start()]
        elif (tag := _TAG.fullmatch(word)) is not None:
            tags.insert(0, _objective(ctx, word, int(tag.group(1))))
            body = rest
        else:
            break
    if (last := _LAST_WORD.search(body)) is not None and last.group(1).startswith("#"):
        raise UserError(f"'{last.group(1)}' at the end is neither an objective tag nor "
                        "'for #N': write tags as #obj6, each on its own.")
    if (shaped := _TAG_SHAPED.search(body)) is not None:
        raise UserError(f"'{shaped.group(1)}' is in the middle of the text: objective tags "
                        "come at the end of it.")
    text = check_text(body, what="agenda item")
    return text, list(dict.fromkeys(tags)), meeting_ref


def _kept_in_text(text: str) -> list[str]:
    """A note for each ``#N`` the text keeps, so that none passes for a tag unsaid."""
    return [f"Note: '{ref}' stays in the text as written; objective tags go at the end, e.g. "
            "#obj6." for ref in dict.fromkeys(_NUMBER_IN_TEXT.findall(text))]


def _objective(ctx: Context, word: str, number: int) -> int:
    """The objective a tag names, or a refusal giving the valid range."""
    valid = sorted(ctx.config.objectives)
    if number not in valid:
        raise UserError(f"{word} is not a GCM objective: objectives are numbered "
                        f"{valid[0]} to {valid[-1]} (#obj{valid[0]} to #obj{valid[-1]}). "
                        "Type objectives to see them.")
    return number


def partner_meeting(ctx: Context, meeting_id: int | None) -> None:
    """Partners work on their own working groups' meetings, named with #N."""
    groups = sorted(ctx.actor.partner_wgs)
    theirs = select(Meeting.id).join(WorkingGroup, col(WorkingGroup.id) == Meeting.wg_id).where(
        col(WorkingGroup.slug).in_(groups))
    if meeting_id is not None and ctx.session.exec(theirs.where(Meeting.id == meeting_id)).first():
        return
    upcoming = ctx.session.exec(theirs.where(
        Meeting.starts_at > ctx.now, Meeting.status == MeetingStatus.SCHEDULED
    ).order_by(col(Meeting.starts_at))).all()
    listed = ", ".join(f"#{m}" for m in upcoming) or "none scheduled yet"
    raise UserError(f"As a partner ({ctx.actor.partner}) you work on the meetings of your "
                    f"working groups ({', '.join(groups) or 'none yet'}); name one with #N. "
                    f"Upcoming: {listed}.",
                    f"agenda add Outreach to returnee communities for #{upcoming[0]}"
                    if upcoming else "meeting list")


def _target(ctx: Context, meeting_id: int) -> Meeting:
    meeting = get_meeting(ctx, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED or meeting.starts_at <= ctx.now:
        raise UserError(f"Meeting #{meeting.id} is " + (
            "cancelled" if meeting.status == MeetingStatus.CANCELLED else "over")
            + "; propose the item for the next one.")
    deadline = meeting.agenda_closes_at
    if deadline <= ctx.now and not may_organise(ctx, ctx.actor, meeting):
        raise UserError(f"The agenda of meeting #{meeting.id} closed "
                        f"{show_time(deadline, zone(ctx))}; only the Chair or the Secretariat "
                        "may add to it now. Leave out 'for' to propose it for the next meeting.")
    return meeting


def _propose(ctx: Context, text: str, tags: list[int], meeting: Meeting | None) -> int:
    """Insert a proposed item, with its objective tags, at the end of a meeting's agenda (or
    the backlog); returns its id."""
    meeting_id = meeting.id if meeting else None
    connection = ctx.session.connection()
    inserted = connection.execute(_INSERT_ITEM[meeting_id is None], {
        "meeting_id": meeting_id, "target": meeting_id, "text": text,
        "agency_id": ctx.actor.agency_id, "proposer_id": ctx.actor.person_id,
        "status": AgendaStatus.PROPOSED, "created_at": ctx.now,
    }).inserted_primary_key
    if inserted is None:  # SQLAlchemy's type allows it; a one-row INSERT always has its key
        raise RuntimeError("The agenda item's INSERT gave no primary key.")
    item_id: int = inserted[0]
    if tags:
        connection.execute(_INSERT_TAG, [{"item_id": item_id, "objective_number": number}
                                         for number in tags])
    return item_id


def _insert_item(backlog: bool) -> Insert:
    """An item's INSERT, which finds its place (after the last item) itself."""
    meeting = col(AgendaItem.meeting_id)
    last = select(func.coalesce(func.max(AgendaItem.position), 0)).where(
        meeting.is_(None) if backlog else meeting == bindparam("target")).scalar_subquery()
    return insert(AgendaItem.__table__).values(  # type: ignore[attr-defined]
        position=last + 1, follows=func.nullif(last, 0))


# Built once, and run as Core statements: nothing reads the item back as an object, and
# building the statements and the ORM's unit of work cost more CPU than running them.
_INSERT_ITEM = {backlog: _insert_item(backlog) for backlog in (False, True)}
_INSERT_TAG = insert(AgendaItemObjective.__table__)  # type: ignore[attr-defined]


def _listing(scope: Scope, meeting_id: int | None, *, shown: int | None = None,
             rest: str = "") -> str:
    """A meeting's (or the backlog's) items in order. With ``shown``, only that many, then
    how many more there are and ``rest``, which says where to find them."""
    rows = scope.session.exec(_LISTING[meeting_id is None, shown is not None],
                              params={"meeting_id": meeting_id, "shown": shown,
                                      "now": scope.now}).all()
    if not rows:
        return f"No items yet. Propose one with: {ADD_EXAMPLE}"
    tags = _objectives(scope, [item_id for item_id, *_ in rows])
    lines = []
    for number, (item_id, text, status, proposer, _) in enumerate(rows, start=1):
        objectives = tags.get(item_id, [])
        tagged = f" · {_tags(objectives)}" if objectives else ""
        place = "–" if status == AgendaStatus.WITHDRAWN else f"{number}."  # has none
        lines.append(f"{place} #{item_id} {text} — {proposer} ({status}){tagged}")
    hidden = rows[0][-1] - len(rows) if shown is not None else 0
    if hidden:
        lines.append(more(hidden, "items", rest))
    return "\n".join(lines)


# An agenda's rows: each item's id, text, status and proposer, and how many items it has.
Listing = Select[int | None, str, str, str, int]


def _listing_query(backlog: bool, limited: bool) -> Listing:
    meeting = col(AgendaItem.meeting_id)
    query: Listing = (
        select(AgendaItem.id, AgendaItem.text, AgendaItem.status,  # type: ignore[call-overload]
               _PROPOSER, func.count().over())  # all the meeting's items, counted before the limit
        .outerjoin(Agency, Agency.id == AgendaItem.agency_id)
        .outerjoin(Person, Person.id == AgendaItem.proposer_id)
        .where(_IN_BACKLOG if backlog else meeting == bindparam("meeting_id"))
        .order_by(*AGENDA_ORDER)
    )
    return query.limit(bindparam("shown")) if limited else query


def _proposers(scope: Scope, item_ids: list[int | None]) -> dict[int | None, str]:
    """Who proposed each of these items: the agency's code, or the partner organisation."""
    return dict(scope.session.exec(_PROPOSERS_OF, params={"ids": item_ids}).all())


def _objectives(scope: Scope, item_ids: list[int | None]) -> dict[int | None, list[int]]:
    """The GCM objectives each of these items is tagged with, in one query."""
    tags: dict[int | None, list[int]] = {}
    for item_id, number in scope.session.exec(_TAGS_OF, params={"ids": item_ids}).all():
        tags.setdefault(item_id, []).append(number)
    return tags


def _waiting(scope: Scope) -> bool:
    """Whether any item (not withdrawn) waits in the backlog."""
    return scope.session.exec(_WAITING, params={"now": scope.now}).first() is not None


# Who proposed an item, as shown: its agency, or a partner's organisation.
_PROPOSER = func.coalesce(Agency.code, Person.partner_org, "a partner")
# The backlog: items waiting for a meeting, and those deferred on a network meeting that is
# over (or cancelled) with no later one to roll to yet (meeting_common.carry_over moves both
# when one is scheduled).
_IN_BACKLOG = col(AgendaItem.meeting_id).is_(None) | (
    (col(AgendaItem.status) == AgendaStatus.DEFERRED) & col(AgendaItem.meeting_id).in_(
        select(Meeting.id).where(col(Meeting.wg_id).is_(None),
                                 (Meeting.starts_at <= bindparam("now"))
                                 | (Meeting.status == MeetingStatus.CANCELLED))))
# The statements of the agenda, built once (building them cost more CPU than running them):
# by backlog or meeting, and with or without a limit.
_LISTING = {(backlog, limited): _listing_query(backlog, limited)
            for backlog in (False, True) for limited in (False, True)}
_PROPOSERS_OF = (
    select(AgendaItem.id, _PROPOSER)
    .outerjoin(Agency, col(Agency.id) == AgendaItem.agency_id)
    .outerjoin(Person, col(Person.id) == AgendaItem.proposer_id)
    .where(col(AgendaItem.id).in_(bindparam("ids", expanding=True)))
)
_TAGS_OF = (
    select(AgendaItemObjective.item_id, AgendaItemObjective.objective_number)
    .where(col(AgendaItemObjective.item_id).in_(bindparam("ids", expanding=True)))
    .order_by(AgendaItemObjective.item_id, AgendaItemObjective.objective_number)  # type: ignore[arg-type]
)
# The network's next meeting if its agenda is closed (items go to a later one).
_CLOSED = select(Meeting).where(
    Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > bindparam("now"),
    Meeting.agenda_closes_at <= bindparam("now"), col(Meeting.wg_id).is_(None),
).order_by(Meeting.starts_at, Meeting.id).limit(1)  # type: ignore[arg-type]
_WAITING = select(AgendaItem.id).where(
    _IN_BACKLOG, AgendaItem.status != AgendaStatus.WITHDRAWN
).limit(1)


def _tags(numbers: list[int]) -> str:
    """``obj 6, obj 18``: not ``#6``, which replies use for records."""
    return ", ".join(f"obj {n}" for n in numbers)


def _item(ctx: Context, args: str) -> AgendaItem:
    item_id = parse_ref(args, "agenda item")
    item = ctx.session.get(AgendaItem, item_id)
    if item is None:
        raise UserError(f"There is no agenda item #{item_id}. Type agenda to see them.")
    if item.status == AgendaStatus.WITHDRAWN:
        raise UserError(f"Agenda item #{item.id} was withdrawn.", "agenda")
    return item


def _organised_item(ctx: Context, args: str) -> AgendaItem:
    item = _item(ctx, args)
    meeting = ctx.session.get(Meeting, item.meeting_id) if item.meeting_id else None
    allowed = may_organise(ctx, ctx.actor, meeting) if meeting else ctx.actor.has(
        Role.CHAIR, Role.SECRETARIAT)
    if not allowed:
        raise UserError("Only the Chair or the Secretariat may accept, defer or order "
                        "agenda items.", "agenda")
    return item
