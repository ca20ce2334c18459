"""The tally on its own: one voice per agency, the latest vote wins, quorum and objections."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from handlers.polls.tally import Ballot, count, needed
from storage.models import Position

ELECTORATE = ("RCO", "IOM", "ILO", "UNHCR", "WHO")
START = datetime(2031, 3, 3, 2, 0, tzinfo=UTC)

ballots = st.lists(st.builds(
    Ballot,
    agency=st.sampled_from((*ELECTORATE, "OUTSIDER")),
    voter=st.sampled_from(["first focal point", "second focal point"]),
    position=st.sampled_from(list(Position)),
    cast_at=st.integers(0, 10_000).map(lambda m: START + timedelta(minutes=m)),
    reason=st.one_of(st.none(), st.text(min_size=1, max_size=20)),
), max_size=40)


def _last_per_agency(cast: list[Ballot]) -> list[Ballot]:
    last: dict[str, Ballot] = {}
    for ballot in cast:
        last[ballot.agency] = ballot
    return list(last.values())


@given(ballots, st.sampled_from([0.2, 0.5, 0.6, 1.0]))
def test_any_sequence_tallies_like_the_last_vote_per_agency(
    cast: list[Ballot], quorum: float
) -> None:
    everything = count(ELECTORATE, cast)
    replayed = count(ELECTORATE, _last_per_agency(cast))
    assert everything == replayed
    assert everything.consensus(quorum) == replayed.consensus(quorum)
    for position in Position:
        assert everything.holding(position) == replayed.holding(position)


@given(ballots, st.randoms())
def test_the_order_between_agencies_does_not_matter(cast: list[Ballot], rnd: object) -> None:
    last = _last_per_agency(cast)
    shuffled = list(last)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert count(ELECTORATE, shuffled).positions == count(ELECTORATE, last).positions


@given(ballots, st.sampled_from([0.2, 0.5, 1.0]))
def test_consensus_is_a_quorum_of_positions_and_no_objection(
    cast: list[Ballot], quorum: float
) -> None:
    tally = count(ELECTORATE, cast)
    last = {b.agency: b.position for b in cast if b.agency in ELECTORATE}
    expected = len(last) >= needed(quorum, len(ELECTORATE)) and Position.OBJECT not in \
        last.values()
    assert tally.consensus(quorum) == expected
    assert "OUTSIDER" not in tally.positions
    assert sorted(tally.not_voted + list(tally.positions)) == sorted(ELECTORATE)


def test_needed_rounds_up_and_asks_for_at_least_one() -> None:
    assert needed(0.5, 10) == 5
    assert needed(0.5, 9) == 5
    assert needed(0.3, 10) == 3  # 0.3 * 10 is 3.0000000000000004 in floating point
    assert needed(1.0, 10) == 10
    assert needed(0.5, 0) == 1


def test_a_changed_position_replaces_the_earlier_one() -> None:
    cast = [Ballot("ILO", "A", Position.AGREE, START),
            Ballot("WHO", "B", Position.OBJECT, START, "too broad"),
            Ballot("WHO", "C", Position.ABSTAIN, START + timedelta(hours=1))]
    tally = count(ELECTORATE, cast)
    assert [b.agency for b in tally.holding(Position.ABSTAIN)] == ["WHO"]
    assert tally.positions["WHO"].voter == "C"
    assert tally.holding(Position.OBJECT) == []
    assert tally.not_voted == ["RCO", "IOM", "UNHCR"]
    assert not tally.consensus(0.5) and tally.consensus(0.4)
