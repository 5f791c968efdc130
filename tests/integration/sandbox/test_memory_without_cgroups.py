"""Without cgroups (a non-root container with none delegated), a job is still capped in
total memory: the host counts its processes together (app.sandbox.memory_watch)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sandbox.client import Sandbox
from app.sandbox.protocol import MIB, SandboxLimits, SnippetJob
from tests.integration.sandbox.conftest import started

pytestmark = pytest.mark.sandbox

# Four processes of 200 MiB each: every one far below the 4 GiB address-space limit
# that caps a single process, 800 MiB together against a 512 MiB job.
FORKED_HOARD = """\
import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        hoard = b"x" * (200 << 20)
        time.sleep(15)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
print("all children finished")
"""


@pytest.fixture(scope="module", params=["as root", "in a user namespace"])
def without_cgroups(
    request: pytest.FixtureRequest, planted_secret: str, database_file: Path
) -> Iterator[Sandbox]:
    box = Sandbox(
        SandboxLimits(),
        pool_size=1,
        spares=1,
        cgroups=False,
        user_namespace=request.param == "in a user namespace",
    )
    with started(box, planted_secret, database_file) as running:
        yield running


def test_the_sandbox_runs_without_cgroups_and_says_so(without_cgroups: Sandbox) -> None:
    report = without_cgroups.isolation_report()
    assert report.full, report.reasons
    cgroups = report.features["cgroups"]
    assert not cgroups.ok
    assert "counting its processes" in cgroups.detail


def test_forked_children_are_capped_together(without_cgroups: Sandbox) -> None:
    result = without_cgroups.run(SnippetJob(FORKED_HOARD, wall_seconds=60))
    assert result.status == "memory", result
    assert (
        result.exception_message
        == f"memory limit of {SandboxLimits().memory_bytes // MIB} MiB exceeded"
    )
    assert "all children finished" not in result.stdout


def test_one_process_hoarding_is_capped_too(without_cgroups: Sandbox) -> None:
    code = "hoard = []\nwhile True:\n    hoard.append(b'x' * (32 << 20))"
    result = without_cgroups.run(SnippetJob(code, wall_seconds=60))
    assert result.status == "memory", result


def test_ordinary_jobs_are_not_mistaken_for_hoarders(without_cgroups: Sandbox) -> None:
    code = (
        "import torch\nx = torch.randn(256, 256)\n"
        "y = torch.nn.GRU(8, 16)(torch.randn(5, 3, 8))[0]\n"
        "print(y.shape)\nmiddling = b'x' * (200 << 20)\nprint(len(middling))"
    )
    result = without_cgroups.run(SnippetJob(code, shape_of="y", wall_seconds=60))
    assert (result.status, result.shape) == ("ok", [5, 3, 16]), result
