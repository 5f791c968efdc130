"""Applying Alembic migrations from the app (serve, load) and from tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from app.persistence.engine import make_engine, unusable
from app.persistence.startup_lock import startup_lock

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return config


def migrated_engine(database_url: str) -> Engine:
    """An engine on DATABASE_URL's database, its schema brought to the newest migration.

    DatabaseError, one line naming DATABASE_URL, when the URL is not supported or the
    database cannot be reached, refuses the connection or cannot be migrated.
    """
    with started_engine(database_url) as engine:
        return engine


@contextmanager
def started_engine(
    database_url: str, *, on_wait: Callable[[], None] = lambda: None
) -> Iterator[Engine]:
    """`migrated_engine`, with the start-up lock held for the block (app.persistence.
    startup_lock): processes starting at once migrate, and load challenges/ inside the
    block, one at a time; the later ones find nothing to do. `on_wait`: called once if
    another process holds the lock."""
    try:
        engine = make_engine(database_url)
    except OSError as error:  # SQLite: the file's folder cannot be made
        raise unusable(database_url, error) from error
    with ExitStack() as held:
        try:
            held.enter_context(startup_lock(engine, on_wait=on_wait))
            upgrade(engine)
        except (SQLAlchemyError, OSError) as error:
            engine.dispose()
            raise unusable(database_url, error) from error
        yield engine


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
