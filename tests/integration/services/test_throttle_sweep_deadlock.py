"""Review finding (PostgreSQL): the login throttle's sweep of idle keys (`forget_idle`,
in `failed`) deletes rows that a concurrent `reserve` has locked, while that reserve
waits for the client key the sweeping sign-in holds: a deadlock, and one sign-in fails
with an error. Learners behind one address (a campus NAT) share the client key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from app.domain.clock import FakeClock
from app.persistence.login_throttle import stored_key
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.throttle import QUIET, LoginThrottle
from tests.integration.services.conftest import blocked_on_a_lock

CAMPUS = "192.0.2.7"


def test_a_sweep_and_a_sign_in_from_the_same_address_do_not_deadlock(
    database_engine: str,
    units: UnitOfWorkFactory,
    other_process: UnitOfWorkFactory,
    loaded,
    clock: FakeClock,
) -> None:
    if database_engine != "postgresql":
        pytest.skip("SQLite has one writer")
    throttle = LoginThrottle(clock)
    throttle.reserve(units, "kim", CAMPUS)  # kim's key, then two days of quiet
    clock.advance(timedelta(days=2).total_seconds())
    throttle.reserve(units, "ann", CAMPUS)  # ann signs in now: the address is busy again
    now = clock()
    with other_process() as failing, ThreadPoolExecutor(1) as pool:
        # ann's password was wrong: `failed` takes ann's key and the address ...
        failing.login_throttle.touch(stored_key("account", "ann"), now)
        failing.login_throttle.touch(stored_key("client", CAMPUS), now)
        # ... while kim signs in from the same address: kim's key, then the address.
        kim = pool.submit(throttle.reserve, units, "kim", CAMPUS)
        while not blocked_on_a_lock(units):  # synchronisation only
            assert not kim.done(), kim.exception()
        failing.login_throttle.forget_idle(now - QUIET)  # ... and sweeps idle keys
        failing.commit()
    kim.result(timeout=30)
