"""SQLAlchemy table classes: the shape of the database, and nothing else.

Alembic migrations are generated from these and are the only thing that creates or
changes the schema. Portable types only (the app runs on SQLite today and on
PostgreSQL later): datetimes are stored as naive UTC and handed back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.domain.usernames import username_key

# A naming convention makes constraint names stable, which Alembic's batch mode on
# SQLite needs to alter tables.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, naive UTC in the database (portable)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the app works in aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _key_of_username(context: Any) -> str:
    return username_key(context.get_current_parameters()["username"])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # as registered, shown
    # app.domain.usernames.username_key(username): what sign-in looks up, unique.
    username_key: Mapped[str] = mapped_column(String(64), unique=True, default=_key_of_username)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Accommodation: every time limit of a later problem is multiplied by this.
    time_multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime]


class ChallengeSetRow(Base):
    __tablename__ = "challenge_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    badge_name: Mapped[str | None] = mapped_column(String(255))
    badge_description: Mapped[str | None] = mapped_column(Text)
    # Seconds after the end of a learner's run before they may start the set again.
    retake_after_seconds: Mapped[int] = mapped_column(Integer, server_default="600")
    # Review material of a pattern set, stored whole: it has no per-learner history
    # that must point at a revision.
    pattern: Mapped[dict[str, Any] | None]
    source_path: Mapped[str] = mapped_column(String(1024))
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    # A random token, new whenever loading changes what the set holds (its fields, its
    # problems, their revisions, retirement): caches of its content are checked by it.
    content_stamp: Mapped[str | None] = mapped_column(String(32))

    problems: Mapped[list[ProblemRow]] = relationship(
        back_populates="challenge_set", order_by="[ProblemRow.position, ProblemRow.id]"
    )


class ProblemRow(Base):
    """A problem's identity within its set; its content lives in revisions."""

    __tablename__ = "problems"
    __table_args__ = (UniqueConstraint("set_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("challenge_sets.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem_revisions.id", use_alter=True)
    )
    retired_at: Mapped[datetime | None]

    challenge_set: Mapped[ChallengeSetRow] = relationship(back_populates="problems")
    current_revision: Mapped[ProblemRevisionRow | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )


class ProblemRevisionRow(Base):
    """One version of a problem's content; runs point here, so history survives edits."""

    __tablename__ = "problem_revisions"
    __table_args__ = (UniqueConstraint("problem_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]]
    # What the sandbox found when it ran the snippet (shape, exception); grading of
    # free-text shapes uses it.
    executed: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class SnippetResultRow(Base):
    """Cache of sandbox outcomes keyed by (code, question, torch version)."""

    __tablename__ = "snippet_results"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class RunRow(Base):
    __tablename__ = "runs"
    # One open run per learner and set: a second start, even a concurrent one, fails here.
    __table_args__ = (
        Index(
            "uq_runs_open_user_id_set_id",
            "user_id",
            "set_id",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("challenge_sets.id"), index=True)
    time_multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    badge_awarded: Mapped[bool] = mapped_column(Boolean, default=False)

    problems: Mapped[list[RunProblemRow]] = relationship(
        back_populates="run", order_by="RunProblemRow.position"
    )


class RunProblemRow(Base):
    """One problem as taken in one run: its clock, attempts and outcome."""

    __tablename__ = "run_problems"
    __table_args__ = (UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    revision_id: Mapped[int] = mapped_column(ForeignKey("problem_revisions.id"), index=True)
    # Display order of options for this run: option_order[i] is the revision's index.
    option_order: Mapped[list[Any] | None]
    # The variant drawn for this run, as param values ({"batch": 2}); None without params.
    variant: Mapped[dict[str, Any] | None]
    time_limit_seconds: Mapped[float] = mapped_column(Float)
    max_attempts: Mapped[int] = mapped_column(Integer)
    first_viewed_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    attempts_used: Mapped[int] = mapped_column(Integer, default=0)
    hint_used_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    finished_at: Mapped[datetime | None]

    run: Mapped[RunRow] = relationship(back_populates="problems")
    revision: Mapped[ProblemRevisionRow] = relationship()
    attempts: Mapped[list[AttemptRow]] = relationship(order_by="AttemptRow.number")


class AttemptRow(Base):
    __tablename__ = "attempts"
    # (run_problem_id, number) unique: two concurrent submissions cannot both be attempt N.
    __table_args__ = (UniqueConstraint("run_problem_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_problem_id: Mapped[int] = mapped_column(ForeignKey("run_problems.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime]
    answer_text: Mapped[str] = mapped_column(Text)
    option_index: Mapped[int | None] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)


class AwardRow(Base):
    __tablename__ = "awards"
    # A learner holds a set's badge once; later perfect runs do not award it again.
    __table_args__ = (UniqueConstraint("user_id", "set_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("challenge_sets.id"))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), unique=True)
    badge_name: Mapped[str] = mapped_column(String(255))
    badge_description: Mapped[str] = mapped_column(Text)
    awarded_at: Mapped[datetime]


class FlashcardReviewRow(Base):
    """A learner's spaced-repetition state for one flashcard of a pattern set."""

    __tablename__ = "flashcard_reviews"
    __table_args__ = (UniqueConstraint("user_id", "set_id", "card_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(ForeignKey("challenge_sets.id"))
    card_index: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]]
    due: Mapped[datetime]
    reviewed_at: Mapped[datetime]


class PatternTestRow(Base):
    """A "Test this pattern" sitting: the drawn questions, the answers, the score."""

    __tablename__ = "pattern_tests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("challenge_sets.id"))
    questions: Mapped[list[Any]]
    answers: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    score: Mapped[int | None] = mapped_column(Integer)


class AuditLogRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any] | None]
    at: Mapped[datetime] = mapped_column(index=True)


class IssuerKeyRow(Base):
    """The Ed25519 key that signs badge credentials: created once, kept."""

    __tablename__ = "issuer_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_multibase: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class ContentFileRow(Base):
    """The latest load of each challenge file: what admins see on the content page."""

    __tablename__ = "content_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(1024), unique=True)
    slug: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    # [{"line": 42, "text": "challenges/gru.yaml:42: problems[3].time_limit: ..."}]
    errors: Mapped[list[Any]]
    checked_at: Mapped[datetime]


class LoginThrottleRow(Base):
    """Failed sign-ins of one account or one client address (app.services.throttle).

    In the database so that every app process counts the same guesses. `key` is a
    digest: typed usernames (sometimes a password typed in the wrong field) and
    addresses are not kept in the clear.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    # Sign-ins counted since `window_started`, those still being checked included.
    failures: Mapped[int] = mapped_column(Integer)
    window_started: Mapped[datetime]
    locks: Mapped[int] = mapped_column(Integer)  # locks so far: each one doubles the next
    locked_until: Mapped[datetime | None]
    last_at: Mapped[datetime] = mapped_column(index=True)


class SessionRow(Base):
    """A signed-in session. The cookie carries its token; the row, the token's SHA-256.

    Checked on every signed-in request (a primary-key lookup): a revoked or expired row
    signs its cookie out, whatever the cookie's own signature and age say.
    """

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class PlaygroundBucketRow(Base):
    """One learner's playground rate limit, shared by every app process (a token bucket
    kept as the moment it is full again, so taking a token is one guarded UPDATE).

    `full_at_us` is in microseconds since the epoch, an integer, so that the UPDATE can
    add to it in SQL on every engine. A row whose moment has passed is a full bucket,
    the same as no row, and is deleted when convenient.
    """

    __tablename__ = "playground_buckets"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    full_at_us: Mapped[int] = mapped_column(BigInteger, index=True)


class SandboxClaimRow(Base):
    """A learner's snippet in the sandbox (app.services.sandbox_share), from any process.

    At most `per_learner` rows per learner, numbered by `slot`: the primary key refuses
    a second claim on a slot, whichever process tries. A process that dies holding one
    leaves it until `lease_until`, after which the next claim takes it over.
    """

    __tablename__ = "sandbox_claims"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(32))  # whose claim: only it releases
    lease_until: Mapped[datetime] = mapped_column(index=True)
