"""The login throttle (app.services.throttle.LoginThrottle) against a FakeUnitOfWork:
failures lock an account, and an address, each after its own limit."""

from __future__ import annotations

import pytest

from app.domain.clock import FakeClock
from app.domain.errors import BadCredentials, TooManyRequests
from app.domain.usernames import username_key
from app.persistence.login_throttle import stored_key
from app.services import accounts
from app.services.throttle import Limit, LoginThrottle
from tests.conftest import FAST_HASHER, PASSWORD
from tests.fake_unit_of_work import FakeUnits

PER_ACCOUNT, PER_CLIENT = 3, 5


@pytest.fixture
def units() -> FakeUnits:
    return FakeUnits()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def throttle(clock: FakeClock) -> LoginThrottle:
    return LoginThrottle(clock, per_account=Limit(PER_ACCOUNT), per_client=Limit(PER_CLIENT))


def fail(units: FakeUnits, throttle: LoginThrottle, account: str, client: str) -> None:
    """A wrong password: reserved, then counted as failed."""
    throttle.reserve(units, account, client)
    throttle.failed(units, account, client)


def test_an_account_locks_after_its_limit_of_failures_from_any_address(
    units: FakeUnits, throttle: LoginThrottle, clock: FakeClock
) -> None:
    for i in range(PER_ACCOUNT):
        fail(units, throttle, "ada", f"10.0.0.{i}")
    with pytest.raises(TooManyRequests) as refused:
        throttle.reserve(units, "ada", "10.0.0.99")
    assert refused.value.retry_after == 30  # the first lock
    throttle.reserve(units, "bob", "10.0.0.99")  # another account from there is not locked
    clock.advance(30)
    throttle.reserve(units, "ada", "10.0.0.99")  # the lock is over


def test_an_address_locks_after_its_limit_whatever_the_accounts(
    units: FakeUnits, throttle: LoginThrottle
) -> None:
    for i in range(PER_CLIENT):
        fail(units, throttle, f"user{i}", "10.0.0.1")
    with pytest.raises(TooManyRequests):
        throttle.reserve(units, "someone-new", "10.0.0.1")
    throttle.reserve(units, "someone-new", "10.0.0.2")  # another address is not locked


def test_a_refused_sign_in_counts_against_neither_key(
    units: FakeUnits, throttle: LoginThrottle
) -> None:
    for i in range(PER_ACCOUNT):
        fail(units, throttle, "ada", f"10.0.0.{i}")
    with pytest.raises(TooManyRequests):
        throttle.reserve(units, "ada", "10.0.0.9")
    assert not units.committed  # the address's count went back with the account's refusal
    assert stored_key("client", "10.0.0.9") not in units.db.tables.throttle


def test_each_later_lock_doubles(
    units: FakeUnits, throttle: LoginThrottle, clock: FakeClock
) -> None:
    waits = []
    for lock in range(3):  # from new addresses each time: only the account's count fills
        for i in range(PER_ACCOUNT):
            fail(units, throttle, "ada", f"10.0.{lock}.{i}")
        with pytest.raises(TooManyRequests) as refused:
            throttle.reserve(units, "ada", f"10.0.{lock}.99")
        waits.append(refused.value.retry_after)
        clock.advance(refused.value.retry_after)
    assert waits == [30, 60, 120]


def test_a_right_password_clears_the_account_but_not_the_address(
    units: FakeUnits, throttle: LoginThrottle
) -> None:
    for _ in range(PER_ACCOUNT - 1):
        fail(units, throttle, "ada", "10.0.0.1")
    throttle.reserve(units, "ada", "10.0.0.1")
    throttle.succeeded(units, "ada", "10.0.0.1")
    assert stored_key("account", "ada") not in units.db.tables.throttle
    assert units.db.tables.throttle[stored_key("client", "10.0.0.1")].failures == 2


def test_signing_in_through_accounts_is_refused_once_the_account_is_locked(
    units: FakeUnits, throttle: LoginThrottle
) -> None:
    """The use case as the sign-in form runs it: wrong passwords lock the account, and
    then even the right one waits (the password is not checked at all)."""
    ada = accounts.register(
        units, FAST_HASHER, clock=FakeClock(), username="ada", password=PASSWORD
    )
    for i in range(PER_ACCOUNT):
        with pytest.raises(BadCredentials):
            accounts.authenticate(
                units,
                FAST_HASHER,
                throttle,
                username="ada",
                password="wrong guess",
                client=f"10.0.0.{i}",
            )
    with pytest.raises(TooManyRequests):
        accounts.authenticate(
            units, FAST_HASHER, throttle, username="ADA", password=PASSWORD, client="10.0.0.9"
        )
    locked = units.db.tables.throttle[stored_key("account", username_key(ada.username))]
    assert locked.locks == 1
