"""The session check on every request (Database.gate) reads in a unit without a
transaction of its own on PostgreSQL: no BEGIN and COMMIT round trips. The pooled
connection it used is transactional again for the next unit of work."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from app.persistence.database import Database
from app.persistence.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def driver_in_transaction(units: UnitOfWorkFactory) -> bool:
    """Reads an unknown session as the check does; whether the driver then has a
    transaction open."""
    with units() as uow:
        assert uow.sign_ins.learner_of("no such session", NOW) is None
        driver = uow.connection.connection.driver_connection
        if uow.connection.dialect.name == "sqlite":
            opened = bool(driver.in_transaction)  # type: ignore[union-attr]
        else:
            opened = driver.info.transaction_status.name != "IDLE"  # type: ignore[union-attr]
        uow.commit()
        return opened


def test_the_gates_read_opens_no_transaction(database_url: str) -> None:
    database = Database.at(database_url)
    try:
        assert asyncio.run(database.gate(driver_in_transaction)) is False
        called = asyncio.run(database.call(driver_in_transaction))
        assert called is (database.engine_name == "postgresql")  # an ordinary unit: one
    finally:
        database.dispose()


def test_after_the_gate_its_connection_is_transactional_again(database_url: str) -> None:
    database = Database.at(database_url)
    if database.engine_name == "sqlite":
        database.dispose()
        pytest.skip("SQLite's gate reads on the commit group's connection, in its transaction")
    try:
        with database.units() as uow:  # a table of this connection alone
            uow.connection.execute(text("CREATE TEMP TABLE marks (n integer)"))
            pid = uow.connection.scalar(text("SELECT pg_backend_pid()"))
            uow.commit()
        asyncio.run(database.gate(driver_in_transaction))
        with database.units() as uow:
            assert uow.connection.scalar(text("SELECT pg_backend_pid()")) == pid
            uow.connection.execute(text("INSERT INTO marks VALUES (1)"))  # never committed
        with database.units() as uow:
            assert uow.connection.scalar(text("SELECT pg_backend_pid()")) == pid
            assert uow.connection.scalar(text("SELECT count(*) FROM marks")) == 0
    finally:
        database.dispose()
