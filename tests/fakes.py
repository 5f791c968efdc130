"""Stand-ins for the app's collaborators that the tests hand to `create_app`."""

from __future__ import annotations

from app.sandbox.protocol import SnippetJob, SnippetResult

# What the test challenge's shape snippet does (tests.builders.shape_problem).
SHAPE_RUN = SnippetResult(
    status="ok", stdout="torch.Size([2, 3, 5])\n", duration_ms=4.2, tensors={"output": [2, 3, 5]}
)


class FakeRunner:
    """The sandbox as the playground sees it (`run_async`): records each job and answers
    with `result`, or raises `error` (e.g. SandboxUnavailable) without running anything."""

    def __init__(
        self, result: SnippetResult = SHAPE_RUN, *, error: Exception | None = None
    ) -> None:
        self.result = result
        self.error = error
        self.jobs: list[SnippetJob] = []

    async def run_async(self, job: SnippetJob) -> SnippetResult:
        if self.error is not None:
            raise self.error
        self.jobs.append(job)
        return self.result

    @property
    def codes(self) -> list[str]:
        return [job.code for job in self.jobs]
