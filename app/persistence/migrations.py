"""Applying Alembic migrations from the app (serve, load) and from tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from app.persistence.database import Database
from app.persistence.engine import make_engine
from app.persistence.errors import DatabaseUnavailable

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return config


def migrated_database(database_url: str) -> Database:
    """Open the database at `database_url` and bring its schema to the newest migration;
    DatabaseUnavailable (with the database's reason) when either fails."""
    try:
        engine = make_engine(database_url)
        upgrade(engine)
    except (SQLAlchemyError, OSError) as error:
        raise DatabaseUnavailable(str(error)) from error
    return Database(engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.connect() as connection, foreign_keys_deferred(connection), connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrations rebuild tables, checked once afterwards.

    Batch mode alters a SQLite table by copying it and dropping the original. With
    foreign keys on, that DROP deletes every row referencing it through ON DELETE
    CASCADE (a user's runs and awards, a set's problems). SQLite ignores the pragma
    inside a transaction, so it is set on the connection before the migrations begin.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if dangling:
            raise RuntimeError(f"the migrations left dangling references: {dangling[:5]}")
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
