"""How an async route calls a synchronous service function.

SQLite: inline, on the event loop. Its statements take microseconds and it has one
writer at a time; from a thread pool, concurrent writers would only wait on each
other's lock (SQLite's busy handler sleeps in steps of up to 100 ms), which is what
made the p99 latency of answering hundreds of milliseconds. Inline, one process
never contends with itself, and the calls of one turn of the loop share a COMMIT
(app.persistence.group_commit): each call returns once its work is committed.
A networked database (PostgreSQL) goes through the thread pool so that its round
trips never block the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.persistence.group_commit import CommitGroup, group_for

P = ParamSpec("P")
T = TypeVar("T")


class ServiceRunner:
    def __init__(self, *, inline: bool, group: CommitGroup | None = None) -> None:
        self.inline = inline
        self.group = group

    async def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        if not self.inline:
            return await run_in_threadpool(fn, *args, **kwargs)
        if self.group is None:
            return fn(*args, **kwargs)
        member = self.group.member()
        try:
            with member:
                return fn(*args, **kwargs)
        finally:
            await member.durable()  # also when it raised: its refusal may have kept work

    async def gate(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A read that decides whether a request goes on, not what it answers (is this
        session live?): like a call, but it does not wait for the COMMIT of others'
        pending work it may have seen. What it could see pending is a session being
        revoked (refusing early is safe) or started (its token reaches nobody before
        that COMMIT). The request's own calls still wait for what they read. Reads only:
        work it kept would be answered before it is on disk.
        """
        if not self.inline:
            return await run_in_threadpool(fn, *args, **kwargs)
        if self.group is None:
            return fn(*args, **kwargs)
        with self.group.member():
            return fn(*args, **kwargs)


def runner_for(engine: Engine) -> ServiceRunner:
    inline = engine.dialect.name == "sqlite"
    return ServiceRunner(inline=inline, group=group_for(engine) if inline else None)
