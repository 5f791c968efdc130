from __future__ import annotations

import random

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.services import accounts, runs
from app.services.runs import RunSummary
from tests.conftest import FAST_HASHER, PASSWORD


@pytest.fixture
def learner(loaded: sessionmaker[Session], clock: FakeClock) -> accounts.Learner:
    return accounts.register(loaded, FAST_HASHER, clock=clock, username="ada", password=PASSWORD)


@pytest.fixture
def run(loaded: sessionmaker[Session], clock: FakeClock, learner: accounts.Learner) -> RunSummary:
    return runs.start_run(
        loaded, clock=clock, learner_id=learner.id, slug="gru-test", rng=random.Random(7)
    )
