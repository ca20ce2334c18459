"""Words agree with their number (issue 18: no "1 items", no "decision(s)")."""

import pytest

from handlers.wording import counted, listed


@pytest.mark.parametrize(("count", "singular", "many", "said"), [
    (0, "item", None, "0 items"),
    (1, "item", None, "1 item"),
    (2, "decision", None, "2 decisions"),
    (1, "is", "are", "1 is"),
    (3, "is", "are", "3 are"),
])
def test_counted(count: int, singular: str, many: str | None, said: str) -> None:
    assert counted(count, singular, many) == said


@pytest.mark.parametrize(("words", "said"), [
    ([], ""), (["help"], "help"), (["help", "whoami"], "help and whoami"),
    (["help", "members join", "whoami"], "help, members join and whoami"),
])
def test_listed(words: list[str], said: str) -> None:
    assert listed(words) == said
