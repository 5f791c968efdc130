"""A pooled PostgreSQL connection is pinged only when it sat idle: one the server lost
while it waited is replaced, and one in steady use costs no round trip."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from app.persistence.engine import PING_AFTER_IDLE, make_engine
from app.persistence.prepared import Prepared
from tests.postgres import PostgresServer

DATABASE = "idle_ping"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(postgres_server: PostgresServer, clock: Clock) -> Iterator[Engine]:
    postgres_server.drop_database(DATABASE)
    engine = make_engine(postgres_server.create_database(DATABASE), clock=clock)
    yield engine
    engine.dispose()


def backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")) or 0)


def lose(server: PostgresServer, pid: int) -> None:
    """The server ends that connection, as a restart or an idle timeout would."""
    server.execute(sql.SQL("SELECT pg_terminate_backend({})").format(sql.Literal(pid)))


def test_a_connection_lost_while_idle_is_replaced_before_use(
    engine: Engine, postgres_server: PostgresServer, clock: Clock
) -> None:
    lost = backend(engine)
    lose(postgres_server, lost)
    clock.now += PING_AFTER_IDLE
    assert backend(engine) not in (0, lost)


def test_a_connection_in_steady_use_is_not_pinged_and_a_lost_one_goes_with_its_failure(
    engine: Engine, postgres_server: PostgresServer, clock: Clock
) -> None:
    """What trusting a connection used a moment ago costs: the one unit that gets it
    after the server lost it fails, and the pool does not hand it out again."""
    lost = backend(engine)
    lose(postgres_server, lost)
    clock.now += PING_AFTER_IDLE / 2
    with pytest.raises(OperationalError):
        backend(engine)
    assert backend(engine) not in (0, lost)


BACKEND = Prepared(select(func.pg_backend_pid()))


def test_a_lost_connection_failing_under_a_prepared_statement_goes_too(
    engine: Engine, postgres_server: PostgresServer, clock: Clock
) -> None:
    """A prepared statement raises the driver's own error, not SQLAlchemy's: the
    connection is still found dead, and dropped, when it is rolled back and returned."""
    lost = backend(engine)
    lose(postgres_server, lost)
    with pytest.raises((psycopg.OperationalError, OperationalError)), engine.connect() as conn:
        BACKEND.first(conn, {})
    with engine.connect() as conn:
        assert BACKEND.first(conn, {}) not in (None, (lost,))
