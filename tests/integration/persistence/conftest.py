"""An engine on a fresh SQLite file with one table of numbered things."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from app.persistence.engine import make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'things.db'}")
    event.listen(engine, "connect", _wait_briefly_for_locks)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY)"))
    yield engine
    engine.dispose()


def _wait_briefly_for_locks(dbapi_connection: Any, _record: Any) -> None:
    """A test that would wait on a lock fails in a second instead of after 30."""
    dbapi_connection.execute("PRAGMA busy_timeout=1000")


def things(engine: Engine) -> list[int]:
    """The committed things, read on a connection of their own."""
    with engine.connect() as conn:
        return [int(n) for n in conn.execute(text("SELECT id FROM things ORDER BY id")).scalars()]
