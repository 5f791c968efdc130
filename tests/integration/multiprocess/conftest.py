"""A test folder with one small challenge set, and the database the app processes share:
a SQLite file (processes on one host) or a database on a throwaway PostgreSQL server
(processes on any number of hosts)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.postgres import available, shared_server

# Three attempts, no code (no snippet to verify), a retake at once; twelve wrong options,
# so that twelve answers at once can each try another (the same one twice is refused).
WRONG = [f"{rate}" for rate in range(1, 13)]
EXAM = """\
slug: exam
kind: challenge
title: Exam
badge: {name: Exam badge, description: Answered the exam.}
retake_after: "0:00"
defaults: {time_limit: "10:00", max_attempts: 3}
problems:
  - id: adam-rate
    type: hyperparameter
    level: beginner
    title: A usual learning rate
    prompt: Which learning rate is a usual start for Adam?
    options:
      - {text: "0.001", correct: true}
""" + "".join(f'      - {{text: "{text}"}}\n' for text in WRONG)
MAX_ATTEMPTS = 3
_names = itertools.count()

needs_postgres = pytest.mark.skipif(
    not available(), reason="PostgreSQL is not installed (/usr/lib/postgresql/*/bin)"
)


def with_challenges(folder: Path) -> Path:
    """`folder` with challenges/exam.yaml: where the processes run and leave their logs."""
    (folder / "challenges").mkdir()
    (folder / "challenges" / "exam.yaml").write_text(EXAM, encoding="utf-8")
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return with_challenges(tmp_path)


DATABASES = ["sqlite", pytest.param("postgresql", marks=needs_postgres)]


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh, empty database, unmigrated: the processes under test migrate it."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'db' / 'quiz.db'}"
        return
    server = shared_server()
    name = f"multiprocess_{os.getpid()}_{next(_names)}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    with fresh_database(request.param, folder) as url:
        yield url
