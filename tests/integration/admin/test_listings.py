"""The filters of admin listings: learners by part of a username, audit entries by action."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import admin_learners, audit
from tests.integration.admin.history import History


def test_learners_match_part_of_a_username_in_any_case(history: History) -> None:
    for name in ("Ann", "joanna", "bob", "an_x", "anyx"):
        history.learner(name)
    found = admin_learners.list_learners(history.units, search=" AN ", per_page=2)
    assert [line.username for line in found.items] == ["an_x", "Ann"]
    assert (found.total, found.pages) == (4, 2)
    # "_" is a wildcard in LIKE; a search means it literally.
    only = admin_learners.list_learners(history.units, search="n_")
    assert [line.username for line in only.items] == ["an_x"]


def test_audit_entries_of_one_action(
    units: UnitOfWorkFactory, history: History, loaded: sessionmaker[Session], clock: FakeClock
) -> None:
    root = history.learner("root", admin=True)
    with units() as uow:
        audit.record(uow, at=clock(), actor_id=root, action=audit.Action.AWARDS_EXPORTED)
        audit.record(uow, at=clock(), actor_id=None, action=audit.Action.PASSWORD_SET)
        uow.commit()
    (entry,) = audit.entries(units, action="awards.exported").items
    assert (entry.actor, entry.action, entry.detail) == ("root", "awards.exported", {})
    assert audit.entries(units).total == 2
