"""`Sandbox`: the one object the rest of the app uses to run snippets.

It owns a zygote and a pool of job processes that are already isolated and waiting
for work. Each child runs under an *identity* (a uid and a cgroup). There are more
identities than jobs that run at once: while a job runs under one, other children wait
ready under others, and an identity is reused only after its last job process has been
reaped, so no two live jobs ever share a uid or a cgroup.

    identity: spawning -> ready -> running -> dying -> (reaped) -> spawning ...
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from app.sandbox.errors import SandboxBusy, SandboxError, SandboxUnavailable
from app.sandbox.job_channel import ChildFailed, JobChannel
from app.sandbox.launcher import ExitInfo, SpawnedChild, ZygoteEvents, ZygoteLink
from app.sandbox.probe import IsolationReport
from app.sandbox.protocol import SandboxLimits, SnippetJob, SnippetResult

__all__ = ["Sandbox", "SandboxBusy", "SandboxError", "SandboxUnavailable", "SnippetRejected"]

BASE_UID = 60000
DEVICES = (None, "cpu", "meta")
_START_TIMEOUT = 120.0
_READY_TIMEOUT = 30.0
_MAX_WALL_SECONDS = 300.0
_ATTEMPTS = 3


class SnippetRejected(SandboxError):
    """The job itself is not acceptable (too long, unknown device); nothing ran."""


class _ZygoteLost(SandboxUnavailable):
    """The zygote died under us; `run` starts a new one and tries again."""


@dataclass(eq=False)
class _Identity:
    index: int
    generation: int
    state: str = "spawning"
    channel: JobChannel | None = None
    spawn_failures: int = 0


class Sandbox:
    """Runs snippets in isolated processes forked from a warm zygote.

    pool_size: jobs that run at once (one per core suits a small VM).
    spares: isolated children kept waiting beyond those, so a job rarely waits for
        one to be prepared (default: two per slot).
    allow_unisolated: run even when the probe finds isolation incomplete; only for
        trusted code (`quiz check --allow-unisolated`).
    queue_size: how many `run_async` callers may wait for a slot before SandboxBusy.
    user_namespace: isolate from a user namespace of the zygote's own, as without root
        (app.sandbox.user_namespace); by default exactly when not running as root.
    cgroups: False runs without cgroups even where the host has them, as on a host
        without (the tests of app.sandbox.memory_watch use it).
    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        pool_size: int = 2,
        allow_unisolated: bool = False,
        spares: int | None = None,
        queue_size: int | None = None,
        python: str | None = None,
        base_uid: int = BASE_UID,
        user_namespace: bool | None = None,
        cgroups: bool = True,
    ) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.limits = limits or SandboxLimits()
        self.pool_size = pool_size
        self.allow_unisolated = allow_unisolated
        self.spares = 2 * pool_size if spares is None else spares
        self.queue_size = 2 * pool_size if queue_size is None else queue_size
        self._python = python
        self._base_uid = base_uid
        self._user_namespace = user_namespace
        self._cgroups = cgroups
        self._watch_memory = False  # no cgroup: the host counts each job's memory
        self._cond = threading.Condition()
        self._restart_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._identities: list[_Identity] = []
        self._by_pid: dict[int, _Identity] = {}
        self._generation = 0
        self._link: ZygoteLink | None = None
        self._report = IsolationReport.unavailable("the sandbox has not been started")
        self._lost: str | None = None
        self._broken_reason = ""
        self._closed = False
        self._in_flight = 0
        self._executor: ThreadPoolExecutor | None = None

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> None:
        """Start the zygote and fill the pool; SandboxUnavailable if isolation is partial."""
        self._start_zygote()
        self._executor = ThreadPoolExecutor(self.pool_size, thread_name_prefix="sandbox-run")

    def _start_zygote(self) -> None:
        count = self.pool_size + self.spares
        link = ZygoteLink(
            self.limits,
            identities=count,
            base_uid=self._base_uid,
            strict=not self.allow_unisolated,
            python=self._python,
            user_namespace=self._user_namespace,
            cgroups=self._cgroups,
        )
        try:
            report = link.start(_START_TIMEOUT)
        except SandboxUnavailable as exc:
            self._report = IsolationReport.unavailable(exc.reason)
            raise
        self._report = IsolationReport.from_probe(report)
        self._watch_memory = not self._report.features["cgroups"].ok
        if not self._report.full and not self.allow_unisolated:
            link.close()
            raise SandboxUnavailable(
                "full isolation is not available: " + "; ".join(self._report.reasons)
            )
        with self._cond:
            self._generation += 1
            generation = self._generation
            self._identities = [_Identity(k, generation) for k in range(count)]
            self._by_pid = {}
            self._lost = None
            self._link = link
        # Bound to this zygote: a late message from a replaced one must change nothing.
        link.listen(
            ZygoteEvents(
                spawned=lambda child: self._on_spawned(generation, child),
                spawn_failed=lambda index, why: self._on_spawn_failed(generation, index, why),
                reaped=lambda pid, info: self._on_reaped(generation, pid, info),
                lost=lambda reason: self._on_lost(generation, reason),
            )
        )
        for identity in self._identities:
            link.spawn(identity.index)

    def _recover(self) -> None:
        """After the zygote died (OOM killer, a bug), the next job starts a new one."""
        with self._restart_lock:
            with self._cond:
                if self._lost is None or self._closed:
                    return
                old, self._link = self._link, None
                stale, self._identities = self._identities, []
            _retire(stale)
            if old is not None:
                old.close()
            self._start_zygote()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            identities, self._identities = self._identities, []
            link, self._link = self._link, None
            self._cond.notify_all()
        _retire(identities)
        if link is not None:
            link.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def isolation_report(self) -> IsolationReport:
        return self._report

    @property
    def serving(self) -> bool:
        """Started and not closed: jobs are taken (a lost zygote is replaced by the next)."""
        with self._cond:
            return self._executor is not None and not self._closed

    @property
    def in_flight(self) -> int:
        """`run_async` jobs running or waiting for a slot."""
        with self._cond:
            return self._in_flight

    @property
    def zygote_pid(self) -> int | None:
        return None if self._link is None else self._link.pid

    # -- running jobs -----------------------------------------------------------

    def run(self, job: SnippetJob) -> SnippetResult:
        """Run one job in a fresh isolated process; blocks, safe from any thread."""
        wall = self._check(job)
        with self._slots:
            failure = "no job process could be prepared"
            retried_after_death = False
            for _ in range(_ATTEMPTS):
                if self._lost is not None:
                    self._recover()
                try:
                    identity = self._take_ready()
                except _ZygoteLost as exc:
                    failure = exc.reason
                    continue
                channel = identity.channel
                assert channel is not None
                try:
                    channel.wait_ready(_READY_TIMEOUT)
                except ChildFailed as exc:
                    failure = str(exc)
                    self._finish(identity)
                    continue
                try:
                    result = channel.run(job, self.limits, wall, watch_memory=self._watch_memory)
                finally:
                    self._finish(identity)
                # The job's process died with its zygote (not by its own limits: then
                # the zygote reaped it and said how). Once, on a fresh zygote.
                if channel.orphaned and not retried_after_death and self._zygote_died(identity):
                    retried_after_death = True
                    failure = "the sandbox's zygote died"
                    continue
                return result
            raise SandboxUnavailable(f"no isolated job process could be had: {failure}")

    def _zygote_died(self, identity: _Identity) -> bool:
        with self._cond:
            return self._lost is not None or identity.generation != self._generation

    async def run_async(self, job: SnippetJob) -> SnippetResult:
        """`run` for the event loop: at most `pool_size` at once, `queue_size` waiting."""
        self._check(job)
        with self._cond:
            if self._executor is None or self._closed:
                raise SandboxUnavailable("the sandbox is not running")
            if self._in_flight >= self.pool_size + self.queue_size:
                raise SandboxBusy("the sandbox is busy; try again in a moment")
            self._in_flight += 1
            future = self._executor.submit(self.run, job)
        future.add_done_callback(self._leave)
        return await asyncio.wrap_future(future)

    def _leave(self, _future: Future[SnippetResult]) -> None:
        with self._cond:
            self._in_flight -= 1

    def _check(self, job: SnippetJob) -> float:
        size = len(job.code.encode("utf-8", "surrogatepass"))
        if size > self.limits.source_bytes:
            raise SnippetRejected(
                f"the snippet is {size} bytes; the limit is {self.limits.source_bytes}"
            )
        if job.device not in DEVICES:
            raise SnippetRejected(f"unknown device {job.device!r}; use 'cpu' or 'meta'")
        wall = self.limits.wall_seconds if job.wall_seconds is None else job.wall_seconds
        if not 0 < wall <= _MAX_WALL_SECONDS:
            raise SnippetRejected(f"wall_seconds must be in (0, {_MAX_WALL_SECONDS:g}]")
        return wall

    def _take_ready(self) -> _Identity:
        with self._cond:
            while True:
                if self._closed:
                    raise SandboxUnavailable("the sandbox is closed")
                if self._lost is not None:
                    raise _ZygoteLost(self._lost)
                if not self._identities:
                    raise SandboxUnavailable("the sandbox has not been started")
                waiting = [i for i in self._identities if i.state == "ready"]
                # Prefer a child that has finished isolating; else one that soon will.
                for identity in sorted(waiting, key=self._not_ready_yet):
                    identity.state = "running"
                    return identity
                if all(i.state == "broken" for i in self._identities):
                    raise SandboxUnavailable(
                        f"the sandbox cannot start job processes: {self._broken_reason}"
                    )
                if not self._cond.wait(_READY_TIMEOUT):
                    raise SandboxError("timed out waiting for a job process")

    @staticmethod
    def _not_ready_yet(identity: _Identity) -> bool:
        assert identity.channel is not None
        try:
            return not identity.channel.poll_ready()
        except ChildFailed:
            return True  # run() will hear why from wait_ready and retry elsewhere

    def _finish(self, identity: _Identity) -> None:
        """The job is over: kill what is left and reuse the identity once it is reaped."""
        channel = identity.channel
        assert channel is not None
        channel.close()
        with self._cond:
            if channel.exited.is_set():
                self._respawn(identity)
            else:
                identity.state = "dying"

    def _respawn(self, identity: _Identity) -> None:
        """Caller holds the lock."""
        identity.channel = None
        if identity.generation != self._generation or self._closed or self._link is None:
            return
        identity.state = "spawning"
        try:
            self._link.spawn(identity.index)
        except SandboxUnavailable as exc:
            self._lost = exc.reason
            self._cond.notify_all()

    # -- zygote events (reader thread) ----------------------------------------------

    def _on_spawned(self, generation: int, child: SpawnedChild) -> None:
        channel = JobChannel(child)
        with self._cond:
            if self._closed or generation != self._generation:
                channel.close()
                return
            identity = self._identities[child.identity]
            identity.channel = channel
            identity.state = "ready"
            identity.spawn_failures = 0
            self._by_pid[child.pid] = identity
            self._cond.notify_all()

    def _on_spawn_failed(self, generation: int, index: int, reason: str) -> None:
        with self._cond:
            if generation != self._generation:
                return
            identity = self._identities[index]
            identity.spawn_failures += 1
            if identity.spawn_failures >= _ATTEMPTS:
                identity.state = "broken"
                self._broken_reason = reason
                self._cond.notify_all()
            else:
                self._respawn(identity)

    def _on_reaped(self, generation: int, pid: int, info: ExitInfo) -> None:
        with self._cond:
            if generation != self._generation:
                return
            identity = self._by_pid.pop(pid, None)
            if identity is None or identity.channel is None:
                return
            identity.channel.record_exit(info)
            if identity.state == "dying":
                self._respawn(identity)

    def _on_lost(self, generation: int, reason: str) -> None:
        with self._cond:
            if generation != self._generation:
                return
            self._lost = reason
            # No zygote will report these exits now; nobody should wait for it.
            for identity in self._identities:
                if identity.channel is not None:
                    identity.channel.exited.set()
            self._cond.notify_all()


def _retire(identities: list[_Identity]) -> None:
    """Kill every child; close the pipes of those no job thread is reading from."""
    for identity in identities:
        channel = identity.channel
        if channel is None:
            continue
        channel.exited.set()  # no exit status will come: the zygote is going away
        if identity.state == "running":
            channel.kill()  # its run() ends now and closes the channel itself
        else:
            channel.close()
