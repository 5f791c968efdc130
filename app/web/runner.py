"""How an async route calls a synchronous service function.

SQLite: inline, on the event loop. Its statements take microseconds and it has one
writer at a time; from a thread pool, concurrent writers would only wait on each
other's lock (SQLite's busy handler sleeps in steps of up to 100 ms), which is what
made the p99 latency of answering hundreds of milliseconds. Inline, one process
never contends with itself. A networked database (PostgreSQL) goes through the thread
pool so that its round trips never block the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
T = TypeVar("T")


class ServiceRunner:
    def __init__(self, *, inline: bool) -> None:
        self.inline = inline

    async def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        if self.inline:
            return fn(*args, **kwargs)
        return await run_in_threadpool(fn, *args, **kwargs)


def runner_for(database_url: str) -> ServiceRunner:
    return ServiceRunner(inline=database_url.startswith("sqlite"))
