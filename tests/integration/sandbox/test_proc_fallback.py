"""The /proc masks for kernels without procfs's subset=pid (before Linux 5.8): the job's
root built for real in a forked child whose kernel is made to refuse that option."""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from app.sandbox import linux, rootfs

pytestmark = pytest.mark.sandbox

REVEALING = ["kallsyms", "modules", "keys", "sched_debug", "timer_list", "cmdline", "mounts"]


def _as_old_kernel(mount: object) -> object:
    def refuse_subset(*args: object, **kwargs: object) -> None:
        if "subset=pid" in args or kwargs.get("data") == "subset=pid":
            raise OSError(22, "subset=pid: unknown option")
        mount(*args, **kwargs)  # type: ignore[operator]

    return refuse_subset


def _inside_the_root() -> dict[str, str]:
    """PID 1 of a new PID and mount namespace: build the job's root, then look."""
    linux.mount = _as_old_kernel(linux.mount)  # type: ignore[assignment]
    staging = tempfile.mkdtemp(prefix="tq-proc-fallback-")
    rootfs.enter_root(rootfs.plan_root(staging), 1 << 20, 0, 0)
    seen: dict[str, str] = {}
    for name in [*REVEALING, "sys/kernel/osrelease", "self/mountinfo", "1/mountinfo"]:
        try:
            with open(f"/proc/{name}", "rb") as f:
                seen[name] = f.read(512).decode("utf-8", "replace")
        except OSError as exc:
            seen[name] = f"refused: {type(exc).__name__}"
    try:
        with open("/proc/sys/kernel/hostname", "w") as hostname:
            hostname.write("escaped")
        seen["write"] = "wrote"
    except OSError as exc:
        seen["write"] = type(exc).__name__
    with open("/proc/self/status") as status:
        seen["status"] = "Pid:" if "Pid:" in status.read() else "missing"
    return seen


def test_without_subset_pid_the_revealing_files_are_masked() -> None:
    if os.geteuid() != 0:
        pytest.skip("building a job's root needs root (CI runs as root)")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(read_end)
            linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWPID)
            inner = os.fork()
            if inner == 0:
                os.write(write_end, json.dumps(_inside_the_root()).encode())
                os._exit(0)
            code = os.waitstatus_to_exitcode(os.waitpid(inner, 0)[1])
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = pipe.read()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    seen = json.loads(report)
    for name in [*REVEALING, "sys/kernel/osrelease", "self/mountinfo", "1/mountinfo"]:
        assert seen[name] == "" or seen[name].startswith("refused: "), (name, seen[name])
    assert seen["write"] != "wrote"
    assert seen["status"] == "Pid:"  # the job's own directories are still there
