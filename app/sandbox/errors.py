"""What can go wrong with the sandbox itself, as opposed to with a snippet."""

from __future__ import annotations


class SandboxError(Exception):
    """The sandbox could not run a job; the message says why, for the user."""


class SandboxUnavailable(SandboxError):
    """Full isolation is missing (or the sandbox died): learner code must not run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SandboxBusy(SandboxError):
    """Every slot is running and the waiting line is full; try again shortly."""
