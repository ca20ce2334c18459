"""Who a poll counts: member agencies that can vote when it opens, less those that leave.

Expectations are the ToR's rule (one voice per member agency, consensus once every agency
voted) worked out by hand for the app.yaml of the tests: ten agencies, one focal point each,
quorum 0.5, polls.min_open 24h.
"""

from sqlmodel import col, select

from storage.models import Outbox, Poll
from tests.conftest import BotHarness, shown

OTHERS = ["RCO", "IOM", "ILO", "OHCHR", "UNHCR", "UNICEF", "UNDP", "UN-HABITAT", "WHO"]


def _poll(bot: BotHarness) -> Poll:
    with bot.session() as session:
        return session.exec(select(Poll)).one()


def test_an_agency_without_a_focal_point_is_not_in_the_electorate(bot: BotHarness) -> None:
    assert bot.say('people remove @"WHO Focal Point"', as_="WHO").ok
    opened = bot.say('poll propose "Joint statement on safe migration"', as_="RCO")
    assert "or earlier once all 9 agencies have voted" in opened.text
    assert "WHO" not in _poll(bot).electorate
    bot.clock.advance(days=2)
    for agency in OTHERS[:-1]:  # all but WHO
        assert bot.say("vote #1 agree", as_=agency).ok
    last = bot.say("vote #1 agree", as_="WORLD-BANK")
    assert "Every agency has now voted, so the poll is closed." in shown(last)


def test_an_agency_that_leaves_is_no_longer_counted_and_the_poll_says_so(
        bot: BotHarness) -> None:
    assert bot.say('poll propose "Joint statement on safe migration"', as_="RCO").ok
    assert bot.say("vote #1 agree", as_="WORLD-BANK").ok
    left = bot.say("members leave WORLD-BANK", as_="WORLD-BANK")
    assert "WORLD-BANK is no longer counted in the open poll #1." in left.text
    with bot.session() as session:
        posted = session.exec(select(Outbox).where(Outbox.kind == "poll.tally")
                              .order_by(col(Outbox.id).desc())).first()
    assert posted is not None and "0 of 9 agencies" in posted.payload["text"]
    shown_poll = shown(bot.say("poll show #1"))
    assert "WORLD-BANK left the Network on 3 Mar 2031 and is no longer counted." in shown_poll
    assert "0 of 9 agencies have taken a position" in shown_poll
    assert "at least 5 of the 9 member agencies" in shown_poll
    assert "0 of 9 agencies have voted" in bot.say("poll list").text
    assert not bot.say("vote #1 object We left", as_="WORLD-BANK").ok


def test_leaving_closes_a_poll_every_remaining_agency_voted_on(bot: BotHarness) -> None:
    assert bot.say('poll propose "Joint statement on safe migration"', as_="RCO").ok
    bot.clock.advance(days=2)
    for agency in OTHERS:
        assert bot.say("vote #1 agree", as_=agency).ok
    assert _poll(bot).status == "open"
    left = shown(bot.say("members leave WORLD-BANK"))
    assert "Every remaining agency has voted on poll #1, so it is closed." in left
    assert "*Consensus* on poll #1" in left
    poll = _poll(bot)
    assert (poll.status, poll.outcome) == ("closed", "consensus")
