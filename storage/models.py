"""The whole domain's tables, so feature work adds behaviour rather than churning the schema.

Every record a member sees is numbered by its id and shown as ``#N``.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Text,
    UniqueConstraint,
    event,
)
from sqlmodel import Field, SQLModel

from settings.clock import utc_now
from storage.audience import NETWORK, Audience
from storage.types import AudienceText, UTCDateTime


def _when(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


def _created() -> Any:
    return Field(default_factory=utc_now, sa_type=UTCDateTime)


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    SHELL = "shell"


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str = Field(max_length=200)
    active: bool = True
    joined_at: datetime = _created()
    left_at: datetime | None = _when(default=None)


class Person(SQLModel, table=True):
    """A focal point of an agency, or a partner organisation's representative."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    partner_org: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320, index=True)
    active: bool = True
    created_at: datetime = _created()


class Identity(SQLModel, table=True):
    """A person's id on one chat platform (Slack user id, Teams AAD object id, shell name)."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=200)


class WorkingGroup(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=200)
    mandate: str | None = Field(default=None, sa_type=Text)
    active: bool = True
    created_at: datetime = _created()
    dissolved_at: datetime | None = _when(default=None)


class WGRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class WGAgency(SQLModel, table=True):
    """An agency's seat in a working group: as a member, and possibly also as a chair."""

    wg_id: int = Field(foreign_key="workinggroup.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=10)


class Partner(SQLModel, table=True):
    """A partner organisation known to the Network (civil society, government counterpart)."""

    id: int | None = Field(default=None, primary_key=True)
    organisation: str = Field(unique=True, max_length=200)
    created_at: datetime = _created()


class WGPartner(SQLModel, table=True):
    """A partner organisation (civil society, government counterpart) in a working group."""

    wg_id: int = Field(foreign_key="workinggroup.id", primary_key=True)
    organisation: str = Field(primary_key=True, max_length=200)


class Objective(SQLModel, table=True):
    """One of the GCM's 23 objectives (reference data from the ToR's Annex 1)."""

    number: int = Field(primary_key=True)
    text: str = Field(max_length=500)


class MeetingKind(StrEnum):
    REGULAR = "regular"
    ADHOC = "adhoc"
    WG = "wg"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    wg_id: int | None = Field(default=None, foreign_key="workinggroup.id")
    title: str = Field(max_length=300)
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()  # after starts_at (handlers.meetings.meeting_length)
    location: str | None = Field(default=None, max_length=500)
    status: str = Field(default=MeetingStatus.SCHEDULED, max_length=12)
    cancel_reason: str | None = Field(default=None, max_length=1000)
    uid: str = Field(max_length=100, unique=True)
    sequence: int = 0
    # Items are taken until then (handlers.meetings.meeting_common.agenda_closing), the
    # compiled agenda goes out then.
    agenda_closes_at: datetime = _when()
    agenda_published_at: datetime | None = _when(default=None)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class AgendaStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


class AgendaItem(SQLModel, table=True):
    """An item proposed for a meeting; ``meeting_id`` is empty while it waits in the backlog.

    The items on a meeting's agenda (those not withdrawn) are numbered 1..n by ``position``,
    and the schema makes anything else impossible: positions are unique per meeting, and each
    item after the first ``follows`` an item one place before it (a foreign key to the same
    table, checked at commit, when a reordering is complete), so that no number is skipped.
    A withdrawn item has no position. (The backlog, with no meeting, is kept 1..n by
    ``handlers.meetings.meeting_common`` alone: a foreign key skips rows with an empty column.)
    """

    __table_args__ = (
        UniqueConstraint("meeting_id", "position", name="uq_agendaitem_meeting_position"),
        ForeignKeyConstraint(["meeting_id", "follows"],
                             ["agendaitem.meeting_id", "agendaitem.position"],
                             name="fk_agendaitem_follows", deferrable=True,
                             initially="DEFERRED"),
        CheckConstraint("position >= 1", name="ck_agendaitem_position"),
        CheckConstraint("(follows IS NULL AND (position IS NULL OR position = 1)) "
                        "OR follows = position - 1", name="ck_agendaitem_follows"),
    )
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    text: str = Field(sa_type=Text)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    proposer_id: int | None = Field(default=None, foreign_key="person.id")
    # Indexed for the few deferred items that carry over among a hundred thousand.
    status: str = Field(default=AgendaStatus.PROPOSED, max_length=12, index=True)
    position: int | None = None
    follows: int | None = None  # position - 1, and empty for the first: set on every write
    created_at: datetime = _created()


def follows(position: int | None) -> int | None:
    """The position an item at ``position`` follows (None: it is first, or not placed)."""
    return position - 1 if position is not None and position > 1 else None


@event.listens_for(AgendaItem, "before_insert")
@event.listens_for(AgendaItem, "before_update")
def _follows_position(_mapper: Any, _connection: Any, item: AgendaItem) -> None:
    item.follows = follows(item.position)


class AgendaItemObjective(SQLModel, table=True):
    item_id: int = Field(foreign_key="agendaitem.id", primary_key=True)
    objective_number: int = Field(foreign_key="objective.number", primary_key=True)


class PollStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Position(StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    OBJECT = "object"


class Poll(SQLModel, table=True):
    """A consensus poll: one voice per agency of the electorate fixed when it opened."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    question: str = Field(sa_type=Text)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    electorate: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_by_id: int | None = Field(default=None, foreign_key="person.id")
    opened_at: datetime = _created()
    closes_at: datetime = _when()
    status: str = Field(default=PollStatus.OPEN, max_length=10, index=True)
    outcome: str | None = Field(default=None, max_length=20)
    closed_at: datetime | None = _when(default=None)


class Vote(SQLModel, table=True):
    """Every vote cast is kept; an agency's position is its latest vote."""

    __table_args__ = (Index("ix_vote_poll_agency", "poll_id", "agency_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id")
    agency_id: int = Field(foreign_key="agency.id")
    person_id: int = Field(foreign_key="person.id")
    position: str = Field(max_length=10)
    reason: str | None = Field(default=None, sa_type=Text)
    cast_at: datetime = _created()


class AttendAnswer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class Attendance(SQLModel, table=True):
    """Every answer to whether an agency (or, for a working group's meeting, a partner
    organisation: ``partner_org``) attends a meeting is kept; the latest one counts."""

    __table_args__ = (Index("ix_attendance_meeting", "meeting_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    partner_org: str | None = Field(default=None, max_length=200)
    person_id: int = Field(foreign_key="person.id")
    answer: str = Field(max_length=10)
    names: str | None = Field(default=None, max_length=500)  # who comes, as typed
    answered_at: datetime = _created()


class DatePollStatus(StrEnum):
    OPEN = "open"
    PICKED = "picked"
    DROPPED = "dropped"  # closed without a time picked (``meeting drop``)


class DatePoll(SQLModel, table=True):
    """A search for a meeting's date (``meeting propose``): candidate slots that agencies
    answer; picking one schedules the meeting (``meeting_id``) and closes the poll."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # a MeetingKind
    wg_id: int | None = Field(default=None, foreign_key="workinggroup.id")
    title: str = Field(max_length=300)
    answers_until: datetime | None = _when(default=None)  # ``until``: answers close then
    status: str = Field(default=DatePollStatus.OPEN, max_length=10)
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id")
    proposed_at: datetime = _created()
    picked_slot: int | None = None  # the slot's number
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    closed_at: datetime | None = _when(default=None)
    drop_reason: str | None = Field(default=None, max_length=1000)


class DateSlot(SQLModel, table=True):
    """A candidate time of a date poll, numbered from 1 in the order proposed."""

    __table_args__ = (UniqueConstraint("poll_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="datepoll.id")
    number: int
    starts_at: datetime = _when()
    ends_at: datetime = _when()


class DateAnswer(SQLModel, table=True):
    """Every answer to a slot is kept; an agency's (or, for a working group's slot, a partner
    organisation's: ``partner_org``) latest answer to it counts."""

    __table_args__ = (Index("ix_dateanswer_poll", "poll_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="datepoll.id")
    slot: int  # the slot's number
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    partner_org: str | None = Field(default=None, max_length=200)
    person_id: int = Field(foreign_key="person.id")
    answer: str = Field(max_length=10)  # an AttendAnswer: yes, maybe (if need be), no
    answered_at: datetime = _created()


class Minutes(SQLModel, table=True):
    """One version of a meeting's minutes; a correction adds a version."""

    __table_args__ = (UniqueConstraint("meeting_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    version: int = 1
    body: str = Field(sa_type=Text)
    posted_by_id: int | None = Field(default=None, foreign_key="person.id")
    posted_at: datetime = _created()


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_type=Text)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    minutes_id: int | None = Field(default=None, foreign_key="minutes.id")
    poll_id: int | None = Field(default=None, foreign_key="poll.id", index=True)
    decided_at: datetime = _when(index=True)
    superseded: bool = False


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SUPERSEDED = "superseded"  # left out of corrected minutes


class ActionItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(sa_type=Text)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    minutes_id: int | None = Field(default=None, foreign_key="minutes.id")
    due_at: datetime | None = _when(default=None)
    status: str = Field(default=ActionStatus.OPEN, max_length=10, index=True)
    done_at: datetime | None = _when(default=None)
    created_at: datetime = _created()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DROPPED = "dropped"
    WAITING = "waiting"  # for a conversation the bot has not been added to yet (waiting_for)


class Outbox(SQLModel, table=True):
    """A notification to send at ``due_at``, written in the transaction that caused it.

    ``payload`` is a serialised neutral Reply; ``audience`` is the network's channels or some
    people directly (stored as ``network`` or ``people:<id>,<id>``, see ``AudienceText``).
    ``delivered`` lists the platforms that already have it, so a retry after a partial failure
    sends only to the rest.
    The foreign keys let moves and cancellations find the rows that belong to a meeting, poll,
    date poll or action item.
    """

    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    due_at: datetime = _when()
    audience: Audience = Field(default=NETWORK,
                               sa_column=Column(AudienceText(500), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    delivered: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _when(default=None)
    last_error: str | None = Field(default=None, sa_type=Text)
    waiting_for: str | None = Field(default=None, max_length=300, index=True)
    late: bool = False
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    poll_id: int | None = Field(default=None, foreign_key="poll.id", index=True)
    action_item_id: int | None = Field(default=None, foreign_key="actionitem.id", index=True)
    date_poll_id: int | None = Field(default=None, foreign_key="datepoll.id", index=True)
    created_at: datetime = _created()
    sent_at: datetime | None = _when(default=None)


class ConversationRef(SQLModel, table=True):
    """Where the bot can post proactively (a Teams conversation reference, a Slack channel)."""

    __table_args__ = (UniqueConstraint("platform", "conversation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    conversation_id: str = Field(max_length=300)
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _created()


class PostedMessage(SQLModel, table=True):
    """A message the bot posted that it later updates in place (a poll's live tally)."""

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int | None = Field(default=None, foreign_key="poll.id", index=True)
    platform: str = Field(max_length=20)
    channel: str = Field(max_length=300)
    message_ref: str = Field(max_length=300)
    posted_at: datetime = _created()


class ProcessedCommand(SQLModel, table=True):
    """Platform delivery keys already handled, so a retry or double click applies once."""

    key: str = Field(primary_key=True, max_length=300)
    reply: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _created()


class JoinStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


class JoinRequest(SQLModel, table=True):
    """An agency asking to join the Network, waiting for the Secretariat or the Chair.

    The requester's platform identity is kept so that, if they are not on the roster yet,
    they become the new agency's first focal point on approval.
    """

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, index=True)
    name: str = Field(max_length=200)
    requester_name: str = Field(max_length=200)
    requester_platform: str = Field(max_length=20)
    requester_external_id: str = Field(max_length=200)
    requested_at: datetime = _created()
    status: str = Field(default=JoinStatus.PENDING, max_length=10)
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = _when(default=None)


class RosterChange(SQLModel, table=True):
    """The history of membership changes (``members history``), for the annual report."""

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=40)
    subject: str = Field(max_length=300)
    details: str | None = Field(default=None, sa_type=Text)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = _created()
