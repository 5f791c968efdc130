"""Learner accounts: register, sign in (argon2 hashes, throttled), look up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.domain.clock import Clock
from app.domain.errors import BadCredentials, InvalidInput, NotFound, UsernameTaken
from app.domain.usernames import username_key
from app.persistence.learners import Account, LearnerRepository
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.throttle import LoginThrottle

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


@dataclass(frozen=True)
class Learner:
    id: int
    username: str
    is_admin: bool
    time_multiplier: float


def _learner(account: Account) -> Learner:
    return Learner(account.id, account.username, account.is_admin, account.time_multiplier)


def check_username(username: str) -> str:
    """The name a new account would be stored under, or InvalidInput."""
    name = username.strip()
    if not _USERNAME.match(name):
        raise InvalidInput("A username has 3 to 32 letters, digits, dots, dashes or underscores.")
    return name


def _validate(username: str, password: str) -> str:
    name = check_username(username)
    check_password(password)
    return name


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD} characters.")
    if not password.strip():
        raise InvalidInput("A password of only spaces is too easy to guess; type a real one.")


def _name_taken(name: str) -> UsernameTaken:
    return UsernameTaken(f"That name is taken: {name!r} (in any mix of cases). Pick another.")


def register(
    units: UnitOfWorkFactory,
    hasher: PasswordHasher,
    *,
    clock: Clock,
    username: str,
    password: str,
) -> Learner:
    with units() as uow:
        learner = add_account(uow.learners, hasher, username, password, created_at=clock())
        uow.commit()
        return learner


def add_account(
    learners: LearnerRepository,
    hasher: PasswordHasher,
    username: str,
    password: str,
    *,
    created_at: datetime,
    is_admin: bool = False,
) -> Learner:
    """A new account in the caller's transaction (registration, `quiz admin create`).

    UsernameTaken when any spelling of the name has an account, even one registered
    a moment ago: the unique index on the username key decides.
    """
    name = _validate(username, password)
    if learners.by_name(name) is not None:  # early, before paying for the hash
        raise _name_taken(name)
    account = learners.add(name, hasher.hash(password), created_at, is_admin=is_admin)
    if account is None:  # registered meanwhile, in this spelling or another
        raise _name_taken(name)
    return _learner(account)


def authenticate(
    units: UnitOfWorkFactory,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    *,
    username: str,
    password: str,
    client: str,
) -> Learner:
    key = username_key(username)
    throttle.reserve(units, key, client)  # counted before the password is checked
    with units() as uow:
        learners = uow.learners
        account = learners.by_name(username)
        stored = account.password_hash if account is not None else None
        if not _verify(hasher, stored, password) or account is None:
            throttle.failed(units, key, client)
            raise BadCredentials("That username and password do not match.")
        throttle.succeeded(units, key, client)
        if hasher.check_needs_rehash(account.password_hash):
            learners.set_password_hash(account.id, hasher.hash(password))
            uow.commit()
        return _learner(account)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    # Verified against when the user does not exist: an unknown name costs what a known
    # one does, so the time taken does not tell which names have accounts.
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash("not-a-real-password")


def _verify(hasher: PasswordHasher, stored: str | None, password: str) -> bool:
    """Always one verification, against the stored hash or the dummy one."""
    target = stored or _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    try:
        return hasher.verify(target, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def get_learner(units: UnitOfWorkFactory, learner_id: int) -> Learner:
    with units() as uow:
        account = uow.learners.get(learner_id)
        if account is None:
            raise NotFound("That account no longer exists.")
        return _learner(account)
