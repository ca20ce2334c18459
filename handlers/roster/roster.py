"""Membership from chat: agencies joining and leaving, and the history of roster changes.

The ToR opens the Network to "all UN Agencies at the national level wishing to join". A
request (``members join``) waits for the Secretariat or the Chair (``members approve``);
every change is kept in RosterChange for ``members history`` and the annual report.
"""

import re
from collections.abc import Mapping

from sqlalchemy import delete
from sqlmodel import col, select

from handlers.core import Context, Reply, Role, Speaker, UserError, bold
from handlers.forms import button, form
from handlers.grammar import NAME_LIMIT, check_text, take_quoted
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.people import SHELL, find_person, people_of
from handlers.period import read_year, year_bounds
from handlers.polls.poll_state import TALLY, close_if_complete, poll_message
from handlers.record_years import first_year
from handlers.registry import Roles, command
from handlers.timefmt import show_date
from handlers.wording import counted, plural
from storage.audience import Audience
from storage.models import (
    Agency,
    Identity,
    JoinRequest,
    JoinStatus,
    Person,
    Poll,
    PollStatus,
    RosterChange,
    WGAgency,
)

JOIN_REQUESTED = declare(OutboxKind("members.join_requested"))
JOINED = declare(OutboxKind("members.joined"))
LEFT = declare(OutboxKind("members.left"))
JOIN_EXAMPLE = 'members join UNFPA "United Nations Population Fund"'
_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,19}$")


def record_change(ctx: Context, action: str, subject: str, details: str = "") -> None:
    """Keep a roster change in the history, with who did it and when."""
    ctx.session.add(RosterChange(action=action, subject=subject, details=details or None,
                                 actor_id=ctx.actor.person_id, at=ctx.now))


def agency_by_code(ctx: Context, code: str, example: str | None = None) -> Agency:
    """An active member agency by its code, or a refusal listing the codes."""
    agency = ctx.session.exec(select(Agency).where(Agency.code == code.upper())).first()
    if agency is None or not agency.active:
        codes = ctx.session.exec(select(Agency.code).where(Agency.active).order_by(col(Agency.id)))
        raise UserError(f"'{code}' is not a member agency (members: {', '.join(codes)}).",
                        example)
    return agency


@command(
    "members join",
    summary="Ask for an agency to join the Network (the Secretariat or the Chair approves)",
    usage='members join <AGENCY-CODE> "<full name>"',
    example=JOIN_EXAMPLE,
    public=True,
)
def members_join(ctx: Context, args: str) -> Reply:
    code, _, rest = args.strip().partition(" ")
    code = code.upper()
    name, extra = take_quoted(rest)
    if not _CODE.match(code) or not name or extra:
        raise UserError("Give the agency's short code and its full name in quotes.")
    name = check_text(name, what="agency's name", max_length=NAME_LIMIT)
    existing = ctx.session.exec(select(Agency).where(Agency.code == code)).first()
    if existing is not None and existing.active:
        raise UserError(f"{code} is already a member of the Network. Type members to see them.",
                        "members")
    pending = _pending_request(ctx, code)
    if pending is not None:
        asked = show_date(pending.requested_at, ctx.config.network.zone)
        raise UserError(f"{code} asked to join on {asked} ({pending.requester_name}); the "
                        "request is waiting for the Secretariat or the Chair.", "members")
    speaker = ctx.actor.speaker
    request = JoinRequest(code=code, name=name, requester_name=ctx.actor.name or code,
                          requester_platform=speaker.platform,
                          requester_external_id=speaker.external_id, requested_at=ctx.now)
    ctx.session.add(request)
    network = ctx.config.network
    queue(ctx, JOIN_REQUESTED, Reply(
        title="Request to join the Network",
        text=f"{ctx.actor.name} asks for {bold(code)} ({name}) to join {network.name}.",
        choices=[button("Approve", APPROVE_FORM, values={"code": code}, style="primary")],
    ), audience=Audience.of_people(people_of(ctx, network.secretariat, network.chair)))
    return Reply(text=f"Thank you. The request for {code} ({name}) to join was sent to the "
                      f"Secretariat ({network.secretariat}) and the Chair ({network.chair}).")


APPROVE_FORM = "members-approve"


@form(APPROVE_FORM, fields=("code",))
def _approve(_: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"members approve {values['code']}"


@command(
    "members approve",
    summary="Approve an agency's request to join (Secretariat or Chair)",
    usage="members approve <AGENCY-CODE>",
    example="members approve UNFPA",
    roles=Roles((Role.SECRETARIAT, Role.CHAIR), "approves new members.", JOIN_EXAMPLE),
)
def members_approve(ctx: Context, args: str) -> Reply:
    code = args.strip().upper()
    request = _pending_request(ctx, code) if code else None
    if request is None:
        waiting = ctx.session.exec(select(JoinRequest.code).where(
            JoinRequest.status == JoinStatus.PENDING)).all()
        hint = f" Waiting: {', '.join(waiting)}." if waiting else " No request is waiting."
        raise UserError(f"There is no request from '{args.strip()}' to join.{hint}")
    agency = ctx.session.exec(select(Agency).where(Agency.code == code)).first()
    if agency is None:
        agency = Agency(code=code, name=request.name, joined_at=ctx.now)
        ctx.session.add(agency)
    else:
        agency.active, agency.left_at, agency.joined_at = True, None, ctx.now
        agency.name = request.name
    ctx.session.flush()
    request.status, request.decided_by_id, request.decided_at = (
        JoinStatus.APPROVED, ctx.actor.person_id, ctx.now)
    focal = _first_focal_point(ctx, request, agency)
    record_change(ctx, "agency.joined", code, f"{request.name}; asked by "
                  f"{request.requester_name}" + (f"; focal point {focal}" if focal else ""))
    text = f"{bold(code)} ({request.name}) has joined {ctx.config.network.name}."
    if focal:
        text += f" Focal point: {focal}."
    queue(ctx, JOINED, Reply(title="New member agency", text=text, private=False))
    return Reply(text=f"Approved: {text}")


def _first_focal_point(ctx: Context, request: JoinRequest, agency: Agency) -> str | None:
    """Make the requester the agency's first focal point if they are not on the roster yet."""
    platform, external_id = request.requester_platform, request.requester_external_id
    speaker = Speaker(platform=platform, external_id=external_id)
    if find_person(ctx.session, speaker) is not None:
        return None
    person = Person(name=request.requester_name, agency_id=agency.id, created_at=ctx.now)
    ctx.session.add(person)
    ctx.session.flush()
    assert person.id is not None
    if platform != SHELL:
        ctx.session.add(Identity(person_id=person.id, platform=platform,
                                 external_id=external_id))
    return person.name


@command(
    "members leave",
    summary="Record that an agency leaves the Network (its focal points or the Secretariat)",
    usage="members leave <AGENCY-CODE>",
    example="members leave WORLD-BANK",
)
def members_leave(ctx: Context, args: str) -> Reply:
    agency = agency_by_code(ctx, args.strip())
    network = ctx.config.network
    if not (ctx.actor.has(Role.SECRETARIAT) or ctx.actor.agency == agency.code):
        raise UserError(f"Only {agency.code}'s own focal points or the Secretariat can record "
                        f"that {agency.code} leaves.", f"members leave {ctx.actor.agency}")
    if agency.code in (network.chair, network.secretariat):
        raise UserError(f"{agency.code} is the Network's "
                        f"{'Chair' if agency.code == network.chair else 'Secretariat'} under the "
                        "Terms of Reference and cannot leave.", "members")
    agency.active, agency.left_at = False, ctx.now
    seats = ctx.session.exec(select(WGAgency).where(WGAgency.agency_id == agency.id)).all()
    ctx.session.exec(delete(WGAgency).where(col(WGAgency.agency_id) == agency.id))
    record_change(ctx, "agency.left", agency.code,
                  f"{counted(len(seats), 'working-group seat')} given up" if seats else "")
    text = f"{bold(agency.code)} ({agency.name}) has left {network.name}."
    queue(ctx, LEFT, Reply(title="Member agency left", text=text, private=False))
    ctx.session.flush()
    return Reply(text=f"Recorded: {text}{_leave_open_polls(ctx, agency.code)}")


def _leave_open_polls(ctx: Context, code: str) -> str:
    """Take the agency out of the open polls' count; a poll that every remaining agency has
    voted on closes (once open its minimum time). Says what happened."""
    polls = [poll for poll in ctx.session.exec(
        select(Poll).where(Poll.status == PollStatus.OPEN)
        .order_by(col(Poll.id)).with_for_update()).all()
        if code in poll.electorate]
    if not polls:
        return ""
    refs = ", ".join(f"#{poll.id}" for poll in polls)
    said = [f" {code} is no longer counted in the open {plural(len(polls), 'poll')} {refs}."]
    for poll in polls:
        outcome = close_if_complete(ctx, poll)
        if outcome is None:
            queue(ctx, TALLY, poll_message(ctx, poll), poll_id=poll.id)
        else:
            said.append(f"Every remaining agency has voted on poll #{poll.id}, so it is "
                        f"closed.\n{outcome.text}")
    return "\n".join(said)


@command(
    "members history",
    reads_only=True,
    summary="Every change to the roster, with who made it and when",
    usage="members history [year]",
    example="members history 2031",
)
def members_history(ctx: Context, args: str) -> Reply:
    query = select(RosterChange, Person.name).join(
        Person, col(Person.id) == RosterChange.actor_id, isouter=True
    ).order_by(col(RosterChange.at).desc(), col(RosterChange.id).desc())
    zone = ctx.config.network.zone
    year = None
    if args.strip():
        year = read_year(args, now=ctx.now, zone=zone, command="members history",
                         first=lambda: first_year(ctx))
        start, end = year_bounds(year, zone)
        query = query.where(RosterChange.at >= start, RosterChange.at < end)
    rows = ctx.session.exec(query.limit(200)).all()
    if not rows:
        return Reply(title="Roster history", text="No roster changes recorded"
                     + (f" in {year}." if year else " yet."))
    lines = [f"{show_date(change.at, zone)} — {_said(change.action, change.subject)}"
             + (f" ({change.details})" if change.details else "")
             + f" — by {who or 'app.yaml'}" for change, who in rows]
    return Reply(title="Roster history" + (f" {year}" if year else ""), text="\n".join(lines))


# How ``members history`` words each kind of RosterChange.action.
_SAID = {
    "agency.joined": "{} joined the Network",
    "agency.left": "{} left the Network",
    "person.added": "{} was added to the roster",
    "person.removed": "{} was taken off the roster",
    "person.moved": "{} moved",
    "partner.added": "Partner {} was added",
}


def _said(action: str, subject: str) -> str:
    return _SAID.get(action, f"{action} {{}}").format(subject)


def _pending_request(ctx: Context, code: str) -> JoinRequest | None:
    return ctx.session.exec(select(JoinRequest).where(
        JoinRequest.code == code, JoinRequest.status == JoinStatus.PENDING)).first()

