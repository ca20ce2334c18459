"""Storage: UTC-only timestamps, migrations that match the models, an idempotent roster sync."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel, select

from settings.schema import AppConfig
from storage.db import (
    alembic_config,
    applied_revisions,
    head_revision,
    normalise_url,
    transaction,
)
from storage.models import (
    Agency,
    Identity,
    Meeting,
    Objective,
    Person,
    WGAgency,
    WGRole,
    WorkingGroup,
)
from storage.seed import sync_roster
from storage.types import NaiveDatetimeError
from tests.conftest import REPO


def _meeting(starts_at: datetime) -> Meeting:
    return Meeting(kind="regular", title="Regular meeting", starts_at=starts_at,
                   ends_at=starts_at + timedelta(hours=2),
                   agenda_closes_at=starts_at - timedelta(days=3),
                   uid=f"test-{starts_at.timestamp()}@network-bot")


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError) as raised, transaction(engine) as session:
        session.add(_meeting(datetime(2031, 3, 14, 10, 0)))
        session.flush()
    assert isinstance(raised.value.orig, NaiveDatetimeError)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Meeting)).one() == 0


def test_aware_datetimes_come_back_as_the_same_instant_in_utc(engine: Engine) -> None:
    vientiane = timezone(timedelta(hours=7))
    moment = datetime(2031, 3, 14, 10, 0, tzinfo=vientiane)
    with transaction(engine) as session:
        session.add(_meeting(moment))
    with Session(engine) as session:
        stored = session.exec(select(Meeting)).one().starts_at
    assert stored == moment
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2031, 3, 14, 3, 0, tzinfo=UTC)


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_newest_migration_is_found_as_alembic_finds_it(engine: Engine) -> None:
    alembic_head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head_revision() == alembic_head
    assert applied_revisions(engine) == [alembic_head]


def test_alembic_is_imported_only_when_a_migration_is_due(tmp_path: Path) -> None:
    probe = ("import sys; from storage.db import make_engine, upgrade; "
             "upgrade(make_engine(sys.argv[1])); print('alembic' in sys.modules)")

    def upgrade_imports_alembic() -> str:
        return subprocess.run([sys.executable, "-c", probe, f"sqlite:///{tmp_path / 'new.db'}"],
                              cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()

    assert upgrade_imports_alembic() == "True"  # a new database: alembic migrates it
    assert upgrade_imports_alembic() == "False"  # at the newest migration: nothing to do


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Agency, Person, Identity, WorkingGroup, WGAgency, Objective)}


def test_roster_sync_is_idempotent(engine: Engine, config: AppConfig) -> None:
    before = _counts(engine)
    assert before == {"Agency": 10, "Person": 10, "Identity": 20, "WorkingGroup": 2,
                      "WGAgency": 12, "Objective": 23}
    with transaction(engine) as session:
        sync_roster(session, config)
    with transaction(engine) as session:
        sync_roster(session, config)
    assert _counts(engine) == before


def test_working_groups_changed_in_the_database_win_over_app_yaml(
    engine: Engine, config: AppConfig
) -> None:
    with transaction(engine) as session:
        wg = session.exec(select(WorkingGroup).where(WorkingGroup.slug == "protection")).one()
        wg.name = "Protection (renamed by consensus)"
    with transaction(engine) as session:
        sync_roster(session, config)
    with Session(engine) as session:
        wg = session.exec(select(WorkingGroup).where(WorkingGroup.slug == "protection")).one()
        chairs = session.exec(select(WGAgency).where(
            WGAgency.wg_id == wg.id, WGAgency.role == WGRole.CHAIR)).all()
    assert wg.name == "Protection (renamed by consensus)"
    assert len(chairs) == 2


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///network.db") == "sqlite:///network.db"
