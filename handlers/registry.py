"""The verb registry: every command a member can type, with its help text.

Domain modules register their commands with ``@command``; ``find`` picks the longest name
that starts the typed line ("agenda add" before "agenda").
"""

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers.core import Context, Reply, Role, UserError
from handlers.grammar import TEXT_LIMIT
from settings.schema import Network

Handler = Callable[[Context, str], Reply]

# Every domain module; importing one registers its commands.
DOMAINS = (
    "handlers.help",
    "handlers.roster.members",
    "handlers.agenda.agenda",
    "handlers.agenda.agenda_form",
    "handlers.roster.roster",
    "handlers.roster.people_admin",
    "handlers.roster.partners",
    "handlers.meetings.attendance",
    "handlers.meetings.meetings",
    "handlers.meetings.date_poll_propose",
    "handlers.meetings.date_polls",
    "handlers.meetings.meeting_plan",
    "handlers.polls.polls",
    "handlers.records.minutes",
    "handlers.records.records",
    "handlers.reports.reports",
    "handlers.home",
    "handlers.digest",
    "handlers.digest_weekly",
)

# The whole command line may be this long (by default; a command taking longer texts says
# more). A guard, checked before the line is read, so that a pasted document is refused at
# once: each text in a command has its own limit, which its handler checks on that text alone
# (an agenda item, a reason: TEXT_LIMIT), and the line has room for the verb, references,
# objective tags and dates around it.
LINE_ROOM = 1000
DEFAULT_MAX_LENGTH = TEXT_LIMIT + LINE_ROOM


_ROLE_NAMES = {Role.CHAIR: "the Chair", Role.SECRETARIAT: "the Secretariat"}


def only(roles: tuple[Role, ...], network: Network) -> str:
    """"Only the Chair (RCO) or the Secretariat (IOM)": who holds ``roles``, named."""
    holders = {Role.CHAIR: network.chair, Role.SECRETARIAT: network.secretariat}
    return "Only " + " or ".join(f"{_ROLE_NAMES[role]} ({holders[role]})" for role in roles)


@dataclass(frozen=True)
class Roles:
    """A command only some roles may use (as errbot's ``admin_only``): the runner refuses
    everyone else before the handler runs, saying who may (``only``) and what (``may``), with
    ``example``, something they can do instead."""

    roles: tuple[Role, ...]
    may: str
    example: str

    def refusal(self, network: Network) -> UserError:
        return UserError(f"{only(self.roles, network)} {self.may}", self.example)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    summary: str
    usage: str
    example: str
    handler: Handler
    detail: str = ""
    public: bool = False  # usable by people who are not on the roster
    partners: bool = False  # usable by partner organisations' people, not only member agencies
    max_length: int = DEFAULT_MAX_LENGTH
    mentions: bool = False  # reads platform mentions as people (others see them as @name)
    # Changes nothing: runs in a read-only transaction, without waiting for a turn among the
    # commands that change the record (storage.db.reading); a redelivery simply runs again.
    reads_only: bool = False
    roles: Roles | None = None  # who may use it, when that is decided by role alone

    @property
    def verb(self) -> str:
        return self.name.split()[0]


REGISTRY: dict[str, CommandSpec] = {}


def command(
    name: str,
    *,
    summary: str,
    usage: str,
    example: str,
    detail: str = "",
    public: bool = False,
    partners: bool = False,
    max_length: int = DEFAULT_MAX_LENGTH,
    mentions: bool = False,
    reads_only: bool = False,
    roles: Roles | None = None,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in REGISTRY:
            raise RuntimeError(f"command '{name}' is registered twice")
        REGISTRY[name] = CommandSpec(
            name, summary, usage, example, handler, detail, public, partners or public,
            max_length, mentions, reads_only, roles,
        )
        return handler

    return register


def load_all() -> dict[str, CommandSpec]:
    for module in DOMAINS:
        importlib.import_module(module)
    return REGISTRY


_LEADING_WORDS = re.compile(r"\s*(\S+)(?:\s+(\S+))?")


def find(line: str) -> tuple[CommandSpec, str] | None:
    """The command a line invokes and the rest of the line after its name."""
    match = _LEADING_WORDS.match(line)
    if not match:
        return None
    first, second = match.group(1).lower(), (match.group(2) or "").lower()
    for name, end in ((f"{first} {second}", match.end(2)), (first, match.end(1))):
        if name in REGISTRY and end >= 0:
            return REGISTRY[name], line[end:].strip()
    return None


def public_commands() -> list[str]:
    """The commands open to someone not on the roster."""
    return sorted(name for name, spec in REGISTRY.items() if spec.public)


def verbs() -> list[str]:
    return sorted({spec.verb for spec in REGISTRY.values()})


def commands_of(verb: str) -> list[CommandSpec]:
    return sorted((s for s in REGISTRY.values() if s.verb == verb), key=lambda s: s.name)
