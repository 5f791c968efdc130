"""Making admins (`quiz admin create`): a new account as admin, or `--promote` one.

Creating never touches an existing account: a name someone already registered (in any
spelling) is refused, so nobody gains an admin by registering its name first and
nobody's password is replaced. Promoting is a separate, explicit step that keeps the
account's password. New admins follow the registration rules (app.services.accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher

from app.domain.clock import Clock
from app.domain.errors import NotFound
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services import accounts, audit


class AdminChange(StrEnum):
    CREATED = "created"
    PROMOTED = "promoted"
    ALREADY = "already an admin"


@dataclass(frozen=True)
class AdminResult:
    username: str
    change: AdminChange


def create_admin(
    units: UnitOfWorkFactory,
    hasher: PasswordHasher,
    *,
    clock: Clock,
    username: str,
    password: str,
    via: dict[str, Any],
) -> AdminResult:
    """A new account, admin from the start, with this password.

    UsernameTaken when the name has an account (promote that one instead); InvalidInput
    for a name or password registration would refuse. `via` says where the request came
    from (the command line, which OS user), for the audit log.
    """
    with units() as uow:
        learner = accounts.add_account(
            uow.learners,
            hasher,
            username,
            password,
            created_at=clock(),
            is_admin=True,
        )
        _audit(uow, clock, audit.Action.ADMIN_CREATED, learner.username, via)
        uow.commit()
    return AdminResult(learner.username, AdminChange.CREATED)


def promote(
    units: UnitOfWorkFactory, *, clock: Clock, username: str, via: dict[str, Any]
) -> AdminResult:
    """Make an existing account an admin; its password stays as it is."""
    with units() as uow:
        learners = uow.learners
        account = learners.by_name(username)
        if account is None:
            raise NotFound(f"There is no account named {username.strip()!r} to promote.")
        if account.is_admin:
            return AdminResult(account.username, AdminChange.ALREADY)
        learners.make_admin(account.id)
        _audit(uow, clock, audit.Action.ADMIN_PROMOTED, account.username, via)
        uow.commit()
    return AdminResult(account.username, AdminChange.PROMOTED)


def _audit(
    uow: UnitOfWork, clock: Clock, action: audit.Action, target: str, via: dict[str, Any]
) -> None:
    audit.record(uow, at=clock(), actor_id=None, action=action, target=target, detail=via)


def account_name(units: UnitOfWorkFactory, username: str) -> str | None:
    """The name of the account any spelling of `username` means, if there is one."""
    with units() as uow:
        account = uow.learners.by_name(username)
        return account.username if account is not None else None
