"""The host's side of one job process: the ready handshake, the job, the result.

The host talks to a job only through pipes (see `protocol`) and never reads a file of
the job's filesystem. Reading the pipes is `collector`'s; making a result of what it
read is `outcome`'s.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import threading
import time
from dataclasses import dataclass, field

from app.sandbox import outcome
from app.sandbox.collector import Collector
from app.sandbox.launcher import ExitInfo, SpawnedChild
from app.sandbox.protocol import (
    RESULT_MAX,
    FrameDecoder,
    ProtocolError,
    SandboxLimits,
    SnippetJob,
    SnippetResult,
    encode_frame,
)

_READ = 65536
# For the zygote's word on how a job ended: it comes within milliseconds, or, if the
# zygote died, the host's reader thread hears of that instead. Only a hung zygote
# makes this wait run out.
_EXIT_STATUS_WAIT = 60.0


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
    # The job died and nobody could say how: its zygote died under it (see client.run).
    orphaned: bool = False
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

    def run(
        self,
        job: SnippetJob,
        limits: SandboxLimits,
        wall_seconds: float,
        *,
        watch_memory: bool = False,
    ) -> SnippetResult:
        """watch_memory: no cgroup caps the job's memory, so count it from here."""
        started = time.monotonic()
        self._send_job(job, limits)
        deadline = started + wall_seconds
        cap = limits.memory_bytes if watch_memory else None
        collector = Collector(
            self.child, self.decoder, self.kill, limits.output_bytes, deadline, cap
        )
        collector.collect()
        result = self._reported(collector)
        if result is None:
            result = self._ended(collector, limits, wall_seconds)
            result.duration_ms = (time.monotonic() - started) * 1000
        result.stdout, result.stdout_truncated = collector.text("out")
        result.stderr, result.stderr_truncated = collector.text("err")
        return result

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

    @staticmethod
    def _reported(collector: Collector) -> SnippetResult | None:
        """The job's own result, if it finished in time, sent exactly one and exited."""
        if collector.timed_out or collector.over_memory or collector.protocol_error:
            return None
        return collector.report

    def _ended(self, collector: Collector, limits: SandboxLimits, wall: float) -> SnippetResult:
        """What ended a job that sent no result."""
        if collector.over_memory:
            return outcome.memory_exceeded(limits)
        if collector.timed_out:
            message = f"wall-clock limit of {wall:g} s exceeded"
            return SnippetResult("timeout", exception_message=message)
        if collector.flooded:
            message = "killed for writing far past the output limit"
            return SnippetResult("killed", exception_message=message)
        if collector.protocol_error is not None:
            return SnippetResult("killed", exception_message=collector.protocol_error)
        self.exited.wait(_EXIT_STATUS_WAIT)
        self.orphaned = self.exit_info is None
        return outcome.from_death(self.exit_info, limits)
