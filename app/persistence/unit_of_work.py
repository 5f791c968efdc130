"""The unit of work: one transaction, its repositories, committed only when asked.

A service opens one with the factory it was given (`with units() as uow:`), works
through the repositories it owns (`uow.runs`, `uow.sets`, ...) and calls
`uow.commit()`; leaving the `with` block without that rolls everything back. How the
unit reaches the database is its own business: it takes one connection, chosen by
the engine (SQLite: the commit group's connection for a call on the event loop, a
connection kept per thread otherwise; PostgreSQL: one from the pool), and the ORM
session that some repositories use is bound to that same connection, so whatever a
service does in one unit is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TypeVar, cast

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.persistence.analytics import AnalyticsRepository
from app.persistence.audit_log import AuditLog
from app.persistence.awards import AwardRepository
from app.persistence.catalog import CatalogQueries
from app.persistence.content import ContentFiles
from app.persistence.credentials import AwardCredentials
from app.persistence.dashboard import SiteCounts
from app.persistence.group_commit import Member
from app.persistence.issuer_keys import IssuerKeyStore
from app.persistence.kept_connections import connection_for
from app.persistence.learners import LearnerRepository
from app.persistence.login_throttle import LoginThrottleRepository
from app.persistence.open_runs import OpenRuns
from app.persistence.patterns import FlashcardReviews, PatternTests
from app.persistence.playground_limits import SandboxClaimRepository, TokenBucketRepository
from app.persistence.previews import Previews
from app.persistence.progress import ProgressQueries
from app.persistence.revisions import Revisions
from app.persistence.run_problems import RunProblems
from app.persistence.runs import RunRepository
from app.persistence.set_content import SetContent
from app.persistence.sets import SetRepository
from app.persistence.sign_ins import SignIns
from app.persistence.snippets import SnippetCache

R = TypeVar("R")


class UnitOfWork:
    def __init__(
        self, engine: Engine, member: Member | None = None, *, single_read: bool = False
    ) -> None:
        """`member`: the service call on the event loop this unit belongs to (SQLite's
        commit group, app.persistence.group_commit); None anywhere else. `single_read`:
        the unit reads with one statement and writes nothing, so on PostgreSQL it runs
        without a transaction of its own (app.persistence.kept_connections)."""
        self._engine = engine
        self._member = member
        self._single_read = single_read
        self._opened: AbstractContextManager[Connection] | None = None
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._session_repositories: dict[Callable[[Session], object], object] = {}
        self._connection_repositories: dict[Callable[[Connection], object], object] = {}

    def __enter__(self) -> UnitOfWork:
        if self._opened is not None:
            raise RuntimeError("a unit of work is entered once")
        opened = connection_for(self._engine, self._member, autocommit=self._single_read)
        self._connection = opened.__enter__()
        self._opened = opened
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        opened, self._opened = self._opened, None
        try:
            self._close_session()
        finally:
            self._connection = None
            self._connection_repositories.clear()
            if opened is not None:
                opened.__exit__(None, None, None)  # rolls back what was not committed

    def commit(self) -> None:
        """Make everything done so far permanent (in a commit group: once the group commits)."""
        if self._session is not None:
            self._session.flush()
            self._close_session()  # a later step starts a session of its own
        connection = self.connection
        if self._member is None or not self._member.group.keep(connection):
            connection.commit()

    def flush(self) -> None:
        """Send the session's pending changes, to read them back in this unit."""
        if self._session is not None:
            self._session.flush()

    # -- how repositories reach the database (only app.persistence uses these) ------

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("a unit of work is used inside its `with` block")
        return self._connection

    @property
    def session(self) -> Session:
        """The ORM session, bound to this unit's connection and transaction."""
        if self._session is None:
            connection = self.connection
            if not connection.in_transaction():
                connection.begin()  # ours: the session joins it and never commits it
            self._session = Session(bind=connection, expire_on_commit=False)
        return self._session

    def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()
        self._session_repositories.clear()  # built on the closed session

    # -- the repositories ------------------------------------------------------------

    def _on_session(self, make: Callable[[Session], R]) -> R:
        """The unit's repository of type `make`, built on the session once."""
        found = self._session_repositories.get(make)
        if found is None:
            found = self._session_repositories[make] = make(self.session)
        return cast(R, found)

    def _on_connection(self, make: Callable[[Connection], R]) -> R:
        """The unit's repository of type `make`, built on the connection once (Core)."""
        found = self._connection_repositories.get(make)
        if found is None:
            found = self._connection_repositories[make] = make(self.connection)
        return cast(R, found)

    @property
    def sign_ins(self) -> SignIns:
        return self._on_connection(SignIns)

    @property
    def run_problems(self) -> RunProblems:
        return self._on_connection(RunProblems)

    @property
    def catalog(self) -> CatalogQueries:
        return self._on_connection(CatalogQueries)

    @property
    def progress(self) -> ProgressQueries:
        return self._on_connection(ProgressQueries)

    @property
    def pattern_tests(self) -> PatternTests:
        return self._on_session(PatternTests)

    @property
    def open_runs(self) -> OpenRuns:
        return self._on_connection(OpenRuns)

    @property
    def revisions(self) -> Revisions:
        return self._on_connection(Revisions)

    @property
    def sets(self) -> SetRepository:
        return self._on_session(SetRepository)

    @property
    def set_content(self) -> SetContent:
        return self._on_connection(SetContent)

    @property
    def runs(self) -> RunRepository:
        return self._on_connection(RunRepository)

    @property
    def learners(self) -> LearnerRepository:
        return self._on_session(LearnerRepository)

    @property
    def awards(self) -> AwardRepository:
        return self._on_connection(AwardRepository)

    @property
    def analytics(self) -> AnalyticsRepository:
        return self._on_session(AnalyticsRepository)

    @property
    def login_throttle(self) -> LoginThrottleRepository:
        return self._on_session(LoginThrottleRepository)

    @property
    def snippets(self) -> SnippetCache:
        return self._on_session(SnippetCache)

    @property
    def issuer_keys(self) -> IssuerKeyStore:
        return self._on_session(IssuerKeyStore)

    @property
    def flashcards(self) -> FlashcardReviews:
        return self._on_session(FlashcardReviews)

    # -- admin and content --------------------------------------------------------

    @property
    def audit_log(self) -> AuditLog:
        return self._on_session(AuditLog)

    @property
    def award_credentials(self) -> AwardCredentials:
        return self._on_session(AwardCredentials)

    @property
    def content_files(self) -> ContentFiles:
        return self._on_session(ContentFiles)

    @property
    def previews(self) -> Previews:
        return self._on_session(Previews)

    @property
    def site_counts(self) -> SiteCounts:
        return self._on_session(SiteCounts)

    @property
    def sandbox_claims(self) -> SandboxClaimRepository:
        return self._on_session(SandboxClaimRepository)

    @property
    def token_buckets(self) -> TokenBucketRepository:
        return self._on_session(TokenBucketRepository)


# What services are given: each call opens a new unit of work.
UnitOfWorkFactory = Callable[[], UnitOfWork]
