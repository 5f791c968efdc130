"""What /proc tells a job about the host: nothing beyond its own processes.

The job's procfs shows only per-process directories (the kernel's symbols, modules,
keys, scheduler and timer state, /proc/sys...) are not there, and its own mount table
is an empty file: it named the host directories the job's root was built from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.sandbox.client import Sandbox
from app.sandbox.protocol import SnippetJob

pytestmark = pytest.mark.sandbox

PROJECT = Path(__file__).resolve().parents[3]
REVEALING = [
    "/proc/self/mountinfo",
    "/proc/self/mounts",
    "/proc/self/mountstats",
    "/proc/1/mountinfo",
    "/proc/mounts",
    "/proc/kallsyms",
    "/proc/modules",
    "/proc/keys",
    "/proc/key-users",
    "/proc/sched_debug",
    "/proc/timer_list",
    "/proc/cmdline",
    "/proc/version",
    "/proc/sys/kernel/osrelease",
    "/proc/sys/kernel/core_pattern",
    "/proc/sys/kernel/random/boot_id",
    "/proc/sys/fs/file-max",
    "/proc/sys/vm/overcommit_memory",
]
READ_ALL = f"""\
import json
seen = {{}}
for path in {REVEALING!r}:
    try:
        with open(path, "rb") as f:
            seen[path] = f.read(2048).decode("utf-8", "replace")
    except OSError as exc:
        seen[path] = "refused: " + type(exc).__name__
try:
    open("/proc/sys/kernel/hostname", "w").write("escaped")
    seen["write"] = "wrote"
except OSError as exc:
    seen["write"] = type(exc).__name__
print(json.dumps(seen))
"""


def test_proc_shows_no_host_paths_and_no_kernel_details(each_sandbox: Sandbox) -> None:
    result = each_sandbox.run(SnippetJob(READ_ALL))
    assert result.status == "ok", result.stderr
    seen = json.loads(result.stdout)
    for path in REVEALING:
        assert seen[path] == "" or seen[path].startswith("refused: "), (path, seen[path][:300])
    assert str(PROJECT) not in result.stdout
    assert seen["write"] != "wrote"


def test_a_child_process_sees_no_more_than_the_job(each_sandbox: Sandbox) -> None:
    code = f"import os\nif os.fork() == 0:\n    exec({READ_ALL!r})\n    os._exit(0)\nos.wait()"
    result = each_sandbox.run(SnippetJob(code))
    assert result.status == "ok", result.stderr
    seen = json.loads(result.stdout)
    for path in REVEALING:
        if not path.startswith("/proc/self/"):
            assert seen[path] == "" or seen[path].startswith("refused: "), path
