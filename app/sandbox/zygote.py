"""The zygote: imports torch once, then forks one isolated child per job.

Started by the host (see `launcher`) as ``python -I`` with an empty environment and
only its control socket open: whatever sits in its memory is readable by every job
forked from it, so it holds no secrets, settings, database handles or app modules
beyond the sandbox's own worker side. The protocol is described in
`app.sandbox.protocol`.

Each child gets a PID namespace of its own without a second fork: the zygote
unshares CLONE_NEWPID (which only affects its next child), forks, and then setns()es
back to its own PID namespace.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from app.sandbox import linux, preload
from app.sandbox import user_namespace as user_namespaces
from app.sandbox.cgroups import CgroupSet, create_cgroups
from app.sandbox.isolation import Identity, IsolationPlan
from app.sandbox.protocol import CONTROL_MAX, FrameDecoder, SandboxLimits, decode_message
from app.sandbox.rootfs import plan_root
from app.sandbox.seccomp_policy import build_filter
from app.sandbox.uid_blocks import claim_uid_block

_PROBE_TIMEOUT = 20.0
_STAGING_PREFIX = "torch-quiz-root-"


def main(control_fd: int) -> None:
    control = socket.socket(fileno=control_fd)
    config = decode_message(control.recv(CONTROL_MAX))
    user_namespace = None  # started as root: none needed
    if config.get("user_namespace"):
        try:
            user_namespace = (True, user_namespaces.enter_own(control_fd))
        except OSError as exc:
            user_namespace = (False, f"no user namespace: {exc}")
    preload.prepare_interpreter()
    try:
        zygote = Zygote(control, config, user_namespace)
    except Exception as exc:  # say why before dying, so the host can tell the user
        failure = {"features": {"zygote": [False, f"{type(exc).__name__}: {exc}"]}}
        control.send(json.dumps({"op": "hello", "pid": os.getpid(), "report": failure}).encode())
        raise
    try:
        zygote.serve()
    finally:
        zygote.cleanup()


@dataclass
class _Child:
    identity: int
    oom_before: int


class Zygote:
    def __init__(
        self,
        control: socket.socket,
        config: dict[str, Any],
        user_namespace: tuple[bool, str] | None,
    ) -> None:
        # Imported only now: the job side imports torch, which must come after
        # prepare_interpreter has fixed the thread counts.
        from app.sandbox.job_process import child_main

        self.child_main = child_main
        self.control = control
        self.limits = SandboxLimits.from_dict(config["limits"])
        count = int(config["identities"])
        uids = [0] * count  # in a user namespace only 0 is mapped: jobs stay root, powerless
        if user_namespace is None:
            # Held open for the zygote's life; its children close it with everything else.
            first_uid, self.uid_lock = claim_uid_block(int(config["base_uid"]), count)
            uids = [first_uid + k for k in range(count)]
        self.staging = _staging_directory()
        self.cgroups, cgroups_detail = _make_cgroups(
            self.limits, count, wanted=bool(config.get("cgroups", True))
        )
        self.plan = IsolationPlan(
            root=plan_root(self.staging),
            limits=self.limits,
            seccomp_filter=_make_seccomp_filter(),
            strict=bool(config["strict"]),
            cgroups_detail=cgroups_detail,
            user_namespace=user_namespace,
        )
        self.identities = [
            Identity(
                index=k,
                uid=uids[k],
                gid=uids[k],
                cgroup=None if self.cgroups is None else self.cgroups.slots[k],
            )
            for k in range(count)
        ]
        self.children: dict[int, _Child] = {}
        self.pid_namespace = _open_own_pid_namespace()
        self.wakeup_r, wakeup_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wakeup_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)

    # -- the loop ---------------------------------------------------------------

    def serve(self) -> None:
        self._send({"op": "hello", "pid": os.getpid(), "report": self.probe()})
        selector = selectors.DefaultSelector()
        selector.register(self.control, selectors.EVENT_READ, "control")
        selector.register(self.wakeup_r, selectors.EVENT_READ, "wakeup")
        while True:
            for key, _ in selector.select():
                if key.data == "wakeup":
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wakeup_r, 4096)
                    self._reap()
                    continue
                try:
                    data = self.control.recv(CONTROL_MAX)
                except OSError:
                    return
                if not data:
                    return  # the host is gone
                message = decode_message(data)
                if message.get("op") == "shutdown":
                    return
                if message.get("op") == "spawn":
                    self._spawn(int(message["identity"]))

    def probe(self) -> dict[str, Any]:
        """Isolate one child exactly like a job would be, and ask it what held."""
        child_fds, host_fds = _job_pipes()
        pid = self._fork(0, child_fds, probe=True)
        features: dict[str, Any] = {"probe": [False, "the probe child sent nothing"]}
        decoder = FrameDecoder(CONTROL_MAX)
        result_r = host_fds[3]
        selector = selectors.DefaultSelector()
        selector.register(result_r, selectors.EVENT_READ)
        while selector.select(_PROBE_TIMEOUT):
            chunk = os.read(result_r, 65536)
            if not chunk:
                break
            for frame in decoder.feed(chunk):
                if frame.get("kind") == "probe":
                    features = frame["features"]
                elif frame.get("kind") == "isolation_failed":
                    features = {"probe": [False, str(frame.get("reason"))]}
        selector.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        self.children.pop(pid, None)
        for fd in host_fds:
            os.close(fd)
        return {
            "features": features,
            "root": os.geteuid() == 0,
            "cgroups": None if self.cgroups is None else self.cgroups.description,
            "python": sys.version.split()[0],
        }

    # -- children ---------------------------------------------------------------

    def _spawn(self, identity: int) -> None:
        try:
            child_fds, host_fds = _job_pipes()
            pid = self._fork(identity, child_fds, probe=False)
            pidfd = os.pidfd_open(pid)
        except OSError as exc:
            self._send({"op": "spawn_failed", "identity": identity, "reason": str(exc)})
            return
        message = {"op": "spawned", "identity": identity, "pid": pid}
        passed = [pidfd, *host_fds]
        socket.send_fds(self.control, [json.dumps(message).encode()], passed)
        for fd in passed:
            os.close(fd)

    def _fork(self, identity: int, fds: tuple[int, int, int, int], *, probe: bool) -> int:
        target = self.identities[identity]
        oom_before = 0 if target.cgroup is None else target.cgroup.oom_kills()
        in_new_namespace = self._enter_child_pid_namespace()
        try:
            pid = os.fork()
        except BaseException:
            # Back to our own namespace even so: else the next two children would
            # share one PID namespace.
            self._leave_child_pid_namespace(in_new_namespace)
            raise
        if pid == 0:
            self.child_main(target, self.plan, fds, probe)
        self._leave_child_pid_namespace(in_new_namespace)
        for fd in fds:
            os.close(fd)
        self.children[pid] = _Child(identity, oom_before)
        return pid

    def _enter_child_pid_namespace(self) -> bool:
        if self.pid_namespace is None:
            return False
        try:
            linux.unshare(linux.CLONE_NEWPID)
        except OSError:
            return False  # the child reports the missing namespace itself
        return True

    def _leave_child_pid_namespace(self, entered: bool) -> None:
        if entered and self.pid_namespace is not None:
            linux.setns(self.pid_namespace, linux.CLONE_NEWPID)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            oom = False
            slot = self.identities[child.identity].cgroup
            if slot is not None:
                slot.kill_leftovers()
                oom = slot.oom_kills() > child.oom_before
            self._send({"op": "reaped", "pid": pid, "status": status, "oom": oom})

    def _send(self, message: dict[str, Any]) -> None:
        self.control.send(json.dumps(message).encode())

    def cleanup(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        if self.cgroups is not None:
            self.cgroups.remove()
        shutil.rmtree(self.staging, ignore_errors=True)


def _job_pipes() -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(child's job_r, out_w, err_w, result_w), (host's job_w, out_r, err_r, result_r)."""
    job_r, job_w = os.pipe2(os.O_CLOEXEC)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    res_r, res_w = os.pipe2(os.O_CLOEXEC)
    return (job_r, out_w, err_w, res_w), (job_w, out_r, err_r, res_r)


def _make_cgroups(
    limits: SandboxLimits, count: int, *, wanted: bool
) -> tuple[CgroupSet | None, str]:
    try:
        if not wanted:
            raise OSError("turned off")
        cgroups = create_cgroups(limits, count)
    except OSError as exc:
        # The host then counts each job's memory itself (app.sandbox.memory_watch).
        return None, (
            f"no cgroups ({exc}): rlimits cap CPU, processes and each process's address "
            "space, and the server caps each job's total memory by counting its processes"
        )
    return cgroups, cgroups.description


def _make_seccomp_filter() -> Any:
    try:
        return build_filter()
    except (OSError, RuntimeError):
        return None  # the child reports seccomp as missing


def _open_own_pid_namespace() -> int | None:
    try:
        return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _staging_directory() -> str:
    """An empty directory for children to mount their root on (in their own namespace).

    Named after this zygote, so that the next one can remove those left behind by a
    zygote that was killed; rmdir only ever removes empty ones.
    """
    parent = tempfile.gettempdir()
    for name in os.listdir(parent):
        owner = name.removeprefix(_STAGING_PREFIX).partition("-")[0]
        mine = name.startswith(_STAGING_PREFIX) and owner.isdigit()
        if mine and not os.path.exists(f"/proc/{owner}"):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(parent, name))
    return tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-")
