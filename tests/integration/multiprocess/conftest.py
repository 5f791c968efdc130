"""A test folder with one small challenge set, and the database the app processes share:
a SQLite file (processes on one host) or a database on a throwaway PostgreSQL server
(processes on any number of hosts)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import available, shared_server

# Three attempts, no code (no snippet to verify), a retake at once.
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
      - {text: "10"}
"""
MAX_ATTEMPTS = 3
_names = itertools.count()

needs_postgres = pytest.mark.skipif(
    not available(), reason="PostgreSQL is not installed (/usr/lib/postgresql/*/bin)"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the processes run: challenges/exam.yaml, and their logs."""
    (tmp_path / "challenges").mkdir()
    (tmp_path / "challenges" / "exam.yaml").write_text(EXAM, encoding="utf-8")
    return tmp_path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def database_url(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """A fresh, empty database, unmigrated: the processes under test migrate it."""
    if request.param == "sqlite":
        yield f"sqlite:///{folder / 'db' / 'quiz.db'}"
        return
    server = shared_server()
    name = f"multiprocess_{next(_names)}"
    yield server.create_database(name)
    server.drop_database(name)
