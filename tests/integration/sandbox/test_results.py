"""What ordinary snippets give back: output, exceptions, shapes, meta, reproducibility."""

from __future__ import annotations

import asyncio

import pytest

from app.sandbox.client import Sandbox, SandboxBusy, SnippetRejected
from app.sandbox.protocol import SnippetJob

pytestmark = pytest.mark.sandbox

GRU = """\
import torch
import torch.nn as nn
gru = nn.GRU(input_size=4, hidden_size=5, batch_first=True)
x = torch.randn(2, 3, 4)
output, h = gru(x)
print(output.shape)
"""


def test_a_clean_run(sandbox: Sandbox) -> None:
    result = sandbox.run(SnippetJob(GRU, shape_of="output", collect_shapes=True))
    assert result.status == "ok"
    assert result.stdout == "torch.Size([2, 3, 5])\n"
    assert result.stderr == ""
    assert (result.exception, result.exception_message) == (None, None)
    assert result.shape == [2, 3, 5]
    assert result.shape_error is None
    assert result.tensors == {"x": [2, 3, 4], "output": [2, 3, 5], "h": [1, 2, 5]}
    assert result.duration_ms > 0


def test_an_exception_is_reported_with_a_traceback_of_the_snippet_only(sandbox: Sandbox) -> None:
    result = sandbox.run(
        SnippetJob("import torch\nprint('before')\ntorch.ones(3, 4) @ torch.ones(5, 2)")
    )
    assert result.status == "error"
    assert result.stdout == "before\n"
    assert result.exception == "RuntimeError"
    assert "mat1 and mat2 shapes cannot be multiplied" in (result.exception_message or "")
    assert 'File "<snippet>", line 3' in result.stderr
    assert "torch.ones(3, 4) @ torch.ones(5, 2)" in result.stderr
    assert "app/sandbox" not in result.stderr


def test_a_syntax_error_is_an_error_too(sandbox: Sandbox) -> None:
    result = sandbox.run(SnippetJob("def f(:\n    pass"))
    assert (result.status, result.exception) == ("error", "SyntaxError")


@pytest.mark.parametrize(
    ("code", "status", "exception"),
    [
        ("import sys\nsys.exit()", "ok", None),
        ("raise SystemExit(0)", "ok", None),
        ("import sys\nsys.exit(3)", "error", "SystemExit"),
        ("input()", "error", "EOFError"),
        ("x = bytearray(10**10)", "memory", "MemoryError"),
    ],
)
def test_exits_stdin_and_allocation_failures(
    sandbox: Sandbox, code: str, status: str, exception: str | None
) -> None:
    result = sandbox.run(SnippetJob(code))
    assert (result.status, result.exception) == (status, exception)


def test_runs_are_reproducible(sandbox: Sandbox) -> None:
    job = SnippetJob("import torch, random\nprint(torch.randn(3).tolist(), random.random())")
    first, second = sandbox.run(job), sandbox.run(job)
    assert first.status == "ok"
    assert first.stdout == second.stdout


@pytest.mark.parametrize(
    ("shape_of", "shape", "error"),
    [
        ("x", [8, 3], None),
        ("x.shape", [8, 3], None),
        ("tuple(x.shape)", [8, 3], None),
        ("x.sum()", [], None),
        ("'(8, 3)'", None, "'(8, 3)' is a str, not a tensor or a shape"),
        ("y", None, "y raised NameError: name 'y' is not defined"),
    ],
)
def test_shape_of(
    sandbox: Sandbox, shape_of: str, shape: list[int] | None, error: str | None
) -> None:
    result = sandbox.run(SnippetJob("import torch\nx = torch.zeros(8, 3)", shape_of=shape_of))
    assert result.status == "ok"
    assert (result.shape, result.shape_error) == (shape, error)


def test_shape_of_is_not_evaluated_after_an_exception(sandbox: Sandbox) -> None:
    result = sandbox.run(SnippetJob("x = 1\nraise ValueError('no')", shape_of="x"))
    assert result.shape is None
    assert result.shape_error == "not evaluated: the snippet raised ValueError"


# A job's first meta operation takes ~0.8 s of CPU (docs/sandbox.md): on a loaded machine
# 3 s of wall clock was not always enough, and the CPU limit still bounds it.
META_WALL = 20.0


def test_huge_shapes_run_on_the_meta_device(sandbox: Sandbox) -> None:
    # 3e10 floats: 120 GB that could never be allocated for real.
    code = GRU.replace("input_size=4", "input_size=100_000").replace(
        "torch.randn(2, 3, 4)", "torch.randn(100_000, 3, 100_000)"
    )
    real = sandbox.run(SnippetJob(code, shape_of="output"))
    assert real.status == "memory"
    meta = sandbox.run(SnippetJob(code, shape_of="output", device="meta", wall_seconds=META_WALL))
    assert meta.status == "ok", meta.stderr
    assert meta.shape == [100_000, 3, 5]
    assert meta.meta_unsupported is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("x = torch.randn(3)\nprint(x.sum().item())", "reads a tensor's value"),
        ("x = torch.randn(3)\nif x.sum() > 0:\n    pass", "reads a tensor's value"),
        ("x = torch.randn(3)\nprint(x)", "prints tensor values"),
    ],
)
def test_code_that_cannot_run_on_meta_says_why(sandbox: Sandbox, code: str, reason: str) -> None:
    result = sandbox.run(SnippetJob("import torch\n" + code, device="meta", wall_seconds=META_WALL))
    assert result.meta_unsupported is not None
    assert reason in result.meta_unsupported


def test_a_real_shape_error_on_meta_is_still_an_error(sandbox: Sandbox) -> None:
    result = sandbox.run(
        SnippetJob(
            "import torch\ntorch.ones(3, 4) @ torch.ones(5, 2)",
            device="meta",
            wall_seconds=META_WALL,
        )
    )
    assert (result.status, result.exception) == ("error", "RuntimeError")
    assert result.meta_unsupported is None


def test_execution_is_real_by_default(sandbox: Sandbox) -> None:
    result = sandbox.run(SnippetJob("import torch\nprint(torch.ones(2).sum().item())"))
    assert result.stdout == "2.0\n"


def test_output_is_capped_at_64_kib(sandbox: Sandbox) -> None:
    exact = sandbox.run(SnippetJob("import sys\nsys.stdout.write('x' * 65536)"))
    assert (len(exact.stdout), exact.stdout_truncated) == (65536, False)
    over = sandbox.run(SnippetJob("import sys\nsys.stderr.write('x' * 65537)"))
    assert (len(over.stderr), over.stderr_truncated) == (65536, True)


def test_jobs_that_cannot_run_are_refused_before_anything_runs(sandbox: Sandbox) -> None:
    with pytest.raises(SnippetRejected, match="limit is 65536"):
        sandbox.run(SnippetJob("#" * (64 * 1024 + 1)))
    with pytest.raises(SnippetRejected, match="unknown device"):
        sandbox.run(SnippetJob("pass", device="cuda"))


def test_run_async_serves_the_event_loop(sandbox: Sandbox) -> None:
    async def main() -> list[str]:
        jobs = [SnippetJob(f"print({n})") for n in range(4)]
        results = await asyncio.gather(*(sandbox.run_async(job) for job in jobs))
        return [r.stdout for r in results]

    assert asyncio.run(main()) == ["0\n", "1\n", "2\n", "3\n"]


def test_run_async_refuses_when_the_queue_is_full(sandbox: Sandbox) -> None:
    slow = SnippetJob("import time\ntime.sleep(0.5)")
    capacity = sandbox.pool_size + sandbox.queue_size

    async def main() -> None:
        running = [asyncio.ensure_future(sandbox.run_async(slow)) for _ in range(capacity)]
        await asyncio.sleep(0)  # every one of them is now admitted
        with pytest.raises(SandboxBusy):
            await sandbox.run_async(slow)
        results = await asyncio.gather(*running)
        assert [r.status for r in results] == ["ok"] * capacity

    asyncio.run(main())
