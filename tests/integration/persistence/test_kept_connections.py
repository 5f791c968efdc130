"""Core units of work keep one connection per thread on SQLite, and never share it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, Engine, text

from app.persistence.kept_connections import KEEPING_THREADS, connection_for
from tests.integration.persistence.conftest import things

pytestmark = pytest.mark.sqlite_only("connections are kept per thread on SQLite alone")


def count(engine: Engine) -> int:
    return len(things(engine))


def test_a_thread_keeps_its_connection_between_units_of_work(engine: Engine) -> None:
    with connection_for(engine) as first:
        first.execute(text("INSERT INTO things VALUES (1)"))
        first.commit()
    with connection_for(engine) as second:
        assert second is first
        assert not second.in_transaction()
    assert count(engine) == 1


def fail_halfway(engine: Engine) -> None:
    with connection_for(engine) as conn:
        conn.execute(text("INSERT INTO things VALUES (2)"))
        raise RuntimeError("a bug halfway")


def test_what_was_not_committed_is_rolled_back(engine: Engine) -> None:
    with connection_for(engine) as conn:
        conn.execute(text("INSERT INTO things VALUES (1)"))
    with pytest.raises(RuntimeError):
        fail_halfway(engine)
    with connection_for(engine) as conn:
        assert not conn.in_transaction()
    assert count(engine) == 0


def test_a_nested_unit_of_work_gets_its_own_connection(engine: Engine) -> None:
    with connection_for(engine) as outer:
        outer.execute(text("INSERT INTO things VALUES (1)"))
        with connection_for(engine) as inner:
            assert inner is not outer
            assert inner.execute(text("SELECT count(*) FROM things")).scalar_one() == 0
        outer.commit()
    assert count(engine) == 1


def test_only_a_few_threads_keep_one(engine: Engine) -> None:
    seen: dict[int, list[Connection]] = {}
    barrier = threading.Barrier(KEEPING_THREADS + 2)

    def work(i: int) -> None:
        barrier.wait()  # all threads alive at once, so idents are distinct
        for _ in range(2):
            with connection_for(engine) as conn:
                seen.setdefault(i, []).append(conn)
        barrier.wait()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(KEEPING_THREADS + 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = [i for i, conns in seen.items() if conns[0] is conns[1]]
    assert len(kept) == KEEPING_THREADS
    assert all(c.closed for i, conns in seen.items() if i not in kept for c in conns)


def test_disposing_the_engine_closes_kept_connections(engine: Engine) -> None:
    with connection_for(engine) as conn:
        pass
    engine.dispose()
    assert conn.closed
    with connection_for(engine) as fresh:  # and the next unit of work opens another
        assert fresh is not conn
        assert fresh.execute(text("SELECT 1")).scalar_one() == 1


def test_a_broken_connection_is_replaced(engine: Engine) -> None:
    with connection_for(engine) as conn:
        conn.invalidate()
    with connection_for(engine) as fresh:
        assert fresh is not conn
        assert fresh.execute(text("SELECT 1")).scalar_one() == 1
