"""Changing one's password: the current one first, then every other session ends."""

from __future__ import annotations

from argon2 import PasswordHasher

from app.domain.clock import Clock
from app.domain.errors import BadCredentials, NotAllowed
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts
from app.services.sign_ins import session_id
from app.services.throttle import LoginThrottle


def change_password(
    units: UnitOfWorkFactory,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    *,
    clock: Clock,
    learner_id: int,
    current_password: str,
    new_password: str,
    client: str,
    keeping: str | None,
) -> None:
    """Set a new password, hashed as at registration, and revoke every session of the
    learner but `keeping` (the token of the session asking).

    The current password is checked as a sign-in is (`accounts.authenticate`, throttled
    the same), so a stolen session cannot guess its way to the password.
    """
    accounts.check_password(new_password)
    learner = accounts.get_learner(units, learner_id)
    try:
        accounts.authenticate(
            units, hasher, throttle,
            username=learner.username, password=current_password, client=client,
        )  # fmt: skip
    except BadCredentials:
        raise NotAllowed("Your current password is not right.") from None
    with units() as uow:
        uow.learners.set_password_hash(learner_id, hasher.hash(new_password))
        kept = session_id(keeping) if keeping is not None else None
        uow.sign_ins.revoke_all(learner_id, clock(), keeping=kept)
        uow.commit()
