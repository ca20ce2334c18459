"""The platform-neutral types adapters and handlers speak: Actor, Command, Reply.

Adapters turn a platform event into a Command and render the Reply they get back; handlers
never see a platform object. Reply text is plain text in which the core's own emphasis,
written with ``bold()``, is the only markup; renderers show every other character literally.
"""

import base64
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from settings.schema import AppConfig

if TYPE_CHECKING:
    from handlers.registry import CommandSpec

# The core's bold is marked with two private-use characters, never with ``*``: an asterisk a
# member typed must show as an asterisk, and check_text refuses these characters in typed text.
BOLD_OPEN = "\ue000"
BOLD_CLOSE = "\ue001"


def bold(text: str) -> str:
    """``text`` shown bold on every platform (as ``*text*`` in plain text)."""
    return f"{BOLD_OPEN}{text}{BOLD_CLOSE}"


def unmarked(text: str) -> str:
    """``text`` without bold markers: for text nobody typed to the bot (a platform's display
    name), and for places that show no formatting."""
    return text.replace(BOLD_OPEN, "").replace(BOLD_CLOSE, "")


class Role(StrEnum):
    CHAIR = "chair"
    SECRETARIAT = "secretariat"
    MEMBER = "member"


@dataclass(frozen=True)
class Speaker:
    """Who sent a command, as the platform knows them (before roster resolution)."""

    platform: str
    external_id: str
    display_name: str = ""
    email: str | None = None


@dataclass(frozen=True)
class Actor:
    """The person behind a command, resolved from the roster."""

    speaker: Speaker
    person_id: int | None = None
    name: str = ""
    agency: str | None = None
    agency_id: int | None = None
    roles: frozenset[Role] = frozenset()
    wg_chairs: frozenset[str] = frozenset()
    partner: str | None = None  # the organisation, for a partner's person
    partner_wgs: frozenset[str] = frozenset()  # working groups that partner takes part in

    @property
    def on_roster(self) -> bool:
        return self.person_id is not None

    @property
    def is_partner(self) -> bool:
        return self.partner is not None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def chairs_wg(self, slug: str) -> bool:
        return slug in self.wg_chairs


@dataclass(frozen=True)
class Where:
    """The conversation a command came from; ``direct``: a conversation of the person with the
    bot alone (a Slack DM, a Teams personal chat, the shell), where a reply may be about them."""

    platform: str
    channel: str = ""
    direct: bool = False


@dataclass(frozen=True)
class Command:
    actor: Actor
    where: Where
    text: str
    verb: str
    args: str
    idempotency_key: str | None = None


@dataclass
class Choice:
    """A button. Like a submitted form it carries only the id of a form the server defines
    (``handlers.forms``), the record numbers it is about and the values it submits; pressing
    it runs the command the server rebuilds from them, as if its speaker had typed it. Made
    with ``handlers.forms.button``, which checks them against the form."""

    label: str
    form: str
    params: dict[str, int] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    style: str | None = None  # "primary" or "danger"
    # Buttons with the same row number above 0 are shown together on a line of their own:
    # a date poll's Yes / If need be / No of one slot. Row 0 is the reply's common buttons.
    row: int = 0


@dataclass
class FormField:
    name: str
    label: str
    multiline: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    # Several options may be chosen (none, when not required); the value submitted is the
    # chosen options' values joined with commas, as Teams sends a multi-select's.
    multiple: bool = False
    initial: str = ""
    placeholder: str = ""
    required: bool = True
    max_length: int | None = None  # characters the value may have (renderers split or cap)


@dataclass
class Form:
    """Inputs to ask for. ``id`` names a definition in ``handlers.forms``, which rebuilds the
    command from ``params`` (the record numbers the form is about) and the values submitted."""

    title: str
    id: str
    fields: list[FormField]
    params: dict[str, int] = field(default_factory=dict)
    submit_label: str = "Submit"


@dataclass
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/octet-stream"
    title: str = ""
    # Where the bot's web server serves this file's current version, relative to its public
    # address (e.g. ``calendar/<uid>.ics``), for platforms that get a link instead of the file.
    link: str = ""


@dataclass
class Reply:
    text: str = ""
    title: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    form: Form | None = None
    private: bool = True
    ok: bool = True
    files: list[Attachment] = field(default_factory=list)
    about: str | None = None  # for a refused form: the name of the field that was wrong

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = [
            {**f, "content": base64.b64encode(f["content"]).decode()} for f in data["files"]
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Reply":
        form = data.get("form")
        return cls(
            text=data.get("text", ""),
            title=data.get("title"),
            fields=[tuple(f) for f in data.get("fields", [])],
            # A button stored by a version whose buttons carried a command line has no form:
            # it is left out rather than run (the message still says what to type).
            choices=[Choice(**c) for c in data.get("choices", []) if "form" in c],
            form=Form(
                title=form["title"], id=form.get("id", ""), params=form.get("params", {}),
                submit_label=form["submit_label"],
                fields=[FormField(**{**f, "options": [tuple(o) for o in f["options"]]})
                        for f in form["fields"]],
            ) if form else None,
            private=data.get("private", True),
            ok=data.get("ok", True),
            files=[Attachment(**{**f, "content": base64.b64decode(f["content"])})
                   for f in data.get("files", [])],
            about=data.get("about"),
        )


class UserError(Exception):
    """A refusal to show the member: what was wrong, and a correct example (without one, the
    runner shows the example of the command that refused)."""

    def __init__(self, problem: str, example: str | None = None,
                 about: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.example = example
        self.about = about  # the form field the problem is in, when the command came from one

    def reply(self) -> Reply:
        text = self.problem
        if self.example:
            text += f"\nExample: {self.example}"
        return Reply(text=text, ok=False, about=self.about)

    def on(self, field_name: str) -> "UserError":
        """The same refusal, about the form field ``field_name``."""
        return UserError(self.problem, self.example, about=field_name)


@dataclass
class Scope:
    """One transaction, the settings and the clock: what any unit of work needs."""

    session: Session
    config: AppConfig
    now: datetime


@dataclass
class Context(Scope):
    """What a command handler works with: a Scope plus the command being handled and its
    registered spec."""

    command: Command
    spec: "CommandSpec"

    @property
    def actor(self) -> Actor:
        return self.command.actor
