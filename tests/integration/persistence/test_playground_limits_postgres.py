"""The playground's shared limits on a throwaway PostgreSQL: two engines (two app
processes) racing for the last tokens and slots get exactly the limit.

Skipped where PostgreSQL 15 or psycopg is missing, or without root (the server runs
as the `postgres` user, since PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.errors import TooManyRequests
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.migrations import upgrade
from app.services.sandbox_share import LEASE, LearnerShare
from app.services.throttle import TokenBucket
from tests.live_server import free_port

PG_BIN = "/usr/lib/postgresql/15/bin"


def _as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg")
    if not os.path.exists(f"{PG_BIN}/initdb") or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL 15 and root (to run it as `postgres`)")
    folder = tempfile.mkdtemp(prefix="tq-pg-")
    shutil.chown(folder, "postgres")
    data, port = f"{folder}/data", free_port()
    _as_postgres(f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    _as_postgres(
        f"{PG_BIN}/pg_ctl", "-D", data, "-o", options, "-l", f"{folder}/log", "-w", "start"
    )
    try:
        _as_postgres(f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(port), "quiz")
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/quiz"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        _as_postgres(f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def two_processes(postgres_url: str) -> Iterator[list[sessionmaker[Session]]]:
    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    yield [make_session_factory(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def race(attempts: int, attempt: Callable[[int], None]) -> int:
    """How many of `attempts` calls, all let go at once, were not refused."""
    start = threading.Barrier(attempts)

    def one(index: int) -> bool:
        start.wait()
        try:
            attempt(index)
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(attempts) as pool:
        return list(pool.map(one, range(attempts))).count(True)


def test_racing_takers_get_exactly_the_burst(two_processes: list[sessionmaker[Session]]) -> None:
    clock = FakeClock()
    limits = [TokenBucket(s, clock, capacity=10, per_second=2) for s in two_processes]
    assert race(24, lambda i: limits[i % 2].take("race")) == 10
    clock.advance(0.5)
    limits[1].take("race")
    with pytest.raises(TooManyRequests):
        limits[0].take("race")


def test_racing_claims_get_exactly_the_share_and_a_lapsed_lease_is_taken_over(
    two_processes: list[sessionmaker[Session]],
) -> None:
    clock = FakeClock()
    shares = [LearnerShare(s, clock, 2) for s in two_processes]
    assert race(16, lambda i: shares[i % 2].claim(1)) == 2
    assert shares[0].running(1) == 2
    clock.advance(LEASE.total_seconds())  # the holders died without releasing
    shares[1].claim(1)
    assert shares[0].running(1) == 1
