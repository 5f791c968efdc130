"""Errors a learner can cause: values with a message, shown plainly (never a traceback).

The web layer maps each class to an HTTP status and a friendly page; nothing here
knows about HTTP.
"""

from __future__ import annotations

from datetime import datetime


class UserError(Exception):
    """Base class: `message` is written for the learner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """The thing does not exist, or belongs to someone else (we do not say which)."""


class NotSignedIn(UserError):
    pass


class NotAllowed(UserError):
    pass


class BadCredentials(UserError):
    pass


class UsernameTaken(UserError):
    pass


class InvalidInput(UserError):
    """A form or body that cannot be used as given (e.g. a too short password)."""


class TooManyRequests(UserError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AnswerNotUnderstood(UserError):
    """The answer could not be read (e.g. "(3, 4" for a shape); it costs no attempt."""


class ProblemOver(UserError):
    """The problem already ended (answered right or out of attempts)."""


class OutOfAttempts(ProblemOver):
    pass


class ProblemNotOver(UserError):
    """Something that waits for the end of a problem (running its code) came too soon."""


class TimeUp(UserError):
    """The answer arrived after the deadline plus the grace period."""


class Unavailable(UserError):
    """A dependency (e.g. the sandbox) is not there right now."""


class Busy(Unavailable):
    """More of something costly at once than the server takes (a crowd signing in):
    nothing was done; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RunOpen(UserError):
    """A set was started while the learner's run of it is still open."""

    def __init__(self, message: str, run_id: str | None) -> None:
        super().__init__(message)
        self.run_id = run_id


class RetakeTooSoon(TooManyRequests):
    """A set was started again before its `retake_after` had passed since the last run."""

    def __init__(self, message: str, retry_after: int, opens_at: datetime) -> None:
        super().__init__(message, retry_after)
        self.opens_at = opens_at
