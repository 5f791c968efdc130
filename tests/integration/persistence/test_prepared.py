"""Prepared statements give what Connection.execute gives: same SQL, types and transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    update,
)

from app.persistence.engine import make_engine
from app.persistence.prepared import Prepared
from app.persistence.tables import UTCDateTime
from tests.postgres import PostgresServer

METADATA = MetaData()
THINGS = Table(
    "things",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
    Column("data", JSON),
    Column("flag", Boolean),
    Column("count", Integer),
    Column("label", Integer, default=7),  # computed in Python: Core fills it in
    Column("ratio", Float),  # psycopg's numbers: converted by the type the result has
)
AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

ADD = Prepared(insert(THINGS), columns=("id", "at", "data", "flag", "count", "label", "ratio"))
ADD_DEFAULT = Prepared(insert(THINGS), columns=("id", "at"))
BUMP = Prepared(
    update(THINGS)
    .where(THINGS.c.id == bindparam("thing"), THINGS.c.at >= bindparam("since"))
    .values(count=THINGS.c.count + 1)
    .returning(THINGS.c.count, THINGS.c.at)
)
ALL = Prepared(
    select(
        THINGS.c.id, THINGS.c.at, THINGS.c.data, THINGS.c.flag, THINGS.c.label, THINGS.c.ratio
    ).order_by(THINGS.c.id)
)


@pytest.fixture(params=["qmark", "named", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """SQLite as the app uses it (positional parameters), with named parameters, and
    PostgreSQL (psycopg's are named too)."""
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        server.drop_database("prepared_things")  # a fresh one, whatever an earlier test left
        engine = make_engine(server.create_database("prepared_things"))
    else:
        url = f"sqlite:///{tmp_path / 'things.db'}"
        named = request.param == "named"
        engine = create_engine(url, paramstyle="named") if named else make_engine(url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def add(engine: Engine, thing: int, *, commit: bool) -> None:
    with engine.connect() as conn:
        add_on(conn, thing)
        if commit:
            conn.commit()


def add_on(conn: Connection, thing: int) -> None:
    values = {"id": thing, "at": AT, "data": {"shape": [2, 3]}, "flag": True}
    ADD.change(conn, {**values, "count": 0, "label": 1, "ratio": 1.5})


def test_rows_read_back_as_core_reads_them(engine: Engine) -> None:
    add(engine, 1, commit=True)
    with engine.connect() as conn:
        core = [tuple(row) for row in conn.execute(ALL.statement)]
        prepared = ALL.rows(conn, {})
    assert prepared == core == [(1, AT, {"shape": [2, 3]}, True, 1, 1.5)]
    assert prepared[0][1].tzinfo is UTC


def test_binds_compare_as_core_binds_them(engine: Engine) -> None:
    add(engine, 1, commit=True)
    with engine.connect() as conn:
        assert BUMP.first(conn, {"thing": 1, "since": AT}) == (1, AT)
        assert BUMP.first(conn, {"thing": 1, "since": AT.replace(microsecond=1)}) is None
        conn.commit()
    with engine.connect() as conn:
        assert conn.scalar(select(THINGS.c.count)) == 1


def test_nothing_is_kept_without_commit(engine: Engine) -> None:
    add(engine, 1, commit=False)
    add(engine, 2, commit=True)
    with engine.connect() as conn:
        assert [row[0] for row in ALL.rows(conn, {})] == [2]


def test_they_run_on_the_drivers_cursor_whatever_its_parameter_style(engine: Engine) -> None:
    """Core's execution path (which these exist to skip) is not taken: its
    before_cursor_execute event never fires."""
    through_core: list[str] = []

    def seen(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        through_core.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.connect() as conn:
            add_on(conn, 1)
            assert BUMP.first(conn, {"thing": 1, "since": AT}) == (1, AT)
            assert [row[0] for row in ALL.rows(conn, {})] == [1]
            conn.commit()
        assert through_core == []
        with engine.connect() as conn:  # a column default computed in Python: Core's path
            ADD_DEFAULT.change(conn, {"id": 2, "at": AT})
        assert len(through_core) == 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_read_and_commit_leave_no_transaction_open_in_the_driver(engine: Engine) -> None:
    """psycopg begins a transaction for a SELECT, so its commit must reach the driver;
    SQLite's driver opens none for one."""
    add(engine, 1, commit=True)
    with engine.connect() as conn:
        assert [row[0] for row in ALL.rows(conn, {})] == [1]
        conn.commit()
        assert not driver_in_transaction(conn)


def driver_in_transaction(conn: Connection) -> bool:
    driver = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        return bool(driver.in_transaction)  # type: ignore[union-attr]
    status = driver.info.transaction_status  # type: ignore[union-attr]
    return bool(status != psycopg.pq.TransactionStatus.IDLE)


def test_column_defaults_are_filled_in(engine: Engine) -> None:
    with engine.connect() as conn:
        assert ADD_DEFAULT.change(conn, {"id": 3, "at": AT}) == 1
        assert ALL.rows(conn, {}) == [(3, AT, None, None, 7, None)]


def test_a_read_on_sqlite_begins_no_transaction_and_a_later_write_still_commits(
    tmp_path: Path,
) -> None:
    """The driver opens none for a SELECT, so SQLAlchemy's would be bookkeeping alone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'things.db'}")
    METADATA.create_all(engine)
    add(engine, 1, commit=True)
    with engine.connect() as conn:
        assert [row[0] for row in ALL.rows(conn, {})] == [1]
        assert not conn.in_transaction()
        add_on(conn, 2)
        assert conn.in_transaction()
        assert [row[0] for row in ALL.rows(conn, {})] == [1, 2]  # its own write, read back
        conn.commit()
    with engine.connect() as conn:
        ALL.rows(conn, {})
        add_on(conn, 3)  # not committed: rolled back when the connection closes
    with engine.connect() as conn:
        assert [row[0] for row in ALL.rows(conn, {})] == [1, 2]
    engine.dispose()


def test_many_rows_go_in_one_call_as_core_would_write_them(engine: Engine) -> None:
    """`change_many`: each row's values through the same conversions as `change`, the
    driver called once (not Core's path), nothing kept without commit; a column default
    computed in Python takes Core's path, which fills it in."""
    through_core: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: through_core.append(args[2]))
    rows = [
        {"id": i, "at": AT, "data": {"n": i}, "flag": i % 2 == 0, "count": i, "label": i,
         "ratio": i / 4}
        for i in (1, 2, 3)
    ]  # fmt: skip
    with engine.connect() as conn:
        ADD.change_many(conn, rows)
        ADD.change_many(conn, [])
    with engine.connect() as conn:
        assert ALL.rows(conn, {}) == []
        ADD.change_many(conn, rows)
        conn.commit()
        assert not driver_in_transaction(conn)
    assert through_core == []
    with engine.connect() as conn:
        ADD_DEFAULT.change_many(conn, [])  # no rows: nothing, not a row of defaults
        ADD_DEFAULT.change_many(conn, [{"id": 4, "at": AT}, {"id": 5, "at": AT}])
        conn.commit()
    assert len(through_core) == 1  # Core's executemany: one call as well
    with engine.connect() as conn:
        assert ALL.rows(conn, {}) == [
            (1, AT, {"n": 1}, False, 1, 0.25),
            (2, AT, {"n": 2}, True, 2, 0.5),
            (3, AT, {"n": 3}, False, 3, 0.75),
            (4, AT, None, None, 7, None),
            (5, AT, None, None, 7, None),
        ]
