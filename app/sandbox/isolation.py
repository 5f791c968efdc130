"""The steps a freshly forked child takes to lock itself in, in the order that works.

The zygote has already put the child in a new PID namespace (it is PID 1 there). The
child then joins its cgroup, unshares the other namespaces, pivots into the read-only
root, drops to its slot's uid (or, without root, into a user namespace of its own),
sets rlimits and no_new_privs and loads the seccomp filter. Mounting needs root, so
the uid drop comes after it; seccomp comes last because it forbids mount and unshare.

Strict mode (the default) raises `IsolationFailed` at the first step that fails, and
the job never runs. With --allow-unisolated every step is tried and the failures are
only recorded.
"""

from __future__ import annotations

import math
import os
import resource
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.sandbox import linux
from app.sandbox.cgroups import CgroupSlot
from app.sandbox.protocol import SandboxLimits
from app.sandbox.rootfs import SCRATCH, RootPlan, enter_root
from app.sandbox.user_namespace import leave_capabilities

# Features a job must have before learner code may run. Cgroups and the user namespace
# are welcome but optional: rlimits back up the cgroup limits, and as root no user
# namespace is needed to drop privileges.
REQUIRED_FEATURES = (
    "pid_namespace",
    "net_namespace",
    "mount_namespace",
    "filesystem",
    "rlimits",
    "uid_drop",
    "no_new_privs",
    "seccomp",
)
FEATURES = (
    "user_namespace",
    "pid_namespace",
    "net_namespace",
    "mount_namespace",
    "filesystem",
    "cgroups",
    "rlimits",
    "uid_drop",
    "no_new_privs",
    "seccomp",
)


class IsolationFailed(Exception):
    """A required isolation step failed; the child must not run the job."""


@dataclass(frozen=True)
class Identity:
    """Who a job runs as: a distinct uid and cgroup per concurrent slot."""

    index: int
    uid: int
    gid: int
    cgroup: CgroupSlot | None


@dataclass(frozen=True)
class IsolationPlan:
    root: RootPlan
    limits: SandboxLimits
    seccomp_filter: Any  # pyseccomp.SyscallFilter, built once in the zygote
    strict: bool
    cgroups_detail: str  # why there are no cgroups, or which ones there are
    # None: the zygote runs as root. Else whether it has a user namespace of its own
    # (app.sandbox.user_namespace), and what it is or why not.
    user_namespace: tuple[bool, str] | None = None


@dataclass
class Outcome:
    """Per feature: (in force?, what was done or why not)."""

    features: dict[str, tuple[bool, str]] = field(default_factory=dict)


def isolate(identity: Identity, plan: IsolationPlan) -> Outcome:
    outcome = Outcome()

    def step(name: str, action: Callable[[], str], required: bool = True) -> bool:
        try:
            detail = action()
        except (OSError, ValueError) as exc:
            outcome.features[name] = (False, str(exc))
            if plan.strict and required:
                raise IsolationFailed(f"{name}: {exc}") from exc
            return False
        outcome.features[name] = (True, detail)
        return True

    step("cgroups", lambda: _join_cgroup(identity, plan.cgroups_detail), required=False)
    step("pid_namespace", _check_pid_namespace)
    outcome.features["user_namespace"] = plan.user_namespace or (
        True,
        "not needed: started as root, jobs drop to an unprivileged uid",
    )
    in_namespaces = step("mount_namespace", _unshare_namespaces)
    outcome.features["net_namespace"] = (
        outcome.features["mount_namespace"][0],
        "empty network namespace (no interfaces up)"
        if in_namespaces
        else outcome.features["mount_namespace"][1],
    )
    if in_namespaces:
        step("filesystem", lambda: _enter_root(identity, plan))
    else:
        outcome.features["filesystem"] = (False, "needs a private mount namespace")
    # The uid drop before the rlimits: a job's own user namespace takes its creator's
    # RLIMIT_NPROC as the cap on all the zygote's processes, so it must not be the job's.
    step("uid_drop", lambda: _drop_privileges(identity, plan))
    step("rlimits", lambda: _set_rlimits(plan.limits))
    step("no_new_privs", _set_no_new_privs)
    step("seccomp", lambda: _load_seccomp(plan.seccomp_filter))
    return outcome


def _join_cgroup(identity: Identity, detail: str) -> str:
    if identity.cgroup is None:
        raise OSError(detail)
    identity.cgroup.join()
    # A cgroup namespace hides the host's cgroup paths from /proc/self/cgroup.
    linux.unshare(linux.CLONE_NEWCGROUP)
    return detail


def _check_pid_namespace() -> str:
    if os.getpid() != 1:
        raise OSError("the zygote could not create a PID namespace")
    return "PID 1 of its own namespace: sees and signals only its own processes"


def _unshare_namespaces() -> str:
    linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS)
    socket.sethostname("sandbox")
    return "private mount, network, IPC and UTS namespaces"


def _enter_root(identity: Identity, plan: IsolationPlan) -> str:
    enter_root(plan.root, plan.limits.tmpfs_bytes, identity.uid, identity.gid)
    return f"read-only root of {len(plan.root.binds)} binds, {plan.limits.tmpfs_bytes} B tmpfs /tmp"


def _set_rlimits(limits: SandboxLimits) -> str:
    cpu = max(1, math.ceil(limits.cpu_seconds))
    settings = {
        # soft = hard: the job is PID 1 of its namespace, and PID 1 never receives the
        # soft limit's SIGXCPU; the hard limit's SIGKILL always lands.
        resource.RLIMIT_CPU: (cpu, cpu),
        resource.RLIMIT_AS: (limits.address_space_bytes, limits.address_space_bytes),
        # per uid, and every slot has its own uid: this caps the job's processes+threads
        resource.RLIMIT_NPROC: (limits.processes, limits.processes),
        resource.RLIMIT_FSIZE: (limits.file_size_bytes, limits.file_size_bytes),
        resource.RLIMIT_NOFILE: (limits.open_files, limits.open_files),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_MEMLOCK: (0, 0),
        resource.RLIMIT_MSGQUEUE: (0, 0),
    }
    for which, value in settings.items():
        resource.setrlimit(which, value)
    return (
        f"cpu {cpu} s, address space {limits.address_space_bytes} B, "
        f"{limits.processes} processes, file size {limits.file_size_bytes} B, "
        f"{limits.open_files} open files"
    )


def _drop_privileges(identity: Identity, plan: IsolationPlan) -> str:
    if plan.user_namespace is not None:
        return leave_capabilities()
    if os.geteuid() != 0 or os.getuid() != 0:
        raise OSError("not root: cannot switch to a per-slot uid")
    os.setgroups([])
    os.setresgid(identity.gid, identity.gid, identity.gid)
    os.setresuid(identity.uid, identity.uid, identity.uid)
    if os.getresuid() != (identity.uid,) * 3 or os.getgroups():
        raise OSError("uid drop did not stick")
    # Only now: a credential change clears the parent-death signal.
    linux.prctl(linux.PR_SET_PDEATHSIG, 9)
    return f"uid {identity.uid}, gid {identity.gid}, no supplementary groups, no capabilities"


def _set_no_new_privs() -> str:
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    if linux.prctl(linux.PR_GET_NO_NEW_PRIVS) != 1:
        raise OSError("no_new_privs did not stick")
    return "set: execve can never grant privileges"


def _load_seccomp(seccomp_filter: Any) -> str:
    if seccomp_filter is None:
        raise OSError("libseccomp is not available")
    seccomp_filter.load()
    return (
        "libseccomp filter: an allow list (EPERM for the rest), AF_UNIX sockets only, "
        "clone without namespace flags"
    )


def verify(outcome: Outcome, identity: Identity, plan: IsolationPlan) -> None:
    """The probe's second opinion, from inside: a step that claims success must show it."""
    checks: dict[str, Callable[[], bool]] = {
        "pid_namespace": lambda: [p for p in os.listdir("/proc") if p.isdigit()] == ["1"],
        "net_namespace": lambda: _interfaces() == {"lo"},
        "filesystem": lambda: _read_only("/") and not _read_only(SCRATCH),
        "rlimits": lambda: resource.getrlimit(resource.RLIMIT_NPROC)[0] == plan.limits.processes,
        "uid_drop": lambda: _dropped(identity, plan),
        "no_new_privs": lambda: _status_field("NoNewPrivs") == "1",
        "seccomp": lambda: _status_field("Seccomp") == "2" and _inet_refused(),
    }
    for name, check in checks.items():
        ok, detail = outcome.features.get(name, (False, "not attempted"))
        try:
            confirmed = check()
        except OSError as exc:
            confirmed, detail = False, f"check failed: {exc}"
        if ok and not confirmed:
            outcome.features[name] = (False, f"claimed but not in force ({detail})")


def _dropped(identity: Identity, plan: IsolationPlan) -> bool:
    if plan.user_namespace is None:
        return os.getresuid() == (identity.uid,) * 3 and os.getgroups() == []
    if _status_field("CapEff").strip("0"):
        return False
    try:  # the UTS namespace is the zygote's user namespace's: no capability over it
        socket.sethostname("escaped")
    except PermissionError:
        return True
    return False


def _interfaces() -> set[str]:
    with open("/proc/self/net/dev") as dev:
        return {line.split(":")[0].strip() for line in dev.readlines()[2:]}


def _read_only(path: str) -> bool:
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def _status_field(name: str) -> str:
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key == name:
                return value.strip()
    return ""


def _inet_refused() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    return False
