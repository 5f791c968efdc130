"""The filesystem a job sees: read-only Python and torch, a small tmpfs, nothing else.

The zygote computes a `RootPlan` once; each child, inside its own mount namespace,
builds a fresh root on a tmpfs from it and pivots into it:

    /                 tmpfs, remounted read-only once built
    /usr/lib, /lib64… read-only binds of the system libraries (or symlinks, as on the host)
    <sys.path dirs>   read-only binds of the stdlib and site-packages, at their host paths
    /dev/{null,zero,full,random,urandom}
    /proc             a new procfs of the job's own PID namespace, with only the
                      per-process directories (subset=pid): no kallsyms, modules,
                      keys, sched_debug, timer_list, /proc/sys...; and PID 1's
                      mountinfo, mounts and mountstats are empty files
    /tmp              the job's scratch space: tmpfs capped at `tmpfs_bytes`
    /etc/passwd       one line naming the job's uid, for getpass/pwd lookups

The project tree, the database, /root, /home, /etc and the host's /tmp are absent.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass

from app.sandbox import linux

# The job's scratch space, inside its own root: a private tmpfs, not the host's /tmp.
SCRATCH = "/tmp"  # noqa: S108
_LIBRARY_DIRS = ("/lib", "/lib64", "/lib32", "/libx32", "/usr/lib", "/usr/lib64", "/usr/lib32")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_READ_ONLY = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
_TMPFS_INODES = 4096
_PROC_FLAGS = linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC
# Where procfs cannot hide its global files (subset=pid needs Linux 5.8), these are
# masked as container runtimes do: an empty file bound over each, a read-only
# empty tmpfs over each directory.
MASKED_PROC_FILES = (
    "kallsyms",
    "modules",
    "keys",
    "key-users",
    "sched_debug",
    "timer_list",
    "kcore",
    "kmsg",
    "cmdline",
    "config.gz",
    "vmallocinfo",
    "latency_stats",
    "sysrq-trigger",
    "mounts",
    "partitions",
)
MASKED_PROC_DIRS = ("sys", "fs", "irq", "bus", "acpi", "scsi", "tty", "driver")
# The job's own mount table names the host directories its root was built from.
MASKED_PID_FILES = ("mountinfo", "mounts", "mountstats")
_EMPTY = "/.empty"


@dataclass(frozen=True)
class RootPlan:
    staging: str  # an empty host directory the child mounts its root tmpfs on
    binds: tuple[tuple[str, str], ...]  # (host directory, path inside) read-only
    symlinks: tuple[tuple[str, str], ...]  # (link path inside, target)
    files: tuple[str, ...]  # host files bound read-only at the same path


def plan_root(staging: str) -> RootPlan:
    """What the job needs of the host, derived from where this Python finds its code."""
    symlinks: list[tuple[str, str]] = []
    wanted: list[tuple[str, str]] = []
    for path in _LIBRARY_DIRS:
        if os.path.islink(path):
            symlinks.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            wanted.append((path, path))
    code_paths = sysconfig.get_paths()
    python_dirs = [
        *sys.path,
        *(code_paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")),
    ]
    # Only what lies inside Python's installation: a path-style editable install, a
    # .pth file or a test runner can put the project itself on sys.path.
    prefixes = {
        os.path.realpath(p)
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    }
    for path in python_dirs:
        real = os.path.realpath(path) if path else ""
        if real and os.path.isdir(real) and any(_inside(real, p) for p in prefixes):
            wanted.append((real, real))
            if os.path.abspath(path) != real:
                wanted.append((real, os.path.abspath(path)))
    files = tuple(f for f in ("/etc/ld.so.cache",) if os.path.isfile(f))
    return RootPlan(staging, _outermost(wanted, symlinks), tuple(symlinks), files)


def _outermost(
    wanted: list[tuple[str, str]], symlinks: list[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """Keep only binds not already inside another bind or a symlinked library dir."""
    links = [link for link, _ in symlinks]
    chosen: list[tuple[str, str]] = []
    for source, target in sorted(set(wanted), key=lambda pair: len(pair[1])):
        covered = any(_inside(target, done) for _, done in chosen)
        if not covered and not any(_inside(target, link) for link in links):
            chosen.append((source, target))
    return tuple(chosen)


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def enter_root(plan: RootPlan, tmpfs_bytes: int, uid: int, gid: int) -> None:
    """Build the root under `plan.staging` and pivot into it (needs a private mount ns)."""
    # Nothing mounted below may propagate back to the host's mount namespace.
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    root = plan.staging
    linux.mount("tmpfs", root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=1m,mode=0755")
    # Scratch first: when Python itself lives under /tmp (a checkout in /tmp/...), its
    # read-only binds then land inside the scratch tmpfs instead of being hidden by it.
    os.makedirs(root + SCRATCH)
    linux.mount(
        "tmpfs",
        root + SCRATCH,
        "tmpfs",
        linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC,
        f"size={tmpfs_bytes},nr_inodes={_TMPFS_INODES},mode=1777",
    )
    for source, target in plan.binds:
        inside = root + target
        os.makedirs(inside, exist_ok=True)
        _bind(source, inside, _READ_ONLY)
    for path in plan.files:
        _touch(root + path)
        _bind(path, root + path, _READ_ONLY)
    for link, target in plan.symlinks:
        os.makedirs(os.path.dirname(root + link), exist_ok=True)
        os.symlink(target, root + link)
    os.makedirs(root + "/dev")
    for device in _DEVICES:
        _touch(f"{root}/dev/{device}")
        _bind(f"/dev/{device}", f"{root}/dev/{device}", linux.MS_NOSUID | linux.MS_NOEXEC)
    os.symlink("/proc/self/fd", root + "/dev/fd")
    _mount_proc(root)
    os.makedirs(root + "/etc", exist_ok=True)
    with open(root + "/etc/passwd", "w") as passwd:
        passwd.write(f"sandbox:x:{uid}:{gid}:snippet:{SCRATCH}:/nonexistent\n")
    with open(root + "/etc/group", "w") as group:
        group.write(f"sandbox:x:{gid}:\n")
    # pivot_root(".", ".") stacks the old root under the new one; detaching it leaves
    # no path back to the host's filesystem (unlike chroot).
    os.chdir(root)
    linux.pivot_root(".", ".")
    linux.umount2(".", linux.MNT_DETACH)
    os.chdir("/")
    linux.mount(None, "/", None, linux.MS_REMOUNT | _READ_ONLY)


def _mount_proc(root: str) -> None:
    """A procfs showing the job's own processes and as little of the kernel as may be."""
    proc = root + "/proc"
    os.makedirs(proc)
    _touch(root + _EMPTY)
    try:
        linux.mount("proc", proc, "proc", _PROC_FLAGS, "subset=pid")
    except OSError:
        linux.mount("proc", proc, "proc", _PROC_FLAGS)
        for name in MASKED_PROC_FILES:
            if os.path.isfile(f"{proc}/{name}"):
                _bind(root + _EMPTY, f"{proc}/{name}", _READ_ONLY)
        for name in MASKED_PROC_DIRS:
            if os.path.isdir(f"{proc}/{name}"):
                linux.mount("tmpfs", f"{proc}/{name}", "tmpfs", _READ_ONLY, "size=4k,mode=0555")
    # This process is PID 1 of the job's namespace: /proc/self is /proc/1.
    for name in MASKED_PID_FILES:
        _bind(root + _EMPTY, f"{proc}/1/{name}", _READ_ONLY)


def _bind(source: str, target: str, flags: int) -> None:
    linux.mount(source, target, None, linux.MS_BIND)
    # A bind mount takes its flags from a second, remounting call.
    linux.mount(None, target, None, linux.MS_REMOUNT | linux.MS_BIND | flags)


def _touch(path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a"):
        pass
