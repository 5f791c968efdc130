from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from tests.integration.admin.history import History


@pytest.fixture
def history(loaded: sessionmaker[Session], clock: FakeClock) -> History:
    """Histories start two days before the clock's now."""
    return History(loaded, clock.now - timedelta(days=2))
