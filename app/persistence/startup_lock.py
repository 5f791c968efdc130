"""The start-up lock: one process at a time migrates the database and loads challenges/.

App processes may start at once (`quiz serve --workers N`, several hosts, a restart of
every container). Each takes this lock around its migrations and its load; the first
does the work, the others wait, then find the schema at head and every file unchanged.

- PostgreSQL: a session-level `pg_advisory_lock` on a fixed key, held by a connection
  of its own (so the migrations' transactions neither hold nor release it). Processes
  on every host that share the database share the lock; it goes with the connection
  when a holder dies.
- SQLite: an exclusive `flock` on a file beside the database (`quiz.db.startup-lock`);
  every process using the file is on this host. The kernel drops it when a holder dies.
- SQLite in memory: one process by definition, no lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

# Any fixed 64-bit number, the same in every process (the bytes of "tquizSU").
ADVISORY_KEY = 0x74_71_75_69_7A_53_55
LOCK_SUFFIX = ".startup-lock"


def _nothing() -> None:
    return None


@contextmanager
def startup_lock(engine: Engine, *, on_wait: Callable[[], None] = _nothing) -> Iterator[None]:
    """Hold the database's start-up lock for the block; `on_wait` is called once if another
    process holds it (then this one waits for as long as that one takes)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, on_wait):
            yield
        return
    path = lock_file_of(engine)
    if path is None:
        yield
        return
    with _file_lock(path, on_wait):
        yield


def lock_file_of(engine: Engine) -> Path | None:
    """The SQLite lock file beside the database, or None for a database in memory."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    file = Path(database)
    return file.with_name(file.name + LOCK_SUFFIX)


@contextmanager
def _advisory_lock(engine: Engine, on_wait: Callable[[], None]) -> Iterator[None]:
    # Autocommit: the lock belongs to the session, and no transaction stays open for
    # the minutes a load may take.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": ADVISORY_KEY}
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
            on_wait()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)


@contextmanager
def _file_lock(path: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield  # closing the descriptor below releases the lock
    finally:
        os.close(fd)
