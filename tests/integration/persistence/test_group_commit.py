"""Service calls of one event-loop turn share one COMMIT, and each returns once it is durable.

The calls go through `Database.call`, as routes make them, on a real
SQLite file; whether work is durable is read on another thread's connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event, text

from app.domain.errors import NotAllowed, Unavailable
from app.persistence.database import Database
from app.persistence.engine import make_engine
from app.persistence.group_commit import CommitGroup, group_for
from app.persistence.unit_of_work import UnitOfWorkFactory
from tests.integration.persistence.conftest import things

pytestmark = pytest.mark.sqlite_only(
    "group commit exists on SQLite alone (PostgreSQL runs services in threads)"
)


T = TypeVar("T")


def insert(
    units: UnitOfWorkFactory, n: int, *, keep: bool = True, then: Exception | None = None
) -> int:
    """A service: writes thing `n`, commits unless told not to, then maybe fails."""
    with units() as uow:
        uow.connection.execute(text("INSERT INTO things VALUES (:n)"), {"n": n})
        if keep:
            uow.commit()
        if then is not None:
            raise then
    return n


def read(units: UnitOfWorkFactory) -> list[int]:
    with units() as uow:
        rows = uow.connection.execute(text("SELECT id FROM things ORDER BY id"))
        found = [int(n) for n in rows.scalars()]
        uow.commit()
        return found


def elsewhere(engine: Engine) -> list[int]:
    """What another thread's connection sees: only what is committed."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(things, engine).result()


def on_a_loop(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(scenario())


@pytest.fixture
def group(engine: Engine) -> CommitGroup:
    found = group_for(engine)
    assert found is not None
    return found


@pytest.fixture
def db(engine: Engine, group: CommitGroup) -> Database:
    return Database(engine)


@pytest.fixture
def commits(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "commit", lambda _conn: seen.append("commit"))
    return seen


def test_the_calls_of_one_turn_share_one_commit(
    engine: Engine, db: Database, commits: list[str]
) -> None:
    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(db.call(insert, n) for n in range(1, 11))))

    assert on_a_loop(scenario) == list(range(1, 11))
    assert commits == ["commit"]
    assert things(engine) == list(range(1, 11))


def test_a_call_returns_only_once_its_work_is_committed(engine: Engine, db: Database) -> None:
    async def scenario() -> None:
        answering = asyncio.create_task(db.call(insert, 1))
        await asyncio.sleep(0)  # its work is done and kept, its COMMIT not yet
        assert not answering.done()
        assert elsewhere(engine) == []
        assert await answering == 1
        assert elsewhere(engine) == [1]

    on_a_loop(scenario)


def test_a_failing_call_undoes_only_its_own_work(engine: Engine, db: Database) -> None:
    async def scenario() -> Sequence[object]:
        return await asyncio.gather(
            db.call(insert, 1),
            db.call(insert, 2, keep=False, then=RuntimeError("a bug after writing")),
            db.call(insert, 3, keep=False),
            db.call(insert, 4),
            return_exceptions=True,
        )

    first, failed, unkept, last = on_a_loop(scenario)
    assert (first, last, unkept) == (1, 4, 3)
    assert isinstance(failed, RuntimeError)
    assert things(engine) == [1, 4]


def test_work_kept_before_a_refusal_is_committed_before_the_refusal_is_raised(
    engine: Engine, db: Database, commits: list[str]
) -> None:
    async def scenario() -> None:
        with pytest.raises(NotAllowed):
            await db.call(insert, 1, then=NotAllowed("kept, then refused"))
        assert commits == ["commit"]

    on_a_loop(scenario)
    assert things(engine) == [1]


def test_a_call_that_reads_pending_work_waits_for_its_commit(engine: Engine, db: Database) -> None:
    order: list[str] = []
    event.listen(engine, "commit", lambda _conn: order.append("commit"))

    async def reader() -> list[int]:
        found = await db.call(read)
        order.append("read returned")
        return found

    async def scenario() -> list[int]:
        _, found = await asyncio.gather(db.call(insert, 1), reader())
        return found

    assert on_a_loop(scenario) == [1]
    assert order == ["commit", "read returned"]


def test_a_call_that_only_reads_returns_at_once(engine: Engine, db: Database) -> None:
    async def scenario() -> None:
        reading = asyncio.create_task(db.call(read))
        await asyncio.sleep(0)
        assert reading.done()
        assert reading.result() == []

    on_a_loop(scenario)


def spoiled(engine: Engine, db: Database, *statements: str) -> None:
    """A good call and one running `statements` in the same turn both fail, unsaved;
    later calls go on."""

    def spoiler(units: UnitOfWorkFactory) -> None:
        with units() as uow:
            for sql in statements:
                uow.connection.exec_driver_sql(sql)
            uow.commit()

    async def together() -> Sequence[object]:
        return await asyncio.gather(db.call(insert, 1), db.call(spoiler), return_exceptions=True)

    async def afterwards() -> int:
        return await db.call(insert, 2)

    outcomes = on_a_loop(together)
    assert all(isinstance(o, Unavailable) for o in outcomes)
    assert "nothing changed" in str(outcomes[0])
    assert things(engine) == []
    assert on_a_loop(afterwards) == 2
    assert things(engine) == [2]


def test_a_failed_commit_fails_every_call_in_it_and_keeps_nothing(
    engine: Engine, db: Database
) -> None:
    with engine.begin() as conn:  # checked at COMMIT: a way for a COMMIT to fail
        conn.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER"
                " REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )

    spoiled(engine, db, "INSERT INTO children VALUES (1, 99)")


def test_a_transaction_sqlite_rolled_back_fails_the_calls_that_waited_on_it(
    engine: Engine, db: Database
) -> None:
    # As SQLite does by itself after some I/O errors, unknown to SQLAlchemy.
    spoiled(engine, db, "ROLLBACK", "INSERT INTO things VALUES (3)")


def test_another_connection_on_the_loop_commits_the_group_first(
    engine: Engine, db: Database
) -> None:
    """Else it would wait for the write lock the group holds, and the loop with it."""

    async def scenario() -> None:
        answering = asyncio.create_task(db.call(insert, 1))
        await asyncio.sleep(0)
        with engine.begin() as other:  # as an ORM unit of work would
            other.execute(text("INSERT INTO things VALUES (2)"))
        assert elsewhere(engine) == [1, 2]
        assert await answering == 1

    on_a_loop(scenario)


def test_a_unit_of_work_outside_the_calls_commits_the_group_first(
    engine: Engine, db: Database
) -> None:
    async def scenario() -> None:
        answering = asyncio.create_task(db.call(insert, 1))
        await asyncio.sleep(0)
        insert(Database(engine).units, 2)  # not through `call`: on this thread's kept connection
        assert elsewhere(engine) == [1, 2]
        await answering

    on_a_loop(scenario)


def test_a_nested_unit_of_work_reads_on_its_own_connection(engine: Engine, db: Database) -> None:
    def nested(units: UnitOfWorkFactory) -> list[int]:
        with units() as outer:
            outer.connection.execute(text("INSERT INTO things VALUES (2)"))
            with units() as inner:
                assert inner.connection is not outer.connection
                rows = inner.connection.execute(text("SELECT id FROM things"))
                seen = [int(n) for n in rows.scalars()]
            outer.commit()
        return seen

    async def scenario() -> list[int]:
        _, seen = await asyncio.gather(db.call(insert, 1), db.call(nested))
        return seen

    assert on_a_loop(scenario) == []  # the group's work was not committed under it
    assert things(engine) == [1, 2]


def test_disposing_the_engine_commits_pending_work(engine: Engine, db: Database) -> None:
    async def scenario() -> None:
        answering = asyncio.create_task(db.call(insert, 1))
        await asyncio.sleep(0)
        engine.dispose()
        assert await answering == 1

    on_a_loop(scenario)
    assert things(engine) == [1]


def test_calls_on_another_loop_stay_out_while_work_is_pending(
    engine: Engine, group: CommitGroup, db: Database
) -> None:
    async def joins() -> bool:
        return group.member().active

    def from_another_loop() -> bool:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, joins()).result()

    async def scenario() -> tuple[bool, bool]:
        answering = asyncio.create_task(db.call(insert, 1))
        await asyncio.sleep(0)
        while_pending = from_another_loop()
        await answering
        return while_pending, from_another_loop()

    assert on_a_loop(scenario) == (False, True)


def test_in_memory_databases_do_not_group_commits() -> None:
    memory = make_engine("sqlite://")
    try:
        assert group_for(memory) is None
    finally:
        memory.dispose()


def test_a_gate_reads_pending_work_without_waiting_for_its_commit(
    engine: Engine, db: Database
) -> None:
    """`gate` (the session check before a request) sees pending work and goes on at once;
    the calls of the request itself still wait (above)."""
    order: list[str] = []
    event.listen(engine, "commit", lambda _conn: order.append("commit"))

    async def scenario() -> list[int]:
        writing = asyncio.create_task(db.call(insert, 1))
        await asyncio.sleep(0)  # the insert is kept, its COMMIT scheduled for the next turn
        found = await db.gate(read)
        order.append("gate returned")
        await writing
        return found

    assert on_a_loop(scenario) == [1]
    assert order == ["gate returned", "commit"]
