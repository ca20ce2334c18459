"""Fuzzing date phrases: understand_when gives a future UTC instant or a friendly refusal."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import event, given
from hypothesis import strategies as st

from handlers.core import UserError
from handlers.dates import understand_when
from tests.conftest import START
from tests.strategies import date_phrases

VIENTIANE = ZoneInfo("Asia/Vientiane")
NOWS = st.one_of(st.just(START), st.datetimes(
    min_value=datetime(2030, 1, 1), max_value=datetime(2036, 12, 31), timezones=st.just(UTC)))


@given(phrase=date_phrases(), now=NOWS, require_time=st.booleans())
def test_a_phrase_is_a_future_instant_or_a_refusal_with_an_example(
    phrase: str, now: datetime, require_time: bool
) -> None:
    try:
        moment = understand_when(phrase, zone=VIENTIANE, now=now, require_time=require_time)
    except UserError as refusal:
        event("refused")
        assert refusal.problem.strip() and refusal.example
        return
    event("understood")
    assert moment.tzinfo is not None and moment.utcoffset() is not None
    assert moment.tzinfo == UTC
    assert moment > now
