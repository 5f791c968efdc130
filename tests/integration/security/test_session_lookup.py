"""The session check on every signed-in request is one primary-key lookup."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from app.domain.clock import FakeClock
from app.persistence import sign_ins
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import sign_ins as sessions_service


def test_the_lookup_searches_the_primary_key(engine: Engine, database_engine: str) -> None:
    sql = str(sign_ins._LEARNER.statement.compile(engine))
    with engine.connect() as conn:
        if database_engine == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, ("x", "2026-01-01")).all()
            details = [str(row[-1]) for row in plan]
            assert len(details) == 1, details
            assert details[0].startswith(
                "SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 (id=?)"
            )
        else:  # an empty table is scanned whatever its indexes: ask what it would use
            conn.exec_driver_sql("SET enable_seqscan = off")
            params = {"session_id": "x", "now": datetime(2026, 1, 1)}
            plan = conn.exec_driver_sql("EXPLAIN " + sql, params).scalars().all()
            assert len(plan) == 3, plan  # the scan, its index condition, its filter
            assert plan[0].startswith("Index Scan using pk_sessions on sessions"), plan
            assert plan[1].strip().startswith("Index Cond: ((id)::text = "), plan


def test_sessions_are_stored_by_hash_and_forgotten_once_ended(
    units: UnitOfWorkFactory, clock: FakeClock
) -> None:
    with units() as uow:
        ada = uow.learners.add("ada", "x", clock()).id
        uow.commit()
    ended = sessions_service.start(units, clock=clock, learner_id=ada, replacing=None)
    live = sessions_service.start(units, clock=clock, learner_id=ada, replacing=ended)
    with units() as uow:
        stored = set(uow.session.execute(text("SELECT id FROM sessions")).scalars())
    assert ended not in stored
    assert live not in stored  # only hashes: the table alone signs nobody in
    assert sessions_service.session_id(live) in stored
    clock.advance(timedelta(days=15).total_seconds())
    assert sessions_service.learner_of(units, clock=clock, token=live) is None
    sessions_service.start(units, clock=clock, learner_id=ada, replacing=None)
    with units() as uow:
        count = uow.session.execute(text("SELECT count(*) FROM sessions")).scalar_one()
    assert count == 1  # the revoked and the expired ones went at the next sign-in
