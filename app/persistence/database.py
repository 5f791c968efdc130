"""One database: its engine, its units of work, and how async code calls a service on it.

A service is a synchronous function whose first parameter is a unit-of-work factory
(app.persistence.unit_of_work). Async code (the web app) calls it through `call`,
which picks, by engine, how it runs:

SQLite: inline, on the event loop. Its statements take microseconds and it has one
writer at a time; from a thread pool, concurrent writers would only wait on each
other's lock (SQLite's busy handler sleeps in steps of up to 100 ms), which is what
made the p99 latency of answering hundreds of milliseconds. Inline, one process
never contends with itself, and the calls of one turn of the loop share a COMMIT
(app.persistence.group_commit): each call returns once its work is committed.

PostgreSQL: in the thread pool, so that its round trips never block the loop; each
unit of work takes a connection from the pool and commits on its own.

Synchronous code (the CLI, tests) calls a service with `database.units` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.persistence.engine import answers, make_engine
from app.persistence.group_commit import Member, group_for
from app.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

P = ParamSpec("P")
T = TypeVar("T")
Service = Callable[Concatenate[UnitOfWorkFactory, P], T]


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._inline = engine.dialect.name == "sqlite"
        self._group = group_for(engine) if self._inline else None

    @classmethod
    def at(cls, url: str) -> Database:
        return cls(make_engine(url))

    def units(self) -> UnitOfWork:
        """A unit of work outside any service call on the event loop."""
        return UnitOfWork(self.engine)

    async def call(self, service: Service[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `service(units, ...)` and return once what it committed is durable."""
        if not self._inline:
            return await run_in_threadpool(service, self.units, *args, **kwargs)
        if self._group is None:
            return service(self.units, *args, **kwargs)
        member = self._group.member()
        try:
            return service(_member_units(self.engine, member), *args, **kwargs)
        finally:
            await member.durable()  # also when it raised: its refusal may have kept work

    async def call_aside(self, service: Service[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`call` for a service that may take long (admin reports, exports, searches):
        in the thread pool on every engine, so it never holds up the event loop and the
        learners' requests on it. On SQLite its units take a connection of their own:
        in WAL mode its reads wait for no writer, and a write of its own waits at most
        for the commit group's next COMMIT."""
        return await run_in_threadpool(service, self.units, *args, **kwargs)

    async def gate(self, service: Service[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A read that decides whether a request goes on, not what it answers (is this
        session live?): like `call`, but it does not wait for the COMMIT of others'
        pending work it may have seen. What it could see pending is a session being
        revoked (refusing early is safe) or started (its token reaches nobody before
        that COMMIT). The request's own calls still wait for what they read. One read
        only: work it kept would be answered before it is on disk, and on PostgreSQL its
        unit has no transaction (each statement commits by itself: no BEGIN and COMMIT
        round trips for a check made on every request).
        """
        if not self._inline:
            return await run_in_threadpool(service, self._single_reads, *args, **kwargs)
        if self._group is None:
            return service(self.units, *args, **kwargs)
        return service(_member_units(self.engine, self._group.member()), *args, **kwargs)

    async def offload(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A synchronous call that opens units of work of its own (the playground's shared
        limits): inline on SQLite, as `call`, in the thread pool elsewhere."""
        if self._inline:
            return fn(*args, **kwargs)
        return await run_in_threadpool(fn, *args, **kwargs)

    def _single_reads(self) -> UnitOfWork:
        return UnitOfWork(self.engine, single_read=True)

    def answers(self) -> bool:
        """Whether the database answers a trivial query (a health check: it stays cheap)."""
        return answers(self.engine)

    @property
    def engine_name(self) -> str:
        """`sqlite` or `postgresql`: for health checks and figures."""
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def _member_units(engine: Engine, member: Member) -> UnitOfWorkFactory:
    def units() -> UnitOfWork:
        return UnitOfWork(engine, member)

    return units
