"""Naming a person in a command: a platform mention, or a name.

Adapters hand the core people's mentions in one neutral form, ``<@PLATFORM-ID|Name>``: Slack
sends ``<@U0123ABC|jane>`` for someone picked with ``@`` (the manifest turns escaping on for
``/network``), and the Teams adapter rewrites its ``<at>Name</at>`` mentions into
``<@AAD-OBJECT-ID|Name>``. Only the commands that name people for the roster read them
(``mentions=True`` on the command); for every other command the runner shows them as the name
people saw (``as_names``). In the shell a person is named: ``@Jane``, ``"Jane Doe"`` or
``@"Jane Doe"``.
"""

import re
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from handlers.core import UserError
from handlers.grammar import take_quoted
from storage.models import Identity, Person

_MENTION = re.compile(r"^<@([^|>\s]+)(?:\|([^>]*))?>")
_ANY_MENTION = re.compile(r"<@([^|>\s]+)(?:\|([^>]*))?>")


@dataclass(frozen=True)
class PersonRef:
    """Who a command names: a platform identity, a name, or both."""

    external_id: str | None
    name: str | None

    @property
    def label(self) -> str:
        return self.name or self.external_id or "?"


def as_names(text: str) -> str:
    """Mentions shown as the names people saw (``@Jane Doe``): for every command that does
    not name people for the roster, so no platform id is stored or shown."""
    return _ANY_MENTION.sub(lambda m: f"@{(m.group(2) or '').strip() or m.group(1)}", text)


def take_person(text: str, example: str | None = None) -> tuple[PersonRef, str]:
    """Split the person named at the start of ``text`` from the rest."""
    text = text.strip()
    mention = _MENTION.match(text)
    if mention:
        return PersonRef(mention.group(1), (mention.group(2) or "").strip() or None), \
            text[mention.end():].strip()
    quoted, rest = take_quoted(text.removeprefix("@"))
    if quoted:
        return PersonRef(None, quoted), rest
    word, _, rest = text.partition(" ")
    name = word.removeprefix("@").replace("_", " ").strip()
    if not name:
        raise UserError("Name the person: a mention, or their name in quotes.", example)
    return PersonRef(None, name), rest.strip()


def find_named(session: Session, ref: PersonRef, platform: str) -> Person | None:
    """The active person a reference names, by platform identity or by name."""
    if ref.external_id:
        return session.exec(
            select(Person).join(Identity, col(Identity.person_id) == Person.id).where(
                Identity.platform == platform, Identity.external_id == ref.external_id,
                Person.active)
        ).first()
    assert ref.name is not None
    return session.exec(
        select(Person).where(func.lower(Person.name) == ref.name.lower(), Person.active)
    ).first()
