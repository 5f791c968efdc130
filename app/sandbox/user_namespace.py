"""Isolation without root: the zygote becomes root of a user namespace of its own.

Started as root, the zygote makes PID namespaces, mounts and per-slot uids with its
own privileges. Started as anyone else (a container's `USER`, a developer), it first
unshares a user namespace mapping its uid to 0, and a PID namespace with it: there it
holds the capabilities to make each job's PID, mount, network, IPC and UTS namespaces,
and it can setns() back into its own PID namespace after each fork, because that
namespace is owned by its user namespace. Only its own uid is mapped, so jobs cannot
drop to uids of their own; instead each job unshares one more user namespace at the
end (`leave_capabilities`), which leaves it no capability over anything the zygote's
namespace owns (its mounts, its network, its hostname) and counts its processes apart
for RLIMIT_NPROC; then it drops every capability it has in its own.

The zygote keeps its first process as a plain parent: it only waits, so that the host
sees the zygote's exit as before, and the zygote dies with it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import signal

from app.sandbox import linux


def enter_own(control_fd: int) -> str:
    """Become PID 1 and root of new PID and user namespaces; returns what was done.

    Only the new process returns: the original one waits for it, then exits with its
    status. OSError if this host does not allow unprivileged user namespaces.
    """
    uid, gid = os.getuid(), os.getgid()
    linux.unshare(linux.CLONE_NEWUSER | linux.CLONE_NEWPID)
    _map_to_root(uid, gid)
    pid = os.fork()
    if pid != 0:
        os.close(control_fd)  # the host sees the end of the zygote, not of this waiter
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(code if code >= 0 else 128 - code)  # killed by signal N: 128 + N
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    return f"the zygote's own, mapping uid {uid} to 0; each job one more inside it"


def leave_capabilities() -> str:
    """A job's last namespace: root inside it, powerless over everything outside."""
    linux.unshare(linux.CLONE_NEWUSER)
    _map_to_root(0, 0)
    # Root of its own namespace would still pass file permission checks on what the
    # server's uid owns; without capabilities it is that uid's owner, nothing more.
    linux.drop_capabilities()
    # A credential change clears the parent-death signal.
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    return "a user namespace of its own, no capabilities"


def _map_to_root(uid: int, gid: int) -> None:
    # Without CAP_SETGID outside, setgroups must be off before a gid map may be written.
    with open("/proc/self/setgroups", "w") as setgroups:
        setgroups.write("deny")
    with open("/proc/self/uid_map", "w") as uid_map:
        uid_map.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as gid_map:
        gid_map.write(f"0 {gid} 1")
