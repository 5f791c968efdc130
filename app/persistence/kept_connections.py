"""Core units of work on a connection kept per thread (SQLite only).

Answering a problem is one guarded UPDATE, one INSERT and a commit, some 50 µs of
SQLite. Checking a connection out of SQLAlchemy's pool for it and back in again costs
another 20 µs (a `Connection`, the pool's bookkeeping, its reset), so on SQLite each
thread keeps the connection of its Core units of work (a thread pool's workers, the
CLI, tests). Service calls on the event loop go further: they share one connection
and its COMMITs (app.persistence.group_commit).

Only a few threads keep one, so the pool always has connections left for everything
else; a unit of work nested in another, or on a further thread, checks one out as
before. Kept connections close when the engine is disposed (so dispose an engine
when done with it, as for its pool). Other databases always check out: their pool is
sized for the threads that use them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError

from app.persistence import group_commit

KEEPING_THREADS = 4  # of the pool's 15 (5 and an overflow of 10)


def connection_for(
    engine: Engine, member: group_commit.Member | None = None, *, autocommit: bool = False
) -> AbstractContextManager[Connection]:
    """A connection for one unit of work; what it does not commit is rolled back.

    `member`: a service call on the event loop, whose units share its commit group's
    connection, each in a savepoint (app.persistence.group_commit); commit with
    `member.group.keep(conn)`. Without one: a connection kept for this thread (SQLite),
    or one checked out of the pool. `autocommit`: for a unit that reads with one
    statement, on PostgreSQL a connection on which each statement commits by itself
    (no BEGIN and COMMIT round trips; back to transactions when it returns to the
    pool). SQLite's driver opens no transaction for a read anyway.
    """
    if member is not None and member.active and member.group.engine is engine:
        return member.group.unit(member)
    if autocommit and engine.dialect.name != "sqlite":
        return _autocommitted(engine)
    return _kept_or_checked_out(engine)


@contextmanager
def _autocommitted(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")  # reset at checkin
        yield connection


@contextmanager
def _kept_or_checked_out(engine: Engine) -> Iterator[Connection]:
    group_commit.settle(engine)  # the group's pending work first: it may hold the write lock
    keeper = _keeper(engine)
    kept = keeper.take(engine) if keeper is not None else None
    if keeper is None or kept is None:
        with engine.connect() as connection:
            yield connection
        return
    try:
        yield kept
    finally:
        keeper.give_back(kept)


class _Keeper:
    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._kept: dict[int, Connection | None] = {}  # by thread
        self._in_use: set[int] = set()
        event.listen(engine, "engine_disposed", self.close)

    def take(self, engine: Engine) -> Connection | None:
        thread = threading.get_ident()
        with self._lock:
            if thread in self._in_use:
                return None  # nested: the outer unit of work has it
            if thread not in self._kept:
                if len(self._kept) >= KEEPING_THREADS:
                    return None
                self._kept[thread] = None  # this thread's place, held while it connects
            kept = self._kept[thread]
            self._in_use.add(thread)
        if kept is None or kept.closed or kept.invalidated:
            if kept is not None and not kept.closed:
                kept.close()  # invalidated: hand its place in the pool back
            try:
                kept = engine.connect()
            except BaseException:
                self._forget(thread)
                raise
            with self._lock:
                self._kept[thread] = kept
        return kept

    def give_back(self, kept: Connection) -> None:
        thread = threading.get_ident()
        try:
            if kept.in_transaction():
                kept.rollback()
        except SQLAlchemyError:
            self._forget(thread)
            kept.invalidate()  # broken: the next unit of work on this thread opens another
        finally:
            with self._lock:
                self._in_use.discard(thread)

    def _forget(self, thread: int) -> None:
        with self._lock:
            self._kept.pop(thread, None)
            self._in_use.discard(thread)

    def close(self, *_: Any) -> None:
        with self._lock:
            kept, self._kept = list(self._kept.values()), {}
        for connection in kept:
            if connection is not None:
                connection.close()


_keepers: WeakKeyDictionary[Engine, _Keeper] = WeakKeyDictionary()
_keepers_lock = threading.Lock()


def _keeper(engine: Engine) -> _Keeper | None:
    if engine.dialect.name != "sqlite":
        return None
    keeper = _keepers.get(engine)
    if keeper is None:
        with _keepers_lock:
            keeper = _keepers.get(engine)
            if keeper is None:
                keeper = _keepers[engine] = _Keeper(engine)
    return keeper
