"""Declarative base, naming conventions, the UTC datetime column type and upserts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Instants are stored as UTC and come back timezone-aware. Naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware instants only")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def dialect_insert(session: Session):
    """The `insert()` of the session's database (PostgreSQL or SQLite), which has `ON CONFLICT`
    (`on_conflict_do_update`, `on_conflict_do_nothing`): a write that two processes may race
    to make first is one statement, not a read and then an insert."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def flushed_changes(session: Session) -> list[object]:
    """What a flush wrote, for an `after_flush` listener (the session still holds what it
    flushed then): new and deleted objects, and dirty ones whose values really changed. An
    attribute set again to the value it had (an import of an unchanged file) marks its object
    dirty and changes nothing."""
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    return [*session.new, *dirty, *session.deleted]
