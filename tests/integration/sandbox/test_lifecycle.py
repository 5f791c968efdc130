"""Starting, losing and closing the zygote."""

from __future__ import annotations

import os
import signal

import pytest

from app.sandbox.client import Sandbox
from app.sandbox.protocol import SandboxLimits, SnippetJob
from tests.integration.sandbox.helpers import wait_until

pytestmark = pytest.mark.sandbox


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def cgroups_of(pid: int) -> list[str]:
    return [
        os.path.join(root, name)
        for root, dirs, _ in os.walk("/sys/fs/cgroup")
        for name in dirs
        if name == f"torch-quiz-sandbox-{pid}"
    ]


def test_a_dead_zygote_is_replaced_on_the_next_job(sandbox: Sandbox) -> None:
    old = sandbox.zygote_pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    assert wait_until(lambda: not children_of(old))  # its job processes die with it
    result = sandbox.run(SnippetJob("print('back')"))
    assert (result.status, result.stdout) == ("ok", "back\n")
    assert sandbox.zygote_pid not in (None, old)
    assert cgroups_of(old) == []  # the new zygote removed the dead one's


def test_close_leaves_no_process_and_no_cgroup_behind() -> None:
    if os.geteuid() != 0:
        pytest.skip("the OS-level sandbox needs root (CI runs as root)")
    with Sandbox(SandboxLimits(), pool_size=1) as box:
        assert box.run(SnippetJob("print(1)")).status == "ok"
        zygote = box.zygote_pid
        assert zygote is not None
        assert wait_until(lambda: len(children_of(zygote)) == 3)  # the pool: 1 + 2 spares
        pool = children_of(zygote)
        assert cgroups_of(zygote)
    assert not os.path.exists(f"/proc/{zygote}")
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pool)
    assert cgroups_of(zygote) == []
