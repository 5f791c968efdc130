"""Stand-ins for the app's collaborators that the tests hand to `create_app`."""

from __future__ import annotations

import warnings

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


class CountingSnippets:
    """A stand-in for the sandbox's `run` that `Checker` calls: it runs the snippet in this
    process (test content only, never learners' code) and counts every execution, so tests
    can tell a cached result from a fresh run."""

    def __init__(self) -> None:
        with warnings.catch_warnings():  # torch warns at import about NumPy being absent
            warnings.simplefilter("ignore")
            import torch  # noqa: F401 - once, here: importing it in the checker's threads races

        self.jobs: list[SnippetJob] = []

    @property
    def count(self) -> int:
        return len(self.jobs)

    def __call__(self, job: SnippetJob) -> SnippetResult:
        self.jobs.append(job)
        scope: dict[str, object] = {}
        try:
            exec(compile(job.code, "<snippet>", "exec"), scope)
        except Exception as error:
            return SnippetResult(
                status="error", exception=type(error).__name__, exception_message=str(error)
            )
        shape = None
        if job.shape_of is not None:
            value = eval(job.shape_of, scope)
            shape = [int(dim) for dim in getattr(value, "shape", value)]
        return SnippetResult(status="ok", shape=shape)
