"""The host's end of the zygote: starting it, its control socket, and its messages.

The zygote is started as ``python -I -B -c BOOTSTRAP`` with an empty environment, its
own session, stdin/stdout on /dev/null and only the control socket passed. The
bootstrap registers `app` and `app.sandbox` as bare packages so that importing the
worker modules does not execute the app's package `__init__` files: nothing of the
app but the sandbox's worker side ever enters the zygote's memory.

One reader thread turns the zygote's messages into callbacks (see `ZygoteEvents`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.sandbox.errors import SandboxUnavailable
from app.sandbox.protocol import CONTROL_MAX, ProtocolError, SandboxLimits, decode_message

_BOOTSTRAP = """\
import sys, types
root = sys.argv[1]
for name in ("app", "app.sandbox"):
    package = types.ModuleType(name)
    package.__path__ = [root + "/" + name.replace(".", "/")]
    sys.modules[name] = package
sys.modules["app"].sandbox = sys.modules["app.sandbox"]
from app.sandbox.zygote import main
main(int(sys.argv[2]))
"""
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_SPAWN_FDS = 5  # pidfd, job, stdout, stderr, result


@dataclass(frozen=True)
class SpawnedChild:
    identity: int
    pid: int
    pidfd: int
    job_w: int
    out_r: int
    err_r: int
    result_r: int


@dataclass(frozen=True)
class ExitInfo:
    """How a job process ended, as the zygote saw when it reaped it."""

    status: int  # as from waitpid()
    oom: bool  # the slot's cgroup counted an OOM kill meanwhile


@dataclass(frozen=True)
class ZygoteEvents:
    """Called from the reader thread; they must not block."""

    spawned: Callable[[SpawnedChild], None]
    spawn_failed: Callable[[int, str], None]
    reaped: Callable[[int, ExitInfo], None]
    lost: Callable[[str], None]


class ZygoteLink:
    def __init__(
        self,
        limits: SandboxLimits,
        identities: int,
        base_uid: int,
        strict: bool,
        python: str | None = None,
        user_namespace: bool | None = None,
        cgroups: bool = True,
    ) -> None:
        """`user_namespace`: the zygote makes one of its own (app.sandbox.user_namespace);
        by default exactly when not started as root. `cgroups`: False leaves them out."""
        self._config = {
            "op": "config",
            "limits": limits.to_dict(),
            "identities": identities,
            "base_uid": base_uid,
            "strict": strict,
            "user_namespace": os.geteuid() != 0 if user_namespace is None else user_namespace,
            "cgroups": cgroups,
        }
        self._python = python or sys.executable
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._closing = False

    def start(self, timeout: float) -> dict[str, Any]:
        """Start the zygote and wait for its hello; returns the probe's report."""
        host_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # Our own interpreter and bootstrap, no shell: nothing here comes from a user.
            self._process = subprocess.Popen(  # noqa: S603
                [
                    self._python,
                    "-I",
                    "-B",
                    "-c",
                    _BOOTSTRAP,
                    str(_PROJECT_ROOT),
                    str(zygote_end.fileno()),
                ],
                env={},
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=[zygote_end.fileno()],
                start_new_session=True,
            )
        finally:
            zygote_end.close()
        self._socket = host_end
        self._send(self._config)
        host_end.settimeout(timeout)
        try:
            hello = decode_message(host_end.recv(CONTROL_MAX) or b"null")
        except (TimeoutError, ProtocolError, OSError) as exc:
            self.close()
            raise SandboxUnavailable(f"the sandbox's zygote did not start: {exc}") from None
        host_end.settimeout(None)
        if hello.get("op") != "hello":
            self.close()
            raise SandboxUnavailable("the sandbox's zygote did not start (see its stderr)")
        report: dict[str, Any] = hello["report"]
        return report

    def listen(self, events: ZygoteEvents) -> None:
        self._reader = threading.Thread(
            target=self._read_loop, args=(events,), name="sandbox-zygote-reader", daemon=True
        )
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def spawn(self, identity: int) -> None:
        self._send({"op": "spawn", "identity": identity})

    def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            with contextlib.suppress(OSError, SandboxUnavailable):
                self._send({"op": "shutdown"})
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._socket is not None:
            self._socket.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=10)

    def _send(self, message: dict[str, Any]) -> None:
        if self._socket is None:
            raise SandboxUnavailable("the sandbox is not running")
        with self._send_lock:
            try:
                self._socket.send(json.dumps(message).encode())
            except OSError as exc:
                raise SandboxUnavailable(f"the sandbox's zygote is gone: {exc}") from None

    def _read_loop(self, events: ZygoteEvents) -> None:
        assert self._socket is not None
        reason = "the sandbox's zygote exited"
        while True:
            try:
                data, fds, _flags, _ = socket.recv_fds(self._socket, CONTROL_MAX, _SPAWN_FDS)
            except OSError as exc:
                reason = f"the sandbox's control socket failed: {exc}"
                break
            if not data:
                break
            try:
                self._dispatch(decode_message(data), fds, events)
            except (ProtocolError, KeyError, ValueError, TypeError) as exc:
                for fd in fds:
                    os.close(fd)
                reason = f"the sandbox's zygote sent a bad message: {exc}"
                break
        if not self._closing:
            events.lost(reason)

    @staticmethod
    def _dispatch(message: dict[str, Any], fds: list[int], events: ZygoteEvents) -> None:
        op = message.get("op")
        if op == "spawned":
            if len(fds) != _SPAWN_FDS:
                raise ValueError(f"spawned with {len(fds)} descriptors")
            events.spawned(SpawnedChild(int(message["identity"]), int(message["pid"]), *fds))
        elif op == "spawn_failed":
            events.spawn_failed(int(message["identity"]), str(message["reason"]))
        elif op == "reaped":
            info = ExitInfo(int(message["status"]), bool(message["oom"]))
            events.reaped(int(message["pid"]), info)
        else:
            raise ValueError(f"unexpected message {op!r}")
