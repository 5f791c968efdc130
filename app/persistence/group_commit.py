"""Group commit: the units of work of one event-loop turn share one COMMIT (SQLite).

On SQLite, an answer's COMMIT is its costliest statement: the WAL frames of each page
it changed, the WAL index, and the file locks around them. When many learners answer
at once, the event loop runs their service calls one after another in the same turn,
and each COMMIT wrote the same attempts page and took the same locks again.

A service call on the event loop runs as a `Member` of its engine's `CommitGroup`
(`Database.call` makes it one, and gives the service a unit-of-work factory bound to
it). Each of its units of work takes the group's one connection inside a SAVEPOINT
(`CommitGroup.unit`), and its `commit()` releases that savepoint (`CommitGroup.keep`):
the work is kept in the group's open transaction. Work left uncommitted, or failing, is rolled
back to its savepoint; nobody else's is touched. The first unit to keep work in a turn
schedules the group's COMMIT for the loop's next turn. Each member whose work, or
whose reads of others' pending work, is in that COMMIT waits for it before answering
(`Member.durable`): nothing is reported done before it is on disk. If the COMMIT
fails, each of them gets `Unavailable`, and none of their work was saved.

While work is pending the group may hold SQLite's write lock, so on the loop's thread
anything that takes another connection (a unit of work outside a member, or nested in
another) commits the group first. Other threads and processes wait at most a turn of
the loop, as for any writer.

Only SQLite files served from a pool group their commits: an in-memory database
shares one connection per thread, and other databases run services in threads.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

from app.domain.errors import Unavailable

log = logging.getLogger(__name__)
NOT_SAVED = "Your last step could not be saved, so nothing changed. Please try again."


class _Batch:
    """Kept work waiting for one COMMIT, and the members waiting with it."""

    def __init__(self) -> None:
        self.done = self.failed = False
        self.waiters: list[asyncio.Future[None]] = []

    def settle(self, *, failed: bool) -> None:
        self.done, self.failed = True, failed
        for waiter in self.waiters:
            if not waiter.done():  # done: its request was cancelled
                waiter.set_result(None)


class _Unit:
    """The open unit of work.

    While others' work waits for the COMMIT, a unit runs in a savepoint, so that it can
    be rolled back alone. With none waiting, it runs as any unit of work does: in
    SQLite's own transaction, begun by its first write.
    """

    def __init__(
        self, member: Member, conn: Connection, driver: sqlite3.Connection, *, isolated: bool
    ) -> None:
        self.member, self.conn, self.driver = member, conn, driver
        self.start(isolated=isolated)

    def start(self, *, isolated: bool) -> None:
        if isolated:
            self.driver.execute("SAVEPOINT unit")
        self.isolated = isolated
        self.changes = self.driver.total_changes

    def wrote(self) -> bool:
        """Whether it changed rows since it began (all a Core unit of work changes)."""
        return self.driver.total_changes != self.changes

    def merge(self) -> None:
        """Its work joins the group's transaction."""
        if self.isolated:
            self.driver.execute("RELEASE unit")
            self.isolated = False

    def undo(self) -> None:
        if self.isolated:
            if self.wrote():
                self.driver.execute("ROLLBACK TO unit")
            self.merge()
        elif self.conn.in_transaction():
            self.conn.rollback()


_OPENING: Any = object()  # holds the place of the unit being opened


class CommitGroup:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._pending: _Batch | None = None
        self._unit: _Unit | None = None
        self._lock = threading.Lock()  # binding to a loop's thread, and opening a unit
        event.listen(engine, "checkout", self._before_another_connection)
        event.listen(engine, "engine_disposed", self.close)

    def member(self) -> Member:
        """A service call about to run on the running event loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._pending is None and self._unit is None:
                self._loop, self._thread = loop, threading.get_ident()
            return Member(self, active=loop is self._loop)

    def settle_here(self) -> None:
        """Commit the pending work now, if this thread's loop holds it and no unit is open."""
        here = threading.get_ident() == self._thread
        if self._pending is not None and self._unit is None and here:
            self._commit()

    def close(self, *_: Any) -> None:
        if self._pending is not None:
            self._commit()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextmanager
    def unit(self, member: Member) -> Iterator[Connection]:
        with self._lock:
            mine = self._unit is None and self._thread == threading.get_ident()
            if mine:
                self._unit = _OPENING
        if not mine:  # nested, or the group is another loop's: a connection of its own
            with self.engine.connect() as conn:
                yield conn
            return
        try:
            self._unit = unit = self._begin(member)
        except BaseException:
            self._unit = None
            raise
        try:
            yield unit.conn
        finally:
            self._unit = None
            try:
                unit.undo()
            except (sqlite3.Error, SQLAlchemyError):
                self._lose("a unit of work could not be rolled back")

    def keep(self, conn: Connection) -> bool:
        """`commit(conn)` inside this group's open unit: keep its work. False: not ours."""
        unit = self._unit
        if unit is None or unit.conn is not conn:
            return False
        try:
            wrote = unit.wrote()
            unit.merge()
            if wrote or self._pending is not None:
                unit.member.batch = self._pending_batch()
            else:
                conn.commit()  # it only read: nothing to wait for
            unit.start(isolated=self._pending is not None)  # what follows is a unit of its own
        except sqlite3.Error:
            unit.isolated = False  # its savepoint went with the transaction
            self._lose("a savepoint could not be released")
            raise
        return True

    def _begin(self, member: Member) -> _Unit:
        conn = self._connection
        if conn is not None and (conn.closed or conn.invalidated):
            conn = None
        if self._pending is not None and (conn is None or not _driver(conn).in_transaction):
            self._lose("the transaction ended before its COMMIT")  # SQLite rolled it back
        elif self._pending is None and conn is not None and _in_transaction(conn):
            self._reset()  # left over from a failure
        conn = self._connection
        if conn is None or conn.closed or conn.invalidated:
            self._connection = conn = self.engine.connect()
        if self._pending is not None:
            member.batch = self._pending  # it may read work that is not yet durable
        return _Unit(member, conn, _driver(conn), isolated=self._pending is not None)

    def _pending_batch(self) -> _Batch:
        if self._pending is None:
            self._pending = _Batch()
            assert self._loop is not None
            self._loop.call_soon(self._commit)
        return self._pending

    def _commit(self) -> None:
        batch, self._pending = self._pending, None
        if batch is None:
            return  # committed already, before another connection was taken
        conn = self._connection
        try:
            if conn is None or not _driver(conn).in_transaction:
                raise RuntimeError("the transaction ended before its COMMIT")
            conn.commit()
        except (RuntimeError, sqlite3.Error, SQLAlchemyError):
            log.exception("group commit failed")
            self._reset()
            batch.settle(failed=True)
        else:
            batch.settle(failed=False)

    def _lose(self, why: str) -> None:
        """The open transaction is gone: fail what waited on it, and start afresh."""
        log.error("group commit lost its transaction: %s", why)
        batch, self._pending = self._pending, None
        self._reset()
        if batch is not None:
            batch.settle(failed=True)

    def _reset(self) -> None:
        conn = self._connection
        if conn is None or conn.closed or conn.invalidated:
            self._connection = None
            return
        try:
            conn.rollback()
            if _driver(conn).in_transaction:  # a failed COMMIT leaves SQLAlchemy's ended
                _driver(conn).rollback()
        except (sqlite3.Error, SQLAlchemyError):
            conn.invalidate()
            self._connection = None

    def _before_another_connection(self, *_: Any) -> None:
        self.settle_here()


class Member:
    """One service call: while it runs, units of work on its engine join the group."""

    def __init__(self, group: CommitGroup, *, active: bool) -> None:
        self.group = group
        self.active = active  # False: the group's work belongs to another loop
        self.batch: _Batch | None = None  # the COMMIT this call's work waits for

    async def durable(self) -> None:
        """Return once this call's kept work is committed; `Unavailable` if it was not."""
        batch = self.batch
        if batch is None:
            return
        if not batch.done:
            waiter = asyncio.get_running_loop().create_future()
            batch.waiters.append(waiter)
            await waiter
        if batch.failed:
            raise Unavailable(NOT_SAVED)


def _driver(conn: Connection) -> sqlite3.Connection:
    driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    return driver


def _in_transaction(conn: Connection) -> bool:
    return conn.in_transaction() or _driver(conn).in_transaction


_groups: WeakKeyDictionary[Engine, CommitGroup] = WeakKeyDictionary()
_groups_lock = threading.Lock()


def group_for(engine: Engine) -> CommitGroup | None:
    """The engine's commit group; None where commits are not grouped."""
    if engine.dialect.name != "sqlite" or not isinstance(engine.pool, QueuePool):
        return None
    with _groups_lock:
        group = _groups.get(engine)
        if group is None:
            group = _groups[engine] = CommitGroup(engine)
    return group


def settle(engine: Engine) -> None:
    """Before a unit of work outside the group: commit what the group holds on this thread."""
    group = _groups.get(engine)
    if group is not None:
        group.settle_here()
