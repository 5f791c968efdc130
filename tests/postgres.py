"""A throwaway PostgreSQL server for tests and benches.

    from tests.postgres import PostgresServer, available

    if available():                            # Debian's binaries are installed
        with PostgresServer() as server:       # initdb + start; stop + delete at exit
            server.url("postgres")             # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
            url = server.create_database("t1", template="quiz_template")  # a fresh copy
            server.drop_database("t1")

    shared_server()   # one server per process, started on first call, stopped at exit

The server lives in a fresh temporary folder (data directory and unix socket), listens on
a free loopback port, trusts local connections and runs with fsync off: it is for data
nobody needs after the process ends. PostgreSQL refuses to run as root, so when this
process is root the server runs as Debian's `postgres` user (`runuser -u postgres --`).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

USER = "postgres"

# Settings for a server whose data nobody needs after the run.
_FAST = (
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "wal_level = minimal",
    "max_wal_senders = 0",
    "max_connections = 200",
    "shared_buffers = 64MB",
    "checkpoint_timeout = 1h",
    "max_wal_size = 1GB",
    "listen_addresses = '127.0.0.1'",
    "log_min_messages = warning",
)


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    folders = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = sorted(folders, key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)
    return found[-1] if found else None


def available() -> bool:
    return bin_dir() is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One throwaway server; `start()`/`stop()` or use it as a context manager."""

    def __init__(self) -> None:
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin)")
        self._bin = found
        self._as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="quiz-pg-"))
        self.port = 0
        self._version = int(found.parent.name) if found.parent.name.isdigit() else 0
        self._lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> PostgresServer:
        if self._as_root:
            shutil.chown(self.folder, USER, USER)
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join((*_FAST, f"unix_socket_directories = '{self.folder}'")) + "\n")
        for attempt in range(5):  # a free port can be taken between the probe and the bind
            self.port = _free_port()
            try:
                self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "log"), "-w",
                          "-t", "60", "-o", f"-p {self.port}", "start")  # fmt: skip
                break
            except RuntimeError:
                if attempt == 4:
                    raise
        return self

    def stop(self) -> None:
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- databases -------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` on this server."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create `name` (a copy of `template` when given; nobody may be connected to the
        template) and return its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            if self._version >= 15:  # a plain file copy: 3x faster than WAL_LOG for a small db
                statement += sql.SQL(" STRATEGY FILE_COPY")
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop `name`, closing any connection still open to it."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def execute(self, statement: sql.Composable) -> None:
        """Run one statement outside a transaction in the `postgres` database."""
        with (
            self._lock,
            psycopg.connect(
                host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
            ) as conn,
        ):
            conn.execute(statement)

    # --- helpers ---------------------------------------------------------------------

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        if self._as_root:
            command = ["runuser", "-u", USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder, check=False)
        if done.returncode != 0:
            log = self.folder / "log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}{tail}")


_shared: PostgresServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> PostgresServer:
    """This process's server: started on first use, stopped and deleted at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            server = PostgresServer()
            atexit.register(server.stop)
            _shared = server.start()
        return _shared
