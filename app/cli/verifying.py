"""Starting the sandbox for commands that verify snippets, and what happens without it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.cli.output import warn
from app.domain.clock import system_clock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.sandbox.client import Sandbox
from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import SandboxLimits
from app.services.checking import Checker

CHECK_WALL_SECONDS = SandboxLimits.for_check().wall_seconds


@contextmanager
def started_sandbox(*, allow_unisolated: bool = False) -> Iterator[Sandbox]:
    """A running sandbox with learner limits (check jobs ask for a longer wall clock)."""
    sandbox = Sandbox(SandboxLimits(), allow_unisolated=allow_unisolated)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.close()


def checker_for(sandbox: Sandbox, units: UnitOfWorkFactory | None) -> Checker:
    return Checker(
        sandbox.run,
        units=units,
        clock=system_clock,
        wall_seconds=CHECK_WALL_SECONDS,
        parallel=sandbox.pool_size,
    )


def start_or_warn() -> Sandbox | None:
    """For load and serve: verify when the host isolates; otherwise say so and go on."""
    sandbox = Sandbox(SandboxLimits())
    try:
        sandbox.start()
    except SandboxUnavailable as error:
        warn(
            f"sandbox unavailable ({error.reason}): snippets are not verified and learner "
            "code will not run; `quiz doctor` says what the host lacks"
        )
        return None
    return sandbox
