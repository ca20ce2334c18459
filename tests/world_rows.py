"""Rows the meeting tests read or add straight in the database: the outbox rows of a kind,
the ids of agencies' people, a second focal point; and a piped shell session's output."""

import io

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.app import App
from bot.shell import Shell
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.db import transaction
from storage.models import Agency, Outbox, Person
from tests.conftest import BotHarness, Clock


def outbox_rows(bot: BotHarness, kind: str, status: str | None = None) -> list[Outbox]:
    """The outbox rows of ``kind`` (of ``status``), in the order written."""
    with bot.session() as session:
        query = select(Outbox).where(Outbox.kind == kind).order_by(col(Outbox.id))
        if status:
            query = query.where(Outbox.status == status)
        return list(session.exec(query).all())


def person_ids(bot: BotHarness, *codes: str) -> list[int]:
    """The ids of the people of these agencies, in order."""
    with bot.session() as session:
        return sorted(p.id or 0 for p, code in session.exec(
            select(Person, Agency.code).join(Agency, col(Agency.id) == Person.agency_id)).all()
            if code in codes)


def second_focal_point(bot: BotHarness, code: str = "ILO") -> str:
    """Add a second focal point to agency ``code``; their name, to speak as them."""
    name = f"Second {code} Focal Point"
    with transaction(bot.engine) as session:
        agency = session.exec(select(Agency).where(Agency.code == code)).one()
        session.add(Person(name=name, agency_id=agency.id))
    return name


def piped_shell(engine: Engine, config: AppConfig, lines: list[str]) -> str:
    """What the shell prints for these lines piped in (buttons answered by number)."""
    out = io.StringIO()
    app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))
    Shell(app, io.StringIO("\n".join(lines) + "\n"), out, interactive=False).run()
    return out.getvalue()
