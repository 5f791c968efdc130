"""Fresh databases for tests, on either engine, each migrated by Alembic or left empty.

    databases = SqliteDatabases(folder)        # or PostgresDatabases(server)
    with databases.fresh(tmp_path) as url:     # a copy of the migrated template
        ...
    with databases.fresh(tmp_path, migrated=False) as url:   # an empty database
        ...

Migrations run once per engine. On SQLite each test gets a copy of the migrated file.
On PostgreSQL a copy per test (`CREATE DATABASE ... TEMPLATE`) cost 0.1 to 1 s on a busy
2-core machine, its first queries more (a new database's catalog caches start cold), so
tests share one migrated database that is emptied before each test instead: every
table but `alembic_version` deleted (foreign keys set aside while it runs) and every
sequence restarted, a few milliseconds. Whoever connected to it before is disconnected
first. An empty database (`migrated=False`) is created for the test and dropped after.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg

from app.persistence.engine import make_engine
from app.persistence.migrations import upgrade
from tests.postgres import USER, PostgresServer

ENGINES = ("sqlite", "postgresql")


class Databases(Protocol):
    name: str  # the engine: "sqlite" or "postgresql"

    def fresh(self, folder: Path, *, migrated: bool = True) -> AbstractContextManager[str]: ...


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


class SqliteDatabases:
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.path = folder / "quiz.db"
        _migrate(f"sqlite:///{self.path}")

    @contextmanager
    def fresh(self, folder: Path, *, migrated: bool = True) -> Iterator[str]:
        db = folder / "quiz.db"
        if migrated:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copy(self.path, db)
        yield f"sqlite:///{db}"


class PostgresDatabases:
    name = "postgresql"
    SHARED = "quiz_test"

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._numbers = itertools.count()
        server.drop_database(self.SHARED)
        self.url = server.create_database(self.SHARED)
        _migrate(self.url)
        self._empty_it = self._emptying_sql()

    @contextmanager
    def fresh(self, folder: Path, *, migrated: bool = True) -> Iterator[str]:
        if migrated:
            self._empty()
            yield self.url
            return
        name = f"empty_{os.getpid()}_{next(self._numbers)}"
        url = self.server.create_database(name)
        try:
            yield url
        finally:
            self.server.drop_database(name)

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.server.port, user=USER, dbname=self.SHARED, autocommit=True
        )

    def _emptying_sql(self) -> bytes:
        with self._connect() as conn:
            tables = conn.execute(
                "SELECT quote_ident(tablename) FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            ).fetchall()
            sequences = conn.execute(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()
        statements = [
            "BEGIN",
            "SET LOCAL session_replication_role = replica",  # no foreign key checks
            *(f"DELETE FROM {table}" for (table,) in tables),
            *(f"ALTER SEQUENCE {sequence} RESTART" for (sequence,) in sequences),
            "COMMIT",
        ]
        return ";\n".join(statements).encode()

    def _empty(self) -> None:
        with self._connect() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            conn.execute(self._empty_it)
