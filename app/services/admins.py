"""Making admins (`quiz admin create`): create an account as admin, or promote one.

Accounts are made by `accounts.register`, so an admin's username and password follow
the same rules and the same hashing as a learner's. Running it twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import Clock
from app.domain.errors import InvalidInput, UsernameTaken
from app.persistence.learners import LearnerRepository
from app.persistence.unit_of_work import UnitOfWork
from app.services import accounts, audit


class AdminChange(StrEnum):
    CREATED = "created"
    PROMOTED = "promoted"
    ALREADY = "already an admin"


@dataclass(frozen=True)
class AdminResult:
    username: str
    change: AdminChange
    password_set: bool


def ensure_admin(
    sessions: sessionmaker[Session],
    hasher: PasswordHasher,
    *,
    clock: Clock,
    username: str,
    password: str | None,
    via: dict[str, Any],
) -> AdminResult:
    """Create `username` as an admin, or promote it; a given password replaces the old one.

    `via` says where the request came from (the command line, which OS user), for the
    audit log. A new account needs a password.
    """
    existing = find_user(sessions, username)
    if existing is None:
        if password is None:
            raise InvalidInput(f"{username!r} does not exist yet; give it a password.")
        try:
            learner = accounts.register(
                sessions, hasher, clock=clock, username=username, password=password
            )
        except UsernameTaken:  # registered meanwhile: promote it instead
            return ensure_admin(
                sessions, hasher, clock=clock, username=username, password=password, via=via
            )
        return _promote(sessions, hasher, clock, learner.id, None, via, created=True)
    return _promote(sessions, hasher, clock, existing, password, via, created=False)


def find_user(sessions: sessionmaker[Session], username: str) -> int | None:
    with UnitOfWork(sessions) as uow:
        return LearnerRepository(uow.session).id_by_name(username)


def _promote(
    sessions: sessionmaker[Session],
    hasher: PasswordHasher,
    clock: Clock,
    user_id: int,
    password: str | None,
    via: dict[str, Any],
    *,
    created: bool,
) -> AdminResult:
    if password is not None and not (
        accounts.MIN_PASSWORD <= len(password) <= accounts.MAX_PASSWORD
    ):
        raise InvalidInput(f"A password has at least {accounts.MIN_PASSWORD} characters.")
    with UnitOfWork(sessions) as uow:
        learners = LearnerRepository(uow.session)
        account = learners.get_one(user_id)
        change = AdminChange.CREATED if created else AdminChange.PROMOTED
        if account.is_admin and not created:
            change = AdminChange.ALREADY
        learners.make_admin(user_id)
        now = clock()
        if change is not AdminChange.ALREADY:
            action = audit.Action.ADMIN_CREATED if created else audit.Action.ADMIN_PROMOTED
            audit.record(
                uow.session,
                at=now,
                actor_id=None,
                action=action,
                target=account.username,
                detail=via,
            )
        if password is not None:
            learners.set_password_hash(user_id, hasher.hash(password))
            audit.record(
                uow.session,
                at=now,
                actor_id=None,
                action=audit.Action.PASSWORD_SET,
                target=account.username,
                detail=via,
            )
        uow.commit()
        return AdminResult(account.username, change, created or password is not None)
