"""Starting the sandbox for commands that verify snippets, and what happens without it.

With QUIZ_SANDBOX_URL set, snippets run on those sandbox services (`RemoteSandbox`);
otherwise in a sandbox started in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.cli.output import warn
from app.config import SandboxSettings
from app.domain.clock import system_clock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.sandbox.client import Sandbox
from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import SandboxLimits
from app.sandbox.remote import RemoteSandbox
from app.services.checking import Checker

CHECK_WALL_SECONDS = SandboxLimits.for_check().wall_seconds

AnySandbox = Sandbox | RemoteSandbox


def remote_sandbox(settings: SandboxSettings) -> RemoteSandbox | None:
    """The sandbox services QUIZ_SANDBOX_URL lists; None when it is unset."""
    urls = settings.sandbox_urls
    return RemoteSandbox(urls, settings.sandbox_token) if urls else None


@contextmanager
def started_sandbox(*, allow_unisolated: bool = False) -> Iterator[AnySandbox]:
    """A running sandbox with learner limits (check jobs ask for a longer wall clock)."""
    sandbox: AnySandbox | None = remote_sandbox(SandboxSettings())
    if isinstance(sandbox, RemoteSandbox):
        if not sandbox.healthy():
            sandbox.close()
            raise SandboxUnavailable(f"no sandbox service answers at {', '.join(sandbox.urls)}")
    else:
        sandbox = Sandbox(SandboxLimits(), allow_unisolated=allow_unisolated)
        sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.close()


def checker_for(sandbox: AnySandbox, units: UnitOfWorkFactory | None) -> Checker:
    return Checker(
        sandbox.run,
        units=units,
        clock=system_clock,
        wall_seconds=CHECK_WALL_SECONDS,
        parallel=sandbox.pool_size,
    )


def verifier(sandbox: AnySandbox | None, units: UnitOfWorkFactory | None) -> Checker | None:
    """A checker for load and serve, or None (snippets are not verified) with a warning
    when the sandbox services do not answer now."""
    if sandbox is None:
        return None
    if isinstance(sandbox, RemoteSandbox) and not sandbox.healthy():
        warn(
            f"no sandbox service answers at {', '.join(sandbox.urls)}: snippets are not "
            "verified, and learner code runs once one answers"
        )
        return None
    return checker_for(sandbox, units)


def start_or_warn(settings: SandboxSettings) -> AnySandbox | None:
    """For load and serve: the sandbox services when QUIZ_SANDBOX_URL is set; else one
    started here when the host isolates, otherwise a warning and None."""
    remote = remote_sandbox(settings)
    if remote is not None:
        return remote
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
