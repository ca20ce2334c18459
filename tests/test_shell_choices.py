"""Numbered choices in the shell answer the last list shown, wherever it was printed (issue 18,
defect 6): a poll's buttons come in the network post the outbox delivers after ``poll
propose``, ``poll wg create`` and ``vote``, not in the reply itself. Through the real commands
of app.yaml; the agenda lines check the tags of defects 1 and 2 as a piped user meets them."""

import io

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.shell import Shell
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.models import Vote
from tests.conftest import Clock


def _session(engine: Engine, config: AppConfig, lines: list[str]) -> str:
    out = io.StringIO()
    app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))
    Shell(app, io.StringIO("\n".join(lines) + "\n"), out, interactive=False).run()
    return out.getvalue()


def _positions(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        votes = session.exec(select(Vote).order_by(Vote.id)).all()  # type: ignore[arg-type]
        return [(vote.poll_id, vote.position) for vote in votes]


def test_a_number_answers_the_poll_posted_after_propose_create_and_vote(
    engine: Engine, config: AppConfig
) -> None:
    out = _session(engine, config, [
        'poll propose "Adopt the work plan" until 20 Mar 2031 17:00', "2",
        'poll wg create "Migration Data" Improve statistics', "1",
        "vote #2 abstain", "1", "4",
    ])
    assert "I don't know" not in out
    assert "> 2\n(vote #1 abstain)\nRecorded: IOM abstains on poll #1." in out
    assert "> 1\n(vote #2 agree)\nRecorded: IOM agrees on poll #2." in out
    assert "> 1\n(vote #2 agree)\nRecorded: IOM agrees on poll #2 (was: abstain)." in out
    assert "> 4\nChoose a number from 1 to 3." in out
    assert _positions(engine) == [(1, "abstain"), (2, "agree"), (2, "abstain"), (2, "agree")]


def test_agenda_tags_in_a_piped_session(engine: Engine, config: AppConfig) -> None:
    out = _session(engine, config, [
        'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"',
        'meeting schedule adhoc 28 Mar 2031 10:00 "Follow-up"',
        "agenda add Item for #2 #obj6", "agenda add Budget #obj99", "agenda list #2",
    ])
    assert "> agenda add Item for #2 #obj6\nAdded agenda item #1 (obj 6) to meeting #2 " in out
    assert ("> agenda add Budget #obj99\n#obj99 is not a GCM objective: objectives are numbered "
            "1 to 23 (#obj1 to #obj23).") in out
    assert "1. #1 Item — IOM (proposed) · obj 6\n" in out
