"""Kinds of outbox rows, each declared once, in its domain module, with its rules.

A kind's name is the value stored in ``Outbox.kind``. The scheduler delivers whatever kinds
are declared without knowing any by name: it asks a row's kind whether the row is still worth
sending, what it says now when it is sent late, and whether it goes after the batch's other
rows. Every kind's payload is a serialised neutral ``Reply``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from handlers import registry
from handlers.core import Reply, Scope
from storage.models import Outbox


def _no_rule(scope: Scope, row: Outbox) -> None:
    return None


@dataclass(frozen=True)
class OutboxKind:
    name: str
    stale: Callable[[Scope, Outbox], str | None] = _no_rule
    """Why a due row is no longer worth sending (it is then dropped); None: send it."""
    current: Callable[[Scope, Outbox], Reply | None] = _no_rule
    """What a row sent late says now, when that differs from what was queued."""
    last: bool = False
    """Sent after the batch's other rows, one at a time in order (a poll's tally finds the
    messages the batch's own announcement posted, and the newest count is shown last)."""
    edits_posted: bool = False
    """Updates the messages its poll posted in place instead of posting anew."""


KINDS: dict[str, OutboxKind] = {}

PLAIN = OutboxKind("")  # the rules of a row whose kind is not declared: send it as it is


def declare(kind: OutboxKind) -> OutboxKind:
    """Register ``kind`` (a module-level constant of its domain) and return it."""
    if kind.name in KINDS:
        raise RuntimeError(f"outbox kind '{kind.name}' is declared twice")
    KINDS[kind.name] = kind
    return kind


def load_kinds() -> dict[str, OutboxKind]:
    """Import every domain module so their kinds are declared."""
    registry.load_all()
    return KINDS
