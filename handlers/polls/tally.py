"""The consensus tally, free of storage: one voice per agency, the latest vote wins.

Votes arrive from any platform in the order they were cast; an agency's position is the latest
vote by any of its focal points. Consensus needs a quorum of the electorate (the member
agencies that could vote when the poll opened, less any that left) to take a position (agree,
abstain and object all count) and no objection.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.models import Position


@dataclass(frozen=True)
class Ballot:
    """One vote as cast: the agency, who cast it, when, the position and the reason."""

    agency: str
    voter: str
    position: Position
    cast_at: datetime
    reason: str | None = None


def needed(quorum: float, electorate_size: int) -> int:
    """How many agencies must take a position for a quorum (at least one)."""
    return max(1, math.ceil(round(quorum * electorate_size, 9)))


@dataclass(frozen=True)
class Tally:
    electorate: tuple[str, ...]
    positions: dict[str, Ballot]  # agency code -> its latest ballot

    def holding(self, position: Position) -> list[Ballot]:
        """The ballots of the agencies holding ``position``, in electorate order."""
        return [self.positions[a] for a in self.electorate
                if a in self.positions and self.positions[a].position == position]

    @property
    def not_voted(self) -> list[str]:
        return [a for a in self.electorate if a not in self.positions]

    @property
    def everyone_voted(self) -> bool:
        return not self.not_voted

    def has_quorum(self, quorum: float) -> bool:
        return len(self.positions) >= needed(quorum, len(self.electorate))

    def consensus(self, quorum: float) -> bool:
        return self.has_quorum(quorum) and not self.holding(Position.OBJECT)


def count(electorate: Iterable[str], ballots: Iterable[Ballot]) -> Tally:
    """The tally of ``ballots`` (in the order cast); ballots from outside the electorate are
    not counted."""
    voters = tuple(electorate)
    allowed = set(voters)
    positions: dict[str, Ballot] = {}
    for ballot in ballots:
        if ballot.agency in allowed:
            positions[ballot.agency] = ballot
    return Tally(voters, positions)
