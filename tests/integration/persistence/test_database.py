"""Where `Database` runs a service: on the loop, in a thread, or aside for a long one."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import text

from app.persistence.database import Database
from app.persistence.unit_of_work import UnitOfWorkFactory


def where_it_ran(units: UnitOfWorkFactory) -> int:
    """A service that reads, and says which thread it ran on."""
    with units() as uow:
        uow.connection.execute(text("SELECT 1"))
    return threading.get_ident()


def threads(database: Database) -> tuple[int, int, int]:
    async def scenario() -> tuple[int, int, int]:
        loop_thread = threading.get_ident()
        called = await database.call(where_it_ran)
        aside = await database.call_aside(where_it_ran)
        return loop_thread, called, aside

    return asyncio.run(scenario())


def test_a_long_service_runs_aside_from_the_loop_on_every_engine(database: Database) -> None:
    loop_thread, called, aside = threads(database)
    assert aside != loop_thread  # an admin report never holds up the learners' requests
    if database.engine_name == "sqlite":
        assert called == loop_thread  # inline: the commit group's turn
    else:
        assert called != loop_thread  # a networked database: the thread pool
