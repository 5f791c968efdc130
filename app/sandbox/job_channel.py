"""The host's side of one job process: hand it the job, collect what comes back.

Everything read here comes from a process running hostile code, so: output is kept up
to the cap and then merely counted (and past a hard ceiling no longer read at all),
frames are size-limited and validated field by field, and the wall clock is enforced
here with SIGKILL on the job's PID 1, which takes its whole PID namespace with it.
Nothing is ever read from the job's filesystem.
"""

from __future__ import annotations

import contextlib
import math
import os
import selectors
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.launcher import ExitInfo, SpawnedChild
from app.sandbox.protocol import (
    RESULT_MAX,
    STATUSES,
    FrameDecoder,
    ProtocolError,
    SandboxLimits,
    SnippetJob,
    SnippetResult,
    encode_frame,
)

_READ = 65536
_EXIT_STATUS_WAIT = 5.0
_HARD_OUTPUT_FACTOR = 16  # raw writes past 16x the cap are not even read
_MAX_TENSORS = 100


class ChildFailed(Exception):
    """The child died or gave up before it was ready for a job."""


@dataclass
class JobChannel:
    """One pre-forked child and the host's ends of its pipes."""

    child: SpawnedChild
    exited: threading.Event = field(default_factory=threading.Event)
    exit_info: ExitInfo | None = None
    decoder: FrameDecoder = field(default_factory=lambda: FrameDecoder(RESULT_MAX))
    ready: bool = False
    _closed: bool = False
    _job_pipe_closed: bool = False

    def record_exit(self, info: ExitInfo) -> None:
        self.exit_info = info
        self.exited.set()

    def poll_ready(self) -> bool:
        """Without blocking: has the child said it is isolated? ChildFailed if it gave up."""
        if not self.ready:
            with selectors.DefaultSelector() as selector:
                selector.register(self.child.result_r, selectors.EVENT_READ)
                if selector.select(0):
                    self._read_ready_frame()
        return self.ready

    def wait_ready(self, timeout: float) -> None:
        """Block until the child reports that it has isolated itself."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.child.result_r, selectors.EVENT_READ)
            while not self.ready:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise ChildFailed("the job process did not get ready in time")
                self._read_ready_frame()

    def _read_ready_frame(self) -> None:
        chunk = os.read(self.child.result_r, _READ)
        if not chunk:
            raise ChildFailed("the job process died while isolating itself")
        try:
            frames = self.decoder.feed(chunk)
        except ProtocolError as exc:
            raise ChildFailed(str(exc)) from None
        for frame in frames:
            if frame.get("kind") != "ready":
                raise ChildFailed(str(frame.get("reason", "isolation failed")))
            self.ready = True

    def run(self, job: SnippetJob, limits: SandboxLimits, wall_seconds: float) -> SnippetResult:
        started = time.monotonic()
        self._send_job(job, limits)
        collector = _Collector(self, limits.output_bytes, started + wall_seconds)
        collector.collect()
        elapsed_ms = (time.monotonic() - started) * 1000
        return self._result(collector, limits, wall_seconds, elapsed_ms)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(self.child.pidfd, signal.SIGKILL)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.kill()
        child = self.child
        for fd in (child.pidfd, child.out_r, child.err_r, child.result_r):
            os.close(fd)
        self._close_job_pipe()

    def _close_job_pipe(self) -> None:
        # Closed exactly once: a second close could hit a number reused by another job.
        if not self._job_pipe_closed:
            self._job_pipe_closed = True
            os.close(self.child.job_w)

    def _send_job(self, job: SnippetJob, limits: SandboxLimits) -> None:
        frame = encode_frame({"job": job.to_dict(), "output_bytes": limits.output_bytes})
        view = memoryview(frame)
        try:
            while view:
                view = view[os.write(self.child.job_w, view) :]
        except BrokenPipeError:
            pass  # the child died; collecting will tell how
        self._close_job_pipe()

    def _result(
        self, collector: _Collector, limits: SandboxLimits, wall: float, elapsed_ms: float
    ) -> SnippetResult:
        stdout, stdout_cut = collector.text("out", limits.output_bytes)
        stderr, stderr_cut = collector.text("err", limits.output_bytes)
        if collector.frame is not None and not collector.timed_out:
            try:
                result = _validated(collector.frame)
            except (ProtocolError, TypeError, ValueError) as exc:
                result = SnippetResult(
                    "killed", exception_message=f"the job sent a bad result: {exc}"
                )
        else:
            result = self._verdict(collector, limits, wall)
            result.duration_ms = elapsed_ms
        result.stdout, result.stdout_truncated = stdout, stdout_cut
        result.stderr, result.stderr_truncated = stderr, stderr_cut
        return result

    def _verdict(self, collector: _Collector, limits: SandboxLimits, wall: float) -> SnippetResult:
        """Why the job ended without a result."""
        if collector.timed_out:
            return SnippetResult(
                "timeout", exception_message=f"wall-clock limit of {wall:g} s exceeded"
            )
        if collector.flooded:
            return SnippetResult(
                "killed", exception_message="killed for writing far past the output limit"
            )
        if collector.protocol_error is not None:
            return SnippetResult("killed", exception_message=collector.protocol_error)
        self.exited.wait(_EXIT_STATUS_WAIT)
        info = self.exit_info
        if info is None:
            return SnippetResult(
                "killed", exception_message="the sandbox restarted while the job ran"
            )
        if info.oom:
            mib = limits.memory_bytes // (1024 * 1024)
            return SnippetResult("memory", exception_message=f"memory limit of {mib} MiB exceeded")
        if os.WIFSIGNALED(info.status):
            signum = os.WTERMSIG(info.status)
            # Inside its PID namespace nothing can SIGKILL the job's PID 1, and the other
            # senders (the OOM killer, our wall clock) were ruled out above: what is
            # left is the kernel enforcing RLIMIT_CPU (see isolation).
            if signum in (signal.SIGXCPU, signal.SIGKILL):
                seconds = f"{limits.cpu_seconds:g}"
                return SnippetResult(
                    "timeout", exception_message=f"CPU time limit of {seconds} s exceeded"
                )
            name = _signal_name(signum)
            return SnippetResult(
                "killed", exception_message=f"the snippet's process was killed by {name}"
            )
        code = os.WEXITSTATUS(info.status) if os.WIFEXITED(info.status) else info.status
        return SnippetResult(
            "error",
            exception_message=f"the snippet's process exited with status {code} before finishing",
        )


class _Collector:
    """Reads stdout, stderr and the result pipe until the job is over."""

    def __init__(self, channel: JobChannel, cap: int, deadline: float) -> None:
        self.channel = channel
        self.cap = cap
        self.deadline = deadline
        child = channel.child
        self.streams = {child.out_r: "out", child.err_r: "err"}
        self.kept: dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}
        self.seen = {"out": 0, "err": 0}
        self.frame: dict[str, Any] | None = None
        self.timed_out = False
        self.flooded = False
        self.protocol_error: str | None = None

    def collect(self) -> None:
        child = self.channel.child
        with selectors.DefaultSelector() as selector:
            for fd in (child.out_r, child.err_r, child.result_r, child.pidfd):
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                if self.frame is not None or self.protocol_error is not None:
                    break
                left = self.deadline - time.monotonic()
                if left <= 0:
                    self.timed_out = True
                    break
                for key, _ in selector.select(left):
                    self._on_ready(selector, key.fd)
            # The job is over (or must be): PID 1's death takes its namespace along.
            self.channel.kill()
            self._drain()

    def _on_ready(self, selector: selectors.BaseSelector, fd: int) -> None:
        child = self.channel.child
        if fd == child.pidfd:
            selector.unregister(fd)  # exited; remaining bytes are drained below
            for other in list(selector.get_map()):
                selector.unregister(other)
            return
        chunk = os.read(fd, _READ)
        if not chunk:
            selector.unregister(fd)
        elif fd == child.result_r:
            self._on_result_bytes(chunk)
        elif not self._keep(self.streams[fd], chunk):
            selector.unregister(fd)
            self.flooded = True
            self.channel.kill()

    def _on_result_bytes(self, chunk: bytes) -> None:
        try:
            frames = self.channel.decoder.feed(chunk)
        except ProtocolError as exc:
            self.protocol_error = f"the job broke the result protocol: {exc}"
            return
        for frame in frames:
            if frame.get("kind") == "result" and self.frame is None:
                self.frame = frame

    def _keep(self, stream: str, chunk: bytes) -> bool:
        """Keep the first `cap` bytes; False once the stream runs far past any honest use."""
        kept = self.kept[stream]
        if len(kept) < self.cap:
            kept += chunk[: self.cap - len(kept)]
        self.seen[stream] += len(chunk)
        return self.seen[stream] <= self.cap * _HARD_OUTPUT_FACTOR

    def _drain(self) -> None:
        """Read what is already in the pipes; never wait for the job's other processes."""
        child = self.channel.child
        for fd in (child.out_r, child.err_r, child.result_r):
            os.set_blocking(fd, False)
            with contextlib.suppress(BlockingIOError, OSError):
                while chunk := os.read(fd, _READ):
                    if fd == child.result_r:
                        if self.frame is None and self.protocol_error is None:
                            self._on_result_bytes(chunk)
                    elif not self._keep(self.streams[fd], chunk):
                        break

    def text(self, stream: str, cap: int) -> tuple[str, bool]:
        data = bytes(self.kept[stream][:cap])
        return data.decode("utf-8", "replace"), self.seen[stream] > cap


def _validated(frame: dict[str, Any]) -> SnippetResult:
    """A SnippetResult from the job's own report, refusing anything out of shape."""
    status = frame.get("status")
    if status not in STATUSES:
        raise ProtocolError(f"unknown status {status!r}")
    shape = frame.get("shape")
    tensors = frame.get("tensors") or {}
    if not isinstance(tensors, dict) or len(tensors) > _MAX_TENSORS:
        raise ProtocolError("tensors must be a small mapping")
    duration_ms = float(frame.get("duration_ms", 0.0))
    if not math.isfinite(duration_ms):
        raise ProtocolError("duration_ms must be a number")
    return SnippetResult(
        status=status,
        exception=_optional_text(frame.get("exception")),
        exception_message=_optional_text(frame.get("exception_message")),
        duration_ms=duration_ms,
        shape=None if shape is None else _dims(shape),
        shape_error=_optional_text(frame.get("shape_error")),
        tensors={_text(name): _dims(dims) for name, dims in tensors.items()},
        meta_unsupported=_optional_text(frame.get("meta_unsupported")),
    )


def _dims(value: object) -> list[int]:
    if not isinstance(value, list) or not all(type(d) is int for d in value):
        raise ProtocolError("a shape must be a list of integers")
    return list(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ProtocolError("expected text")
    return value[:8192]


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _signal_name(signum: int) -> str:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
    description = signal.strsignal(signum)
    return f"{name} ({description})" if description else name
