"""A test folder with one small challenge set, and the database the app processes share."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the processes run: challenges/exam.yaml, and their logs."""
    (tmp_path / "challenges").mkdir()
    (tmp_path / "challenges" / "exam.yaml").write_text(EXAM, encoding="utf-8")
    return tmp_path


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, folder: Path) -> str:
    """A fresh, empty database: a SQLite file (the processes on one host share it)."""
    return f"sqlite:///{folder / 'db' / 'quiz.db'}"
