"""Per-identity cgroups: memory, process count and CPU share for each job slot.

The zygote creates one cgroup per identity beneath its own cgroup (so any limit the
host placed on the server still applies on top), and a child joins its slot before it
isolates itself. cgroup v1 is preferred when its controllers are mounted (as on the
Firecracker VMs this runs on); cgroup v2 is used when the unified hierarchy delegates
memory and pids to us.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass

from app.sandbox.protocol import SandboxLimits

CGROUP_ROOT = "/sys/fs/cgroup"
_CPU_PERIOD_US = 100_000
_PREFIX = "torch-quiz-sandbox-"


@dataclass(frozen=True)
class CgroupSlot:
    """The cgroup directories one job process joins (one per v1 controller)."""

    dirs: tuple[str, ...]
    memory_events: str | None  # the file whose `oom_kill N` line counts OOM kills

    def join(self) -> None:
        """Move the calling process in; "0" means "me" and works from any PID namespace."""
        for directory in self.dirs:
            _write(os.path.join(directory, "cgroup.procs"), "0")

    def oom_kills(self) -> int:
        if self.memory_events is None:
            return 0
        try:
            with open(self.memory_events) as events:
                for line in events:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            pass
        return 0

    def kill_leftovers(self) -> int:
        """SIGKILL whatever is still in the slot; the PID namespace should have left nothing."""
        killed = 0
        for directory in self.dirs:
            for pid in _read_pids(os.path.join(directory, "cgroup.procs")):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
        return killed


@dataclass
class CgroupSet:
    """All slots of one zygote; `remove()` deletes them when the zygote stops."""

    version: int
    controllers: tuple[str, ...]
    parents: tuple[str, ...]
    slots: tuple[CgroupSlot, ...]

    @property
    def description(self) -> str:
        return (
            f"cgroup v{self.version} ({', '.join(self.controllers)}) in {', '.join(self.parents)}"
        )

    def remove(self) -> None:
        for slot in self.slots:
            for directory in slot.dirs:
                with contextlib.suppress(OSError):
                    os.rmdir(directory)
        for parent in self.parents:
            with contextlib.suppress(OSError):
                os.rmdir(parent)


def create_cgroups(limits: SandboxLimits, count: int) -> CgroupSet:
    """Create `count` limited slots, or raise OSError saying why the host does not allow it."""
    v1 = _v1_mounts()
    if "memory" in v1 and "pids" in v1:
        return _create_v1(v1, limits, count)
    return _create_v2(limits, count)


def _create_v1(mounts: dict[str, str], limits: SandboxLimits, count: int) -> CgroupSet:
    own = _own_v1_paths()
    controllers = tuple(c for c in ("memory", "pids", "cpu") if c in mounts)
    parents: list[str] = []
    slot_dirs: list[list[str]] = [[] for _ in range(count)]
    memory_events: list[str | None] = [None] * count
    for controller in controllers:
        base = os.path.join(mounts[controller], own.get(controller, "/").lstrip("/"))
        _remove_stale(base)
        parent = os.path.join(base, f"{_PREFIX}{os.getpid()}")
        os.makedirs(parent, exist_ok=True)
        parents.append(parent)
        for index in range(count):
            directory = os.path.join(parent, f"slot-{index}")
            os.makedirs(directory, exist_ok=True)
            _limit_v1(controller, directory, limits)
            slot_dirs[index].append(directory)
            if controller == "memory":
                memory_events[index] = os.path.join(directory, "memory.oom_control")
    slots = tuple(
        CgroupSlot(dirs=tuple(dirs), memory_events=events)
        for dirs, events in zip(slot_dirs, memory_events, strict=True)
    )
    return CgroupSet(1, controllers, tuple(parents), slots)


def _limit_v1(controller: str, directory: str, limits: SandboxLimits) -> None:
    if controller == "memory":
        _write(os.path.join(directory, "memory.limit_in_bytes"), str(limits.memory_bytes))
        # There is no swap here, but where there is, it must not extend the limit.
        swap = os.path.join(directory, "memory.memsw.limit_in_bytes")
        if os.path.exists(swap):
            _write(swap, str(limits.memory_bytes))
    elif controller == "pids":
        _write(os.path.join(directory, "pids.max"), str(limits.processes))
    elif controller == "cpu":
        _write(os.path.join(directory, "cpu.cfs_period_us"), str(_CPU_PERIOD_US))
        quota = max(1000, int(limits.cpu_cores * _CPU_PERIOD_US))
        _write(os.path.join(directory, "cpu.cfs_quota_us"), str(quota))


def _create_v2(limits: SandboxLimits, count: int) -> CgroupSet:
    unified = _v2_mount()
    if unified is None:
        raise OSError("no cgroup v1 memory+pids controllers and no cgroup v2 hierarchy")
    base = os.path.join(unified, _own_v2_path().lstrip("/"))
    with open(os.path.join(base, "cgroup.subtree_control")) as delegated:
        available = delegated.read().split()
    if not {"memory", "pids"} <= set(available):
        raise OSError(f"cgroup v2 at {base} does not delegate memory and pids to us")
    _remove_stale(base)
    parent = os.path.join(base, f"{_PREFIX}{os.getpid()}")
    os.makedirs(parent, exist_ok=True)
    controllers = tuple(c for c in ("memory", "pids", "cpu") if c in available)
    _write(os.path.join(parent, "cgroup.subtree_control"), " ".join(f"+{c}" for c in controllers))
    slots = []
    for index in range(count):
        directory = os.path.join(parent, f"slot-{index}")
        os.makedirs(directory, exist_ok=True)
        _write(os.path.join(directory, "memory.max"), str(limits.memory_bytes))
        with contextlib.suppress(OSError):
            _write(os.path.join(directory, "memory.swap.max"), "0")
        _write(os.path.join(directory, "pids.max"), str(limits.processes))
        if "cpu" in controllers:
            quota = max(1000, int(limits.cpu_cores * _CPU_PERIOD_US))
            _write(os.path.join(directory, "cpu.max"), f"{quota} {_CPU_PERIOD_US}")
        slots.append(CgroupSlot((directory,), os.path.join(directory, "memory.events")))
    return CgroupSet(2, controllers, (parent,), tuple(slots))


def _v1_mounts() -> dict[str, str]:
    """Controller -> mount point, for the v1 hierarchies that are mounted."""
    found: dict[str, str] = {}
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            parts = line.split()
            if len(parts) >= 4 and parts[2] == "cgroup":
                for option in parts[3].split(","):
                    if option in ("memory", "pids", "cpu"):
                        found[option] = parts[1]
    return found


def _v2_mount() -> str | None:
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "cgroup2":
                return parts[1]
    return None


def _own_v1_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    with open("/proc/self/cgroup") as cgroup:
        for line in cgroup:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(","):
                paths[controller] = path
    return paths


def _own_v2_path() -> str:
    return _own_v1_paths().get("", "/")


def _remove_stale(base: str) -> None:
    """Drop the slots of zygotes that died without cleaning up (SIGKILL, power loss)."""
    with contextlib.suppress(OSError):
        for name in os.listdir(base):
            if not name.startswith(_PREFIX):
                continue
            pid = name.removeprefix(_PREFIX)
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                stale = os.path.join(base, name)
                for entry in os.listdir(stale):
                    with contextlib.suppress(OSError):
                        os.rmdir(os.path.join(stale, entry))
                with contextlib.suppress(OSError):
                    os.rmdir(stale)


def _read_pids(path: str) -> list[int]:
    try:
        with open(path) as procs:
            return [int(line) for line in procs if line.strip()]
    except OSError:
        return []


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)
