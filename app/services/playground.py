"""The playground: run a learner's snippet in the sandbox (POST /api/playground/run), and
"Run it" on a problem page once the problem is over.

The app is handed its sandbox (`create_app(sandbox=...)`, a `SnippetRunner`) and keeps
one `Playground` around it (a dependency of the routes); without one, or when the
sandbox reports itself unavailable, the playground answers 503 and nothing runs. Both
ways in share one rate limit per learner and one share of the sandbox per learner
(`app.services.sandbox_share`: a few snippets at once); the sandbox's own queue is the
global cap.
"""

from __future__ import annotations

from typing import Any, Protocol

from app.domain.clock import Clock
from app.domain.errors import InvalidInput, TooManyRequests, Unavailable
from app.persistence.database import Database
from app.sandbox.client import SnippetRejected
from app.sandbox.errors import SandboxBusy, SandboxError
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.services import problems
from app.services.sandbox_share import SandboxShare, hold_until_done
from app.services.throttle import TokenBucket

MAX_CODE = 20_000
UNAVAILABLE = "The code runner is not available on this server"
NO_SANDBOX = f"{UNAVAILABLE}: it was started without a sandbox."
BUSY_RETRY_SECONDS = 2


class SnippetRunner(Protocol):
    """What the app needs of a sandbox (`app.sandbox.client.Sandbox`, or a client of a
    remote one): run a job, without blocking the event loop."""

    async def run_async(self, job: SnippetJob) -> SnippetResult: ...


class Playground:
    """The app's playground: its sandbox (None: started without one), the rate limit and
    each learner's share of the sandbox, and the database its checks read."""

    def __init__(
        self,
        runner: SnippetRunner | None,
        limiter: TokenBucket,
        share: SandboxShare,
        database: Database,
        clock: Clock,
    ) -> None:
        self.runner = runner
        self.share = share
        self._limiter = limiter
        self._database = database
        self._clock = clock

    @property
    def unavailable(self) -> str | None:
        """Why nothing can run here, for the page; None when a sandbox is there."""
        return NO_SANDBOX if self.runner is None else None

    async def run_snippet(self, learner_id: int, code: str) -> dict[str, Any]:
        """The outcome as `quiz run-snippet --json` prints it, plus the tensors' shapes.

        Not while the learner has an unfinished problem (ProblemNotOver): any code could
        compute its answer. Refused, nothing runs or counts against the rate limit.
        """
        await self._database.call(problems.ensure_playground_free, self._clock, learner_id)
        return (await self._run_limited(learner_id, code)).to_dict()

    async def run_problem_code(
        self, learner_id: int, *, run_id: str, number: int, code: str
    ) -> SnippetResult:
        """Run `code` (a problem's snippet, or the learner's edit of it) from its page.

        Only once the problem is over, and while the learner has an unfinished problem
        only its own code (`problems.ensure_runnable`): else ProblemNotOver, and nothing
        runs or counts against the rate limit.
        """
        await self._database.call(
            problems.ensure_runnable,
            self._clock, learner_id, run_id=run_id, number=number, code=code,
        )  # fmt: skip
        return await self._run_limited(learner_id, code)

    async def _run_limited(self, learner_id: int, code: str) -> SnippetResult:
        if not code.strip():
            raise InvalidInput("There is no code to run.")
        if self.runner is None:
            raise Unavailable(NO_SANDBOX)
        # The share first: a run refused for it costs no token. Both are in the database.
        claim = await self._database.offload(self.share.claim, learner_id)
        try:
            await self._database.offload(_take_token, self._limiter, learner_id)
        except BaseException:
            await self._database.offload(claim.release)
            raise
        return await hold_until_done(
            claim, _execute(self.runner, code), offload=self._database.offload
        )


async def execute(runner: SnippetRunner, code: str) -> dict[str, Any]:
    """Run without a rate limit (admins previewing their own content use this too)."""
    return (await _execute(runner, code)).to_dict()


def _take_token(limiter: TokenBucket, learner_id: int) -> None:
    try:
        limiter.take(f"learner:{learner_id}")
    except TooManyRequests as error:
        wait = error.retry_after
        raise TooManyRequests(f"Too many runs — try again in {wait} s.", wait) from None


async def _execute(runner: SnippetRunner, code: str) -> SnippetResult:
    try:
        return await runner.run_async(SnippetJob(code=code, collect_shapes=True))
    except SnippetRejected as error:
        raise InvalidInput(str(error)) from error
    except SandboxBusy as error:
        wait = BUSY_RETRY_SECONDS
        message = f"Too many runs on this server right now — try again in {wait} s."
        raise TooManyRequests(message, retry_after=wait) from error
    except SandboxError as error:
        raise Unavailable(f"{UNAVAILABLE}: {error}") from error
