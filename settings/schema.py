"""app.yaml's schema: the network's roster and settings as validated, frozen objects.

The core reads these (``handlers``, ``scheduler``, ``storage.seed``); ``bot.config`` only
loads the file (YAML, the environment, one readable line per problem) into them. A validator
raises ValueError phrased for the person who edits app.yaml; ``bot.config`` adds the key path.
"""

from datetime import timedelta
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from settings.durations import format_duration, parse_duration
from settings.timeouts import DEFAULT_TIMEOUTS, Timeouts

Duration = Annotated[
    timedelta,
    BeforeValidator(lambda v: v if isinstance(v, timedelta) else parse_duration(v)),
    PlainSerializer(format_duration, return_type=str),
]
AgencyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{1,19}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(_Strict):
    name: str = Field(min_length=1)
    timezone: str = "Asia/Vientiane"
    chair: AgencyCode
    secretariat: AgencyCode
    date_order: Literal["DMY", "MDY", "YMD"] = "DMY"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Asia/Vientiane)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Agency(_Strict):
    code: AgencyCode
    name: str = Field(min_length=1)


class Person(_Strict):
    """A focal point of an agency, or (with ``partner``) a partner organisation's person."""

    name: str = Field(min_length=1)
    agency: AgencyCode | None = None
    partner: str | None = Field(default=None, min_length=1, max_length=200)
    slack: str | None = None
    teams: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")


class WorkingGroup(_Strict):
    slug: Slug
    name: str = Field(min_length=1)
    mandate: str | None = None
    chairs: list[AgencyCode] = Field(default_factory=list)
    members: list[AgencyCode] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list)


class Channels(_Strict):
    slack: str | None = None
    teams: str | None = None


class Meetings(_Strict):
    """``duration``: a meeting's length unless its command gives one (at most ``LONGEST``,
    which commands refuse beyond too: a longer one is a typing mistake, not a meeting)."""

    LONGEST: ClassVar[timedelta] = timedelta(hours=12)
    per_year: int = Field(default=2, ge=1, le=52)
    duration: Duration = timedelta(hours=2)
    reminders: list[Duration] = Field(
        default_factory=lambda: [timedelta(days=7), timedelta(days=1), timedelta(hours=1)]
    )
    agenda_deadline: Duration = timedelta(days=3)
    minutes_due: Duration = timedelta(days=14)

    @field_validator("duration")
    @classmethod
    def _not_too_long(cls, value: timedelta) -> timedelta:
        if value > cls.LONGEST:
            raise ValueError(f"a meeting lasts at most {format_duration(cls.LONGEST)}; "
                             "write e.g. 2h or 1h30m")
        return value


class Polls(_Strict):
    duration: Duration = timedelta(days=7)
    quorum: float = Field(default=0.5, gt=0, le=1)
    min_open: Duration = timedelta(hours=24)


class Commands(_Strict):
    """How the bot takes commands from people.

    ``per_person_per_minute``: commands one person may send in any minute (buttons and forms
    count; the outbox never does). Nobody types or clicks more than a few a minute, so the
    default only stops runaway scripts and stuck clients. ``keys_kept``: how long a platform's
    delivery keys are kept so that a redelivery applies once; Slack retries within minutes and
    Teams within hours, so days are ample, and older keys are purged in the background."""

    per_person_per_minute: int = Field(default=60, ge=1)
    keys_kept: Duration = timedelta(days=7)


class Database(_Strict):
    """How long the bot waits for the database before it answers that it is not answering.

    Slack wants a command acknowledged within 3 s; the bot acknowledges after 2 s with "Working
    on it…" when the answer is not ready, and posts the answer when it is. The defaults end
    every wait in time for the answer itself to come within those 3 s: connecting to
    PostgreSQL waits at most 2 s (libpq's least); the server cancels a statement after 1 s
    (the slowest the bot makes, reading a year's objective tags for `report`, takes 25 ms on
    100,000 agenda items) and the bot stops waiting for an answer half a second later; once a
    wait ran out, the next commands are answered at once while one at a time tries the
    database again (``storage.postgres``), so no command waits for more than one of those
    limits. SQLite waits up to 2 s for another writer's lock (commands hold it for
    milliseconds). Migrations have no statement limit.
    """

    connect_timeout: Duration = timedelta(seconds=DEFAULT_TIMEOUTS.connect)
    statement_timeout: Duration = timedelta(seconds=DEFAULT_TIMEOUTS.statement)
    busy_timeout: Duration = timedelta(seconds=DEFAULT_TIMEOUTS.busy)

    @field_validator("connect_timeout")
    @classmethod
    def _libpq_least(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=2):
            raise ValueError("PostgreSQL's client (libpq) waits at least 2s to connect; "
                             "write 2s or more")
        return value

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(connect=self.connect_timeout.total_seconds(),
                        statement=self.statement_timeout.total_seconds(),
                        busy=self.busy_timeout.total_seconds())


Digest = Literal["weekly", "off"]  # the ``digest`` setting
WEEKLY: Digest = "weekly"
OFF: Digest = "off"


class AppConfig(_Strict):
    network: Network
    agencies: list[Agency] = Field(min_length=1)
    people: list[Person] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list)
    working_groups: list[WorkingGroup] = Field(default_factory=list)
    channels: Channels = Channels()
    meetings: Meetings = Meetings()
    polls: Polls = Polls()
    commands: Commands = Commands()
    database: Database = Database()
    objectives: dict[int, str] = Field(default_factory=dict)
    digest: Digest = WEEKLY  # the Monday digest to the network's channels

    @field_validator("digest", mode="before")
    @classmethod
    def _weekly_or_off(cls, value: object) -> object:
        if value is False:  # YAML reads a bare off as false
            return OFF
        if value not in (WEEKLY, OFF):
            raise ValueError("must be weekly or off")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "AppConfig":
        codes = [agency.code for agency in self.agencies]
        _refuse_duplicates("agencies", "code", codes)
        known = set(codes)

        def check(path: str, code: str) -> None:
            if code not in known:
                raise ValueError(f"{path}: unknown agency '{code}' (known: {', '.join(codes)})")

        check("network.chair", self.network.chair)
        check("network.secretariat", self.network.secretariat)
        organisations = set(self.partners) | {o for wg in self.working_groups for o in wg.partners}
        for i, person in enumerate(self.people):
            if (person.agency is None) == (person.partner is None):
                raise ValueError(f"people[{i}]: give either agency or partner")
            if person.agency is not None:
                check(f"people[{i}].agency", person.agency)
            elif person.partner not in organisations:
                raise ValueError(f"people[{i}].partner: unknown partner '{person.partner}' "
                                 "(list it under partners)")
        for platform in ("slack", "teams", "email"):
            ids = [getattr(p, platform) for p in self.people if getattr(p, platform)]
            _refuse_duplicates("people", platform, [i.lower() if platform == "email" else i
                                                    for i in ids])
        _refuse_duplicates("working_groups", "slug", [wg.slug for wg in self.working_groups])
        for i, wg in enumerate(self.working_groups):
            for field in ("chairs", "members"):
                for j, code in enumerate(getattr(wg, field)):
                    check(f"working_groups[{i}].{field}[{j}]", code)
        for number, text in self.objectives.items():
            if not 1 <= number <= 99 or not text.strip():
                raise ValueError(f"objectives.{number}: objectives are numbered from 1, with text")
        return self

    @property
    def agency_codes(self) -> list[str]:
        return [agency.code for agency in self.agencies]


def _refuse_duplicates(section: str, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{section}[{index}].{key}: duplicate {key} '{value}'")
        seen.add(value)
