"""Every snippet of `challenges/` runs under the job filter and agrees with its claims:
`quiz check challenges`, in process, against the session's sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.authoring.loader import parse_tree
from app.domain.clock import system_clock
from app.sandbox.client import Sandbox
from app.services.checking import Checker

pytestmark = pytest.mark.sandbox

CHALLENGES = Path(__file__).resolve().parents[3] / "challenges"


def test_every_seed_snippet_still_runs_under_the_allow_list(sandbox: Sandbox) -> None:
    checker = Checker(sandbox.run, clock=system_clock, wall_seconds=30.0)
    parsed = parse_tree(CHALLENGES)
    assert parsed
    for item in parsed:
        assert item.ok, item.errors
        assert checker(item).errors == [], item.source
    assert checker.executed_count >= 5
