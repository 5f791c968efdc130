"""The playground: run a learner's snippet in the sandbox ("Run it", POST /api/playground/run).

The app is handed its sandbox (`create_app(sandbox=...)`); without one, or when the
sandbox reports itself unavailable, the playground answers 503 and nothing runs.
"""

from __future__ import annotations

from typing import Any, Protocol

from app.domain.errors import InvalidInput, TooManyRequests, Unavailable
from app.sandbox.client import SnippetRejected
from app.sandbox.errors import SandboxBusy, SandboxError
from app.sandbox.protocol import SnippetJob, SnippetResult
from app.services.throttle import TokenBucket

MAX_CODE = 20_000


class SnippetRunner(Protocol):
    """What the playground needs of `app.sandbox.client.Sandbox`."""

    async def run_async(self, job: SnippetJob) -> SnippetResult: ...


async def run_snippet(
    runner: SnippetRunner | None, limiter: TokenBucket, *, learner_id: int, code: str
) -> dict[str, Any]:
    """The outcome as `quiz run-snippet --json` prints it, plus the tensors' shapes."""
    if not code.strip():
        raise InvalidInput("There is no code to run.")
    if runner is None:
        raise Unavailable("The code runner is not available on this server.")
    limiter.take(f"learner:{learner_id}")
    return await execute(runner, code)


async def execute(runner: SnippetRunner, code: str) -> dict[str, Any]:
    """Run without a rate limit (admins previewing their own content use this too)."""
    try:
        result = await runner.run_async(SnippetJob(code=code, collect_shapes=True))
    except SnippetRejected as error:
        raise InvalidInput(str(error)) from error
    except SandboxBusy as error:
        raise TooManyRequests(str(error), retry_after=2) from error
    except SandboxError as error:
        raise Unavailable(f"The code runner is not available: {error}") from error
    return result.to_dict()
