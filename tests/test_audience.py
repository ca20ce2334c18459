"""An outbox row's audience is an ``Audience`` in Python and the same text as ever in the table."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from storage.audience import NETWORK, Audience
from storage.db import transaction
from storage.models import Outbox

DUE = datetime(2031, 3, 14, 3, 0, tzinfo=UTC)
STORED = {NETWORK: "network", Audience.of_people([3, 1, 3]): "people:1,3",
          Audience.of_people([]): "people:"}


def _add(engine: Engine, *audiences: Audience) -> list[int]:
    with transaction(engine) as session:
        rows = [Outbox(kind="test.note", due_at=DUE, audience=a) for a in audiences]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.id is not None]


def _stored_text(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT audience FROM outbox ORDER BY id")).scalars())


def test_people_are_sorted_and_counted_once() -> None:
    assert Audience.of_people([3, 1, 3]).people == (1, 3)
    assert NETWORK.to_network and not NETWORK.people
    assert not Audience.of_people([]).to_network  # nobody, which is not the network


@pytest.mark.parametrize("fields", [{"people": (2, 1)}, {"people": (1, 1)},
                                    {"people": (1,), "to_network": True}])
def test_an_audience_is_either_the_network_or_sorted_people(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Audience(**fields)  # type: ignore[arg-type]


def test_an_audience_is_stored_as_the_text_it_always_was(engine: Engine) -> None:
    _add(engine, *STORED)
    assert _stored_text(engine) == list(STORED.values())


def test_rows_written_as_text_read_as_audiences(engine: Engine) -> None:
    ids = _add(engine, *[NETWORK] * len(STORED))
    with engine.begin() as connection:
        for row_id, stored in zip(ids, STORED.values(), strict=True):
            connection.execute(text("UPDATE outbox SET audience = :text WHERE id = :id"),
                               {"text": stored, "id": row_id})
    with Session(engine) as session:
        read = session.exec(select(Outbox.audience).order_by(col(Outbox.id))).all()
    assert read == list(STORED)


def test_rows_are_found_by_their_audience(engine: Engine) -> None:
    network, people = _add(engine, NETWORK, Audience.of_people([2, 1]))
    with Session(engine) as session:
        def found(audience: Audience) -> list[int | None]:
            return list(session.exec(select(Outbox.id).where(col(Outbox.audience) == audience)))

        assert found(NETWORK) == [network]
        assert found(Audience.of_people([1, 2])) == [people]
        assert found(Audience.of_people([1])) == []


def test_text_that_is_no_audience_is_refused_when_read(engine: Engine) -> None:
    _add(engine, NETWORK)
    with engine.begin() as connection:
        connection.execute(text("UPDATE outbox SET audience = 'everyone'"))
    with Session(engine) as session, pytest.raises(ValueError, match="not an outbox audience"):
        session.exec(select(Outbox)).all()
