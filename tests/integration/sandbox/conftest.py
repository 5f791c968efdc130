"""One real sandbox for the whole package: a zygote, its pool, full isolation.

A secret is planted in this (the server's) environment before the sandbox starts, and a
file stands for the database: tests check that neither ever reaches a job.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.sandbox.client import Sandbox
from app.sandbox.protocol import SandboxLimits

SECRET = "tq-planted-secret-7c0ffee51d"
DATABASE_MARKER = "tq-database-row-4b1d"


@pytest.fixture(scope="session")
def planted_secret() -> str:
    return SECRET


@pytest.fixture(scope="session")
def database_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "quiz.db"
    path.write_text(f"SQLite format 3 ... {DATABASE_MARKER}")
    return path


@contextmanager
def server_environment(**variables: str) -> Iterator[None]:
    """The server's environment while the sandbox starts; restored after, for other tests."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def sandbox(planted_secret: str, database_file: Path) -> Iterator[Sandbox]:
    # Three slots: the hostile corpus keeps two busy while other work goes on.
    with started(Sandbox(SandboxLimits(), pool_size=3), planted_secret, database_file) as box:
        yield box


@pytest.fixture(scope="session")
def user_namespace_sandbox(planted_secret: str, database_file: Path) -> Iterator[Sandbox]:
    """Isolated as without root (app.sandbox.user_namespace), though CI runs as root."""
    box = Sandbox(SandboxLimits(), pool_size=3, user_namespace=True)
    with started(box, planted_secret, database_file) as box:
        yield box


@pytest.fixture(params=["as root", "in a user namespace"])
def each_sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """Both ways of isolating: jobs dropping to uids of their own under a root zygote,
    and jobs in a user namespace of their own, as without root."""
    name = "sandbox" if request.param == "as root" else "user_namespace_sandbox"
    box: Sandbox = request.getfixturevalue(name)
    return box


@contextmanager
def started(box: Sandbox, secret: str, database_file: Path) -> Iterator[Sandbox]:
    if os.geteuid() != 0:
        pytest.skip("these tests need root (CI runs as root)")
    with server_environment(QUIZ_SECRET_KEY=secret, DATABASE_URL=f"sqlite:///{database_file}"):
        box.start()
    try:
        yield box
    finally:
        box.close()
