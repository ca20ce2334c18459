"""Column types shared by the tables."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import String, TypeDecorator

from storage.audience import NETWORK, Audience


class NaiveDatetimeError(ValueError):
    """Raised when code tries to store a datetime without a time zone."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that refuses naive datetimes.

    SQLite has no time zone type and hands back naive values, so they are read back as UTC
    here; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"refusing to store naive datetime {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class AudienceText(TypeDecorator[Audience]):
    """An outbox row's ``Audience``, stored as the text ``network`` or ``people:<id>,<id>``.

    The only place that writes or reads that text, so rows written before the type existed
    read as they always did.
    """

    impl = String
    cache_ok = True
    network = "network"
    people_prefix = "people:"

    def process_bind_param(self, value: Audience | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.to_network:
            return self.network
        return self.people_prefix + ",".join(str(i) for i in value.people)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Audience | None:
        if value is None:
            return None
        if value == self.network:
            return NETWORK
        if not value.startswith(self.people_prefix):
            raise ValueError(f"not an outbox audience: {value!r}")
        ids = value.removeprefix(self.people_prefix).split(",")
        return Audience.of_people(int(i) for i in ids if i)
