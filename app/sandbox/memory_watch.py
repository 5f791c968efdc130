"""A job's total memory, counted from the host, for hosts without a memory cgroup.

RLIMIT_AS caps each process, not the job: sixteen processes of 4 GiB each are 64 GiB.
Without a cgroup (a container's non-root user with no delegated cgroup), the host
counts instead. A job's processes are exactly the tree under its PID 1: it is the init
of its PID namespace, so every orphan it leaves is re-parented to it, and seccomp
forbids a new PID namespace. While the job runs, the collector sums, every
`INTERVAL` seconds, what each process of that tree holds of anonymous and shared
memory, proportionally (PSS: a page shared by n processes counts 1/n to each, so
pages a job's processes share after a fork count once, and the zygote's pages the job
has not touched count only their share). Past the cap, the job's PID 1 is killed and
its namespace with it, and the job ends as `memory`.

A cgroup is exact and is preferred wherever the host has one: this watchdog lets a job
run past the cap for at most one interval, and kernel memory (page tables, pipe
buffers) is not counted. The scratch tmpfs has its own size cap.
"""

from __future__ import annotations

import contextlib
import os

# Seconds between two counts while a job runs; the first comes one interval in, so a
# short job is never counted. One count of a torch job takes ~3 ms of the host's CPU.
INTERVAL = 0.05
_COUNTED = ("Pss_Anon:", "Pss_Shmem:")
_MAX_PROCESSES = 4096  # a tree can never be larger than RLIMIT_NPROC allows; a bound anyway


def host_pid(pidfd: int) -> int | None:
    """The process's pid as this (the host's) PID namespace numbers it, from its pidfd."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key == "Pid":
                    pid = int(value)
                    return pid if pid > 0 else None
    except (OSError, ValueError):
        return None
    return None


def tree_bytes(root: int) -> int:
    """Memory held by `root` and every process below it (0 for a process that is gone).

    PermissionError if the host may not read a process of the tree: a job the host
    cannot count, it cannot cap (the caller kills it). The job filter forbids
    PR_SET_DUMPABLE, which would make it so on a host without root.
    """
    total = 0
    seen: set[int] = set()
    pending = [root]
    while pending and len(seen) < _MAX_PROCESSES:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _process_bytes(pid)
        pending.extend(_children(pid))
    return total


def _process_bytes(pid: int) -> int:
    counted = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith(_COUNTED):
                    counted += int(line.split()[1]) * 1024
    except PermissionError:
        raise
    except (OSError, ValueError):
        return 0  # gone meanwhile
    return counted


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with (
                contextlib.suppress(OSError, ValueError),
                open(f"/proc/{pid}/task/{task}/children") as children,
            ):
                found.extend(int(child) for child in children.read().split())
    return found
