"""Learner accounts: register, sign in (argon2 hashes, throttled), look up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.domain.errors import BadCredentials, InvalidInput, NotFound, UsernameTaken
from app.persistence.learners import Account, LearnerRepository
from app.persistence.unit_of_work import UnitOfWork
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


def _validate(username: str, password: str) -> str:
    name = username.strip()
    if not _USERNAME.match(name):
        raise InvalidInput("A username has 3 to 32 letters, digits, dots, dashes or underscores.")
    check_password(password)
    return name


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD} characters.")


def register(
    sessions: sessionmaker[Session],
    hasher: PasswordHasher,
    *,
    clock: Clock,
    username: str,
    password: str,
) -> Learner:
    name = _validate(username, password)
    with UnitOfWork(sessions) as uow:
        learners = LearnerRepository(uow.session)
        if learners.by_name(name) is not None:
            raise UsernameTaken(f"The username {name!r} is taken; pick another.")
        account = learners.add(name, hasher.hash(password), created_at=clock())
        uow.commit()
        return _learner(account)


def authenticate(
    sessions: sessionmaker[Session],
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    *,
    username: str,
    password: str,
    client: str,
) -> Learner:
    throttle.check(username, client)
    with UnitOfWork(sessions) as uow:
        learners = LearnerRepository(uow.session)
        account = learners.by_name(username)
        if account is None or not _verify(hasher, account.password_hash, password):
            throttle.failed(username, client)
            raise BadCredentials("That username and password do not match.")
        throttle.succeeded(username)
        if hasher.check_needs_rehash(account.password_hash):
            learners.set_password_hash(account.id, hasher.hash(password))
            uow.commit()
        return _learner(account)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this when the user does not exist keeps response times alike.
    return PasswordHasher().hash("not-a-real-password")


def _verify(hasher: PasswordHasher, stored: str | None, password: str) -> bool:
    try:
        return hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def get_learner(sessions: sessionmaker[Session], learner_id: int) -> Learner:
    with UnitOfWork(sessions) as uow:
        account = LearnerRepository(uow.session).get(learner_id)
        if account is None:
            raise NotFound("That account no longer exists.")
        return _learner(account)
