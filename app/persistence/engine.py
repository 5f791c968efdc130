"""Engines and sessions, built on request (never at import time).

Two engines are supported: SQLite (`sqlite:///path/to/quiz.db`, the embedded default)
and PostgreSQL through psycopg 3 (`postgresql+psycopg://user:password@host/database`;
a bare `postgresql://` means the same). Anything else, or a URL that does not parse,
is a `DatabaseError` whose message names DATABASE_URL, in one line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

SUPPORTED = "sqlite:///path/to/quiz.db or postgresql+psycopg://user:password@host/database"
# PostgreSQL serves each request's service calls from the web server's thread pool
# (40 threads, app.web.runner): enough connections that none of them waits for one,
# ten of them kept open between requests. A few seconds to connect, then give up.
PG_POOL = {"pool_size": 10, "max_overflow": 30, "pool_recycle": 3600}
# A pooled connection idle this long is pinged (a round trip) before a unit of work
# gets it, and replaced if the server has gone (a restart, a failover, an idle timeout).
# One used more recently is trusted: under load a connection is back in use within
# milliseconds, and pinging it was a round trip on every unit of work. What that trusts:
# a connection that died within the last second fails the one unit that gets it (500),
# and is dropped from the pool with it.
PING_AFTER_IDLE = 1.0  # seconds
PG_CONNECT = {"connect_timeout": 10, "application_name": "torch-quiz"}


class DatabaseError(Exception):
    """DATABASE_URL names a database the app cannot use; the message is one line."""


def supported_url(database_url: str) -> URL:
    """The URL to connect with, or DatabaseError if it is not one the app supports."""
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):
        raise DatabaseError(f"DATABASE_URL is not a database URL; use {SUPPORTED}") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return url
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return url.set(drivername="postgresql+psycopg")
    raise DatabaseError(
        f"DATABASE_URL={shown(database_url)}: {url.drivername} is not supported; use {SUPPORTED}"
    )


def shown(database_url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(not a URL)"


def unusable(database_url: str, error: BaseException) -> DatabaseError:
    """The failure to open or migrate the database as one line naming DATABASE_URL."""
    cause = getattr(error, "orig", None) or error  # the driver's words, not SQLAlchemy's
    reason = " ".join(str(cause).split()) or type(cause).__name__
    return DatabaseError(f"DATABASE_URL={shown(database_url)}: {reason[:300]}")


def make_engine(database_url: str, *, clock: Callable[[], float] = time.monotonic) -> Engine:
    """`clock`: seconds, to tell how long a pooled PostgreSQL connection sat idle."""
    url = supported_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, connect_args=PG_CONNECT, **PG_POOL)
        _ping_when_idle(engine, clock)
        return engine
    options: dict[str, Any] = {}
    if url.database and url.database != ":memory:":
        _private_file(Path(url.database))
        options["pool_use_lifo"] = True  # a file's pool: hand back the connection used last
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _ping_when_idle(engine: Engine, clock: Callable[[], float]) -> None:
    """Ping a connection that sat idle PING_AFTER_IDLE or longer as the pool hands it
    out; one that does not answer is replaced (the pool retries on DisconnectionError).
    A connection just made has no idle time: it is not pinged."""
    dialect = engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = clock()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or clock() - since < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"a pooled connection did not answer: {error}") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


_IDLE_SINCE = "torch_quiz_idle_since"


def _private_file(path: Path) -> None:
    """Make a new database file, and its missing folder, readable by the owner only.

    It holds password hashes and every learner's runs; under the usual umask SQLite
    would make it 0644 in a 0755 folder (whichever command runs first). Its WAL and
    shared-memory files take the database file's mode. An existing file keeps its mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(FileExistsError):  # an existing database, or another process made it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; foreign keys are off by
    # default in SQLite and the schema relies on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def answers(engine: Engine) -> bool:
    """Whether the database answers a trivial query (a health check: it stays cheap)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
