"""FastAPI dependencies as `Annotated` aliases: what a route needs, named in its signature.

All are `async def`: they only read request state, and FastAPI would otherwise send
each one through the thread pool. Role checks live here and nowhere else
(`AdminLearner`), so admin pages build on them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar
from weakref import WeakKeyDictionary

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher
from fastapi import Depends, Form, Path, Request

from app.config import Settings
from app.domain.clock import Clock
from app.domain.errors import Busy, NotAllowed, NotFound, NotSignedIn
from app.persistence.database import Database, Service
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, passwords, sign_ins
from app.services.accounts import Learner
from app.services.hashing import HASHES_AT_ONCE
from app.services.playground import Playground
from app.services.throttle import LoginThrottle

P = ParamSpec("P")
T = TypeVar("T")
# A learner's use case: `service(units, clock, learner_id, ...)` (app.services.problems).
LearnerService = Callable[Concatenate[UnitOfWorkFactory, Clock, int, P], T]
# One open to anyone: `service(units, clock, learner_id or None, ...)` (app.services.catalog).
VisitorService = Callable[Concatenate[UnitOfWorkFactory, Clock, int | None, P], T]


def _app_state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency reading what `create_app` put on `app.state` under `name`."""

    async def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    return read


async def _secret_key(request: Request) -> str:
    secret: str = request.app.state.secret_key
    return secret


async def _public_url(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.public_url.rstrip("/")


@dataclass(frozen=True)
class AppContext:
    """What every service call needs from the app, built once by `create_app`."""

    clock: Clock
    database: Database


ClockDep = Annotated[Clock, Depends(_app_state("clock"))]
PlaygroundDep = Annotated[Playground, Depends(_app_state("playground"))]
# `await db.call(service, ...)`: the service gets its unit-of-work factory first.
DatabaseDep = Annotated[Database, Depends(_app_state("database"))]
SecretKey = Annotated[str, Depends(_secret_key)]  # the site's key (app.config.secret_key_of)
PublicUrl = Annotated[str, Depends(_public_url)]  # QUIZ_PUBLIC_URL: never the Host header


def _session_learner_id(request: Request) -> int | None:
    uid = request.session.get("uid")
    return uid if isinstance(uid, int) else None


def _signed_in_id(request: Request) -> int:
    uid = _session_learner_id(request)
    if uid is None:
        raise NotSignedIn("Sign in to continue.")
    return uid


async def optional_learner_id(request: Request) -> int | None:
    return _session_learner_id(request)


async def learner_id(request: Request) -> int:
    return _signed_in_id(request)


OptionalLearnerId = Annotated[int | None, Depends(optional_learner_id)]
LearnerId = Annotated[int, Depends(learner_id)]


@dataclass(frozen=True)
class LearnerCall:
    """A signed-in learner's request, with what every service call needs.

    One dependency where the app context and `LearnerId` would be two: FastAPI spends
    tens of microseconds solving each, and taking a run is the hottest path there is.
    Who the learner is comes from the session cookie; each service checks that the run
    is theirs in the query it makes anyway.
    """

    learner_id: int
    clock: Clock
    database: Database

    async def call(self, service: Service[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`Database.call`: the service, given its unit-of-work factory first."""
        return await self.database.call(service, *args, **kwargs)

    async def ask(self, service: LearnerService[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """The learner's use case, given the unit-of-work factory, the clock and who asks:
        `await me.ask(problems.view_problem, run_id=run_id, number=n)`."""
        return await self.database.call(service, self.clock, self.learner_id, *args, **kwargs)


def signed_in(request: Request) -> LearnerCall:
    """The learner's call, for a direct route (app.web.direct_routes) as for `SignedIn`."""
    c: AppContext = request.app.state.context
    return LearnerCall(_signed_in_id(request), c.clock, c.database)


async def learner_call(request: Request) -> LearnerCall:
    return signed_in(request)


SignedIn = Annotated[LearnerCall, Depends(learner_call)]


@dataclass(frozen=True)
class VisitorCall:
    """A request from anyone, signed in (`learner_id`) or not (None): what a page open to
    all (the catalog, a set's intro) needs for its service call."""

    learner_id: int | None
    clock: Clock
    database: Database

    async def call(self, service: Service[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.database.call(service, *args, **kwargs)

    async def ask(self, service: VisitorService[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`LearnerCall.ask` for anyone: `await visit.ask(catalog.browse, query)`."""
        return await self.database.call(service, self.clock, self.learner_id, *args, **kwargs)


async def visitor_call(request: Request) -> VisitorCall:
    c: AppContext = request.app.state.context
    return VisitorCall(_session_learner_id(request), c.clock, c.database)


Visitor = Annotated[VisitorCall, Depends(visitor_call)]


async def current_learner(request: Request, me: SignedIn) -> Learner:
    try:
        learner = await me.call(accounts.get_learner, me.learner_id)
    except NotFound:
        request.session.clear()
        raise NotSignedIn("Sign in to continue.") from None
    remember_role(request, learner)
    return learner


CurrentLearner = Annotated[Learner, Depends(current_learner)]


async def admin_learner(learner: CurrentLearner) -> Learner:
    if not learner.is_admin:
        raise NotAllowed("Only administrators may do that.")
    return learner


AdminLearner = Annotated[Learner, Depends(admin_learner)]


async def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


# Sign-ins waiting for a hashing slot, beyond which more are told to come back: at
# 0.15 to 0.25 s of CPU a hash, a few seconds of work for one process on two cores.
MOST_WAITING_TO_HASH = 64
BUSY = "Many people are signing in right now. Please try again in a few seconds."
BUSY_RETRY_AFTER = 5


class HashingSlots:
    """Where sign-ins, registrations and password changes run: at most `HASHES_AT_ONCE`
    at once, each in a thread; the others wait on the event loop, holding no thread of
    the shared pool, which static files and, on PostgreSQL, every service call need (a
    crowd signing in held all 40 of its threads, and the whole app waited behind it).
    Past `MOST_WAITING_TO_HASH` waiting, one is refused at once: `Busy`.

    The slots are each event loop's own (an app served by several loops, as tests and
    benches do with several clients): a waiter is woken by its own loop, never by
    another loop's thread, which would leave it asleep for good. What bounds the
    process's hashing in all is `BoundedHasher`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._of_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopSlots] = (
            WeakKeyDictionary()
        )

    async def run(self, call: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        slots = self._of_loop.get(loop)
        if slots is None:
            with self._lock:
                slots = self._of_loop.setdefault(loop, _LoopSlots())
        if slots.taken >= HASHES_AT_ONCE + MOST_WAITING_TO_HASH:
            raise Busy(BUSY, BUSY_RETRY_AFTER)
        slots.taken += 1
        try:
            return await to_thread.run_sync(call, limiter=slots.limiter)
        finally:
            slots.taken -= 1


class _LoopSlots:
    """One event loop's hashing slots, and how many run or wait for one (counted on
    that loop's thread alone)."""

    def __init__(self) -> None:
        self.limiter = CapacityLimiter(HASHES_AT_ONCE)
        self.taken = 0


@dataclass(frozen=True)
class AccountDesk:
    """Registering, signing in and changing a password: what they need (the hasher and
    the login throttle) and how they run: in `HashingSlots`, since a hash takes a fifth
    of a second of CPU (`Database.units`: a unit of work of that thread). A request
    refused there (`Busy`: 503, Retry-After) did nothing; its attempt is not counted."""

    database: Database
    hasher: PasswordHasher
    throttle: LoginThrottle
    clock: Clock
    slots: HashingSlots = field(default_factory=HashingSlots)

    async def register(self, username: str, password: str) -> Learner:
        return await self.slots.run(
            partial(
                accounts.register,
                self.database.units,
                self.hasher,
                clock=self.clock,
                username=username,
                password=password,
            )
        )

    async def authenticate(self, username: str, password: str, client: str) -> Learner:
        return await self.slots.run(
            partial(
                accounts.authenticate,
                self.database.units,
                self.hasher,
                self.throttle,
                username=username,
                password=password,
                client=client,
            )
        )

    async def change_password(
        self, learner_id: int, current: str, new: str, *, client: str, keeping: str | None
    ) -> None:
        """`keeping`: the session asking, which stays signed in."""
        await self.slots.run(
            partial(
                passwords.change_password,
                self.database.units,
                self.hasher,
                self.throttle,
                clock=self.clock,
                learner_id=learner_id,
                current_password=current,
                new_password=new,
                client=client,
                keeping=keeping,
            )
        )


AccountsDep = Annotated[AccountDesk, Depends(_app_state("accounts"))]


async def sign_in(request: Request, learner: Learner) -> None:
    """A fresh session on sign-in (no fixation), keeping nothing from before: a new
    server-side session, and the one it replaces (if any) ended."""
    context: AppContext = request.app.state.context
    token = await context.database.call(
        sign_ins.start,
        clock=context.clock, learner_id=learner.id,
        replacing=session_token(request),
    )  # fmt: skip
    request.session.clear()
    request.session.update({"sid": token, "uid": learner.id, "name": learner.username})
    remember_role(request, learner)


async def sign_out(request: Request) -> None:
    """End the session on the server (a kept copy of the cookie opens nothing) and here."""
    token = session_token(request)
    if token is not None:
        context: AppContext = request.app.state.context
        await context.database.call(sign_ins.end, clock=context.clock, token=token)
    request.session.clear()


def session_token(request: Request) -> str | None:
    """The signed-in session's token (checked live by app.web.sessions), if any."""
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def remember_role(request: Request, learner: Learner) -> None:
    """Whether the nav shows "Admin": noted at sign-in, refreshed wherever the learner is
    loaded anyway (`current_learner`: every admin page). Only the link depends on it;
    each admin route checks the database (`admin_learner`), so a stale note opens nothing.
    """
    if learner.is_admin:
        request.session["admin"] = True
    else:
        request.session.pop("admin", None)


# A pattern item's place in its list (flashcards, quiz, practice), and a card's rating.
ItemIndex = Annotated[int, Path(ge=0, le=1000)]
CardRating = Annotated[int, Form(ge=1, le=4)]
