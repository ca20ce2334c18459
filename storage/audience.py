"""Who an outbox row goes to: the network's channels, or some people directly.

The ``outbox.audience`` column stores it as text (``network``, ``people:1,2``); the column
type ``storage.types.AudienceText`` is the one place that reads and writes that text, so the
rest of the code only ever sees an ``Audience``.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Audience:
    """The network's channels (``to_network``), or these people (sorted person ids).

    No people is not the network: such an audience reaches nobody (a reminder for the chair
    when the network has none).
    """

    people: tuple[int, ...] = ()
    to_network: bool = False

    def __post_init__(self) -> None:
        if self.to_network and self.people:
            raise ValueError("an audience is either the network or people, not both")
        if self.people != tuple(sorted(set(self.people))):
            raise ValueError(f"people must be sorted and distinct (Audience.of_people): "
                             f"{self.people}")

    @classmethod
    def of_people(cls, person_ids: Iterable[int]) -> "Audience":
        """These people directly, in id order, each once."""
        return cls(people=tuple(sorted(set(person_ids))))


NETWORK = Audience(to_network=True)
