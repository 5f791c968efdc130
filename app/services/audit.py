"""The audit log: who did what to whom, and when, for every admin action.

`record` writes inside the caller's transaction, so an action and its entry commit
together or not at all. An entry without an actor came from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.persistence.audit_log import LoggedAction
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.paging import Page

COMMAND_LINE = "command line"
UPGRADE = "upgrade"  # a database migration (alembic/versions)


class Action(StrEnum):
    ADMIN_CREATED = "admin.created"
    ADMIN_PROMOTED = "admin.promoted"
    PASSWORD_SET = "admin.password_set"  # noqa: S105 - an action's name, not a secret
    TIME_MULTIPLIER_SET = "learner.time_multiplier_set"
    AWARDS_EXPORTED = "awards.exported"
    CONTENT_RELOADED = "content.reloaded"
    # Written by migration 7a7071e11a02 for an account whose name differed from an
    # older one's only in case: tell its owner the new sign-in name.
    ACCOUNT_RENAMED = "account.renamed"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Action.ADMIN_CREATED: "created an admin",
    Action.ADMIN_PROMOTED: "made an admin",
    Action.PASSWORD_SET: "set the password of",
    Action.TIME_MULTIPLIER_SET: "set the time multiplier of",
    Action.AWARDS_EXPORTED: "exported",
    Action.CONTENT_RELOADED: "reloaded",
    Action.ACCOUNT_RENAMED: "renamed (its name was taken in another case)",
}


@dataclass(frozen=True)
class AuditEntry(LoggedAction):
    """An entry as admins read it: who did it, and the action in words."""

    @property
    def who(self) -> str:
        if self.actor is not None:
            return self.actor
        if self.detail.get("via") == COMMAND_LINE:
            user = self.detail.get("os_user")
            return f"command line ({user})" if user else "command line"
        if self.detail.get("via") == UPGRADE:
            return "the database upgrade"
        return "a deleted account"

    @property
    def label(self) -> str:
        try:
            return Action(self.action).label
        except ValueError:
            return self.action


AuditPage = Page[AuditEntry]


def record(
    uow: UnitOfWork,
    *,
    at: datetime,
    actor_id: int | None,
    action: Action,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    uow.audit_log.add(at=at, actor_id=actor_id, action=action.value, target=target, detail=detail)


def entries(
    units: UnitOfWorkFactory,
    *,
    page: int = 1,
    per_page: int = 50,
    action: str | None = None,
) -> AuditPage:
    """Newest first."""
    page, per_page = max(page, 1), min(max(per_page, 1), 500)
    with units() as uow:
        found, total = uow.audit_log.newest_first(
            action=action, limit=per_page, offset=(page - 1) * per_page
        )
    return AuditPage(tuple(AuditEntry(**vars(logged)) for logged in found), total, page, per_page)
