"""Reading a running job's pipes until it is over.

Everything here comes from a process running hostile code: output is kept up to the
cap and then only counted (past a hard ceiling the job is killed rather than read
forever), result frames are size-limited, and the wall clock is kept here with SIGKILL
on the job's PID 1, which takes its whole PID namespace with it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time
from collections.abc import Callable

from app.sandbox import memory_watch, outcome
from app.sandbox.launcher import SpawnedChild
from app.sandbox.protocol import FrameDecoder, ProtocolError, SnippetResult

_READ = 65536
_EXIT_GRACE = 1.0  # seconds
_HARD_OUTPUT_FACTOR = 16  # a stream 16x past the cap is a flood, not output


class Collector:
    """stdout, stderr and the result frame of one job, and how its run ended."""

    def __init__(
        self,
        child: SpawnedChild,
        decoder: FrameDecoder,
        kill: Callable[[], None],
        cap: int,
        deadline: float,
        memory_cap: int | None = None,
    ) -> None:
        """memory_cap: count the job's memory from here (no cgroup does), see memory_watch."""
        self.child = child
        self.decoder = decoder
        self.kill = kill
        self.cap = cap
        self.deadline = deadline
        self.streams = {child.out_r: "out", child.err_r: "err"}
        self.kept: dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}
        self.seen = {"out": 0, "err": 0}
        self.report: SnippetResult | None = None  # the job's own account, validated
        self.timed_out = False
        self.flooded = False
        self.protocol_error: str | None = None
        self.over_memory = False
        self.memory_cap = memory_cap
        self._watched = None if memory_cap is None else memory_watch.host_pid(child.pidfd)
        self._next_count = time.monotonic() + memory_watch.INTERVAL

    def collect(self) -> None:
        """Read until the job's death, a flood, a broken protocol or the deadline."""
        child = self.child
        with selectors.DefaultSelector() as selector:
            for fd in (child.out_r, child.err_r, child.result_r, child.pidfd):
                selector.register(fd, selectors.EVENT_READ)
            # A result frame is taken only once the job has exited: a frame the snippet
            # wrote itself and the runner's own would make two (see _on_result_bytes).
            while selector.get_map():
                if self.protocol_error is not None:
                    break
                # A job that reported in time gets a moment more to exit.
                deadline = self.deadline + (_EXIT_GRACE if self.report is not None else 0.0)
                left = deadline - time.monotonic()
                if left <= 0:
                    self.timed_out = True
                    break
                if self._watched is not None:
                    left = min(left, memory_watch.INTERVAL)
                for key, _ in selector.select(left):
                    self._on_ready(selector, key.fd)
                if self._over_memory():
                    break
            # The job is over (or must be): PID 1's death takes its namespace along.
            self.kill()
            self._drain()

    def _over_memory(self) -> bool:
        if self._watched is None or self.memory_cap is None:
            return False
        now = time.monotonic()
        if now < self._next_count:
            return False
        self._next_count = now + memory_watch.INTERVAL
        try:
            self.over_memory = memory_watch.tree_bytes(self._watched) > self.memory_cap
        except PermissionError:
            self.over_memory = True  # what cannot be counted cannot be let run
        return self.over_memory

    def text(self, stream: str) -> tuple[str, bool]:
        """What the job wrote to "out" or "err", and whether it was cut."""
        data = bytes(self.kept[stream][: self.cap])
        return data.decode("utf-8", "replace"), self.seen[stream] > self.cap

    def _on_ready(self, selector: selectors.BaseSelector, fd: int) -> None:
        if fd == self.child.pidfd:
            # Exited: what it wrote is in the pipes, drained below.
            for other in list(selector.get_map()):
                selector.unregister(other)
            return
        chunk = os.read(fd, _READ)
        if not chunk:
            selector.unregister(fd)
        elif fd == self.child.result_r:
            self._on_result_bytes(chunk)
        elif not self._keep(self.streams[fd], chunk):
            selector.unregister(fd)
            self.flooded = True
            self.kill()

    def _on_result_bytes(self, chunk: bytes) -> None:
        try:
            frames = self.decoder.feed(chunk)
        except ProtocolError as exc:
            self.protocol_error = f"the job broke the result protocol: {exc}"
            return
        for frame in frames:
            if frame.get("kind") != "result":
                continue
            if self.report is not None:
                self.protocol_error = "the job sent more than one result (one was forged)"
                return
            try:
                self.report = outcome.from_report(frame)
            except ProtocolError as exc:
                self.protocol_error = f"the job sent a bad result: {exc}"
                return

    def _keep(self, stream: str, chunk: bytes) -> bool:
        """Keep the first `cap` bytes; False once the stream runs far past any honest use."""
        kept = self.kept[stream]
        if len(kept) < self.cap:
            kept += chunk[: self.cap - len(kept)]
        self.seen[stream] += len(chunk)
        return self.seen[stream] <= self.cap * _HARD_OUTPUT_FACTOR

    def _drain(self) -> None:
        """Read what is already in the pipes; never wait for the job's other processes."""
        child = self.child
        for fd in (child.out_r, child.err_r, child.result_r):
            os.set_blocking(fd, False)
            with contextlib.suppress(BlockingIOError, OSError):
                while chunk := os.read(fd, _READ):
                    if fd == child.result_r:
                        if self.protocol_error is None:
                            self._on_result_bytes(chunk)
                    elif not self._keep(self.streams[fd], chunk):
                        break
