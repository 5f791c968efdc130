"""A FakeUnitOfWork (cosmicpython's, chapter 6): the service code, without a database.

The repositories are dict-backed, with the methods the services call on the real
ones (app.persistence.unit_of_work), and read and write one `FakeDatabase`. A unit
works on a copy of the database's tables; `commit()` publishes the copy and records
that it committed; leaving the `with` block without it drops the copy, as a rollback
would. So a test can tell what a service kept from what it refused.

    db = FakeDatabase()
    db.add_set(builders.challenge())
    units = FakeUnits(db)
    runs.start_run(units, clock=clock, learner_id=db.add_learner(), slug="gru-test")
    assert units.committed

What the rules of the real repositories are (the guarded updates), the fakes keep in
plain Python; tests/integration checks the real ones against SQLite.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any

from app.domain.challenge import ChallengeSet, Problem, SetKind
from app.domain.errors import NotFound
from app.domain.runs import GRACE, Outcome, deadline_from
from app.domain.usernames import username_key
from app.domain.variants import executed_for, find_variant, render
from app.persistence.awards import AwardView, RunBadge
from app.persistence.learners import Account
from app.persistence.login_throttle import ThrottleState
from app.persistence.open_runs import UnfinishedProblem
from app.persistence.run_problems import AttemptRecord, AttemptTaken, Facts, State
from app.persistence.runs import NewRunProblem, RunProblemRecord, RunRecord, Seen
from app.persistence.sets import (
    RevisionRef,
    SaveOutcome,
    SetHeading,
    SetRevisions,
    SetSource,
)

# -- the tables ----------------------------------------------------------------------


@dataclass
class SetRow:
    id: int
    slug: str
    kind: SetKind
    title: str
    topic: str | None
    badge_name: str | None
    badge_description: str | None
    retake_after_seconds: int
    revisions: tuple[RevisionRef, ...]
    retired: bool = False
    # What loading compares and keeps (app.services.loading).
    source_path: str = ""
    content_hash: str = ""
    loaded_at: datetime | None = None
    problem_ids: dict[str, int] = field(default_factory=dict)  # by key, retired ones too


@dataclass(frozen=True)
class RevisionRow:
    id: int
    problem_id: int
    content_hash: str
    problem: Problem
    executed: dict[str, Any] | None


@dataclass
class RunRow:
    id: str
    user_id: int
    set_id: int
    time_multiplier: float
    started_at: datetime
    finished_at: datetime | None = None
    badge_awarded: bool = False


@dataclass
class RunProblemRow:
    id: int
    run_id: str
    position: int
    revision_id: int
    option_order: list[int] | None
    time_limit_seconds: float
    max_attempts: int
    variant: dict[str, Any] | None
    first_viewed_at: datetime | None = None
    deadline: datetime | None = None
    attempts_used: int = 0
    hint_used_at: datetime | None = None
    outcome: Outcome = Outcome.PENDING
    finished_at: datetime | None = None


@dataclass
class AwardRow:
    id: str
    user_id: int
    set_id: int
    run_id: str
    badge_name: str
    badge_description: str
    awarded_at: datetime


@dataclass
class ThrottleRow:
    failures: int
    window_started: datetime
    locks: int
    locked_until: datetime | None
    last_at: datetime


@dataclass
class SessionRow:
    user_id: int
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass
class Tables:
    """What a unit changes: copied when a unit starts, published when it commits."""

    sets: dict[int, SetRow] = field(default_factory=dict)
    learners: dict[int, Account] = field(default_factory=dict)
    runs: dict[str, RunRow] = field(default_factory=dict)
    run_problems: dict[int, RunProblemRow] = field(default_factory=dict)
    attempts: dict[int, list[AttemptRecord]] = field(default_factory=dict)  # by run problem
    awards: list[AwardRow] = field(default_factory=list)
    throttle: dict[str, ThrottleRow] = field(default_factory=dict)
    sign_ins: dict[str, SessionRow] = field(default_factory=dict)
    snippets: dict[str, dict[str, Any]] = field(default_factory=dict)  # by cache key
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class FakeDatabase:
    """The committed state, and the content (revisions), which never changes."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.revisions: dict[int, RevisionRow] = {}

    def add_learner(self, time_multiplier: float = 1.0, *, password_hash: str = "") -> int:
        learner_id = self.tables.new_id()
        self.tables.learners[learner_id] = Account(
            learner_id, f"learner{learner_id}", password_hash, False, time_multiplier
        )
        return learner_id

    def add_set(
        self,
        challenge_set: ChallengeSet,
        *,
        executed: Mapping[str, dict[str, Any]] | None = None,
        retake_after_seconds: int | None = None,
    ) -> int:
        """Store a set as loading would; `executed`: what the sandbox found, by problem key."""
        set_id = self.tables.new_id()
        refs = []
        for position, members in enumerate(challenge_set.positions(), start=1):
            for problem in members:
                revision = RevisionRow(
                    id=self.tables.new_id(),
                    problem_id=self.tables.new_id(),
                    content_hash=problem.content_hash(),
                    problem=problem,
                    executed=(executed or {}).get(problem.key),
                )
                self.revisions[revision.id] = revision
                refs.append(
                    RevisionRef(revision.id, revision.content_hash, revision.problem_id, position)
                )
        badge = challenge_set.badge
        self.tables.sets[set_id] = SetRow(
            id=set_id,
            slug=challenge_set.slug,
            kind=challenge_set.kind,
            title=challenge_set.title,
            topic=challenge_set.topic,
            badge_name=badge.name if badge else None,
            badge_description=badge.description if badge else None,
            retake_after_seconds=(
                challenge_set.retake_after_seconds
                if retake_after_seconds is None
                else retake_after_seconds
            ),
            revisions=tuple(refs),
        )
        return set_id

    # What tests read back.

    def run_problems_of(self, run_id: str) -> list[RunProblemRow]:
        rows = [p for p in self.tables.run_problems.values() if p.run_id == run_id]
        return sorted(rows, key=lambda p: p.position)

    def awards_of(self, learner_id: int) -> list[AwardRow]:
        return [a for a in self.tables.awards if a.user_id == learner_id]


# -- the repositories ----------------------------------------------------------------


class FakeLearners:
    """Accounts, one per username key (any spelling of a name is the same account)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def by_name(self, username: str) -> Account | None:
        key = username_key(username)
        return next((a for a in self._t.learners.values() if username_key(a.username) == key), None)

    def get(self, user_id: int) -> Account | None:
        return self._t.learners.get(user_id)

    def get_one(self, user_id: int) -> Account:
        return self._t.learners[user_id]

    def add(
        self, username: str, password_hash: str, created_at: datetime, *, is_admin: bool = False
    ) -> Account | None:
        if self.by_name(username) is not None:
            return None  # the unique index on the username key
        account = Account(self._t.new_id(), username, password_hash, is_admin, 1.0)
        self._t.learners[account.id] = account
        return account

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._t.learners[user_id] = replace(self._t.learners[user_id], password_hash=password_hash)


class FakeSets:
    def __init__(self, tables: Tables, db: FakeDatabase | None = None) -> None:
        self._t = tables
        self._db = db

    def revisions_to_take(self, slug: str) -> SetRevisions | None:
        found = next((s for s in self._t.sets.values() if s.slug == slug), None)
        if found is None:
            return None
        return SetRevisions(
            id=found.id,
            kind=found.kind,
            retired=found.retired,
            revisions=found.revisions,
            title=found.title,
            retake_after_seconds=found.retake_after_seconds,
        )

    def heading(self, set_id: int) -> SetHeading:
        found = self._t.sets[set_id]
        return SetHeading(slug=found.slug, title=found.title, badge_name=found.badge_name)

    # -- loading (app.persistence.sets' rules: a revision per content change) ---------

    def sources(self) -> list[SetSource]:
        rows = sorted(self._t.sets.values(), key=lambda row: row.slug)
        return [SetSource(row.slug, row.source_path, row.retired) for row in rows]

    def store(
        self,
        challenge_set: ChallengeSet,
        *,
        source_path: str,
        now: datetime,
        executed: dict[str, dict[str, Any]],
    ) -> SaveOutcome:
        """Revisions are content (FakeDatabase.revisions, outside a unit's copy): one a
        rolled-back store made stays, unreferenced, as no read reaches it."""
        assert self._db is not None, "FakeSets(tables, db) stores sets"
        row = next((r for r in self._t.sets.values() if r.slug == challenge_set.slug), None)
        created = row is None
        if row is None:
            row = self._new_row(challenge_set, now)
        current = {self._db.revisions[ref.id].problem.key: ref for ref in row.revisions}
        changed = created or row.content_hash != challenge_set.content_hash() or row.retired
        refs, new_revisions = [], 0
        for position, members in enumerate(challenge_set.positions(), start=1):
            for problem in members:
                ref, made = self._revision(row, current.get(problem.key), problem, now)
                ref = replace(ref, position=position)
                if problem.key in executed:
                    revision = self._db.revisions[ref.id]
                    self._db.revisions[ref.id] = replace(revision, executed=executed[problem.key])
                refs.append(ref)
                new_revisions += made
        retired = len(set(current) - {problem.key for problem in challenge_set.problems})
        badge = challenge_set.badge
        row.kind, row.title, row.topic = (
            challenge_set.kind,
            challenge_set.title,
            challenge_set.topic,
        )
        row.badge_name = badge.name if badge else None
        row.badge_description = badge.description if badge else None
        row.retake_after_seconds = challenge_set.retake_after_seconds
        row.revisions, row.retired, row.source_path = tuple(refs), False, source_path
        row.content_hash = challenge_set.content_hash()
        if changed:
            row.loaded_at = now
        return SaveOutcome(
            slug=challenge_set.slug,
            created=created,
            changed=changed or new_revisions > 0 or retired > 0,
            new_revisions=new_revisions,
            retired_problems=retired,
        )

    def _new_row(self, challenge_set: ChallengeSet, now: datetime) -> SetRow:
        row = SetRow(
            id=self._t.new_id(),
            slug=challenge_set.slug,
            kind=challenge_set.kind,
            title=challenge_set.title,
            topic=challenge_set.topic,
            badge_name=None,
            badge_description=None,
            retake_after_seconds=challenge_set.retake_after_seconds,
            revisions=(),
            loaded_at=now,
        )
        self._t.sets[row.id] = row
        return row

    def _revision(
        self, row: SetRow, current: RevisionRef | None, problem: Problem, now: datetime
    ) -> tuple[RevisionRef, bool]:
        """The problem's revision for this content, and whether it is new (a reverted
        edit reuses the earlier revision)."""
        assert self._db is not None
        digest = problem.content_hash()
        if current is not None and current.content_hash == digest:
            return current, False
        problem_id = row.problem_ids.setdefault(
            problem.key, current.problem_id if current else self._t.new_id()
        )
        for earlier in self._db.revisions.values():
            if earlier.problem_id == problem_id and earlier.content_hash == digest:
                return RevisionRef(earlier.id, digest, problem_id, 0), False
        revision = RevisionRow(self._t.new_id(), problem_id, digest, problem, None)
        self._db.revisions[revision.id] = revision
        return RevisionRef(revision.id, digest, problem_id, 0), True

    def retire_missing(self, present_slugs: set[str], now: datetime) -> list[str]:
        retired = []
        for row in self._t.sets.values():
            if not row.retired and row.slug not in present_slugs:
                row.retired = True
                retired.append(row.slug)
        return retired


class FakeSnippets:
    """The sandbox's cache of outcomes (app.persistence.snippets), by cache key."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        return {key: self._t.snippets[key] for key in keys if key in self._t.snippets}

    def put(self, key: str, result: dict[str, Any], now: datetime) -> None:
        self._t.snippets[key] = result


class FakeRevisions:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    def problem(
        self, revision_id: int, content_hash: str, variant: Mapping[str, object] | None = None
    ) -> Problem:
        found = self._db.revisions[revision_id].problem
        if variant is None:
            return found
        return render(found, find_variant(found.params, variant))


class FakeRuns:
    def __init__(self, tables: Tables, db: FakeDatabase) -> None:
        self._t = tables
        self._db = db

    def time_multiplier(self, learner_id: int) -> float:
        return self._t.learners[learner_id].time_multiplier

    def add(
        self,
        *,
        run_id: str,
        learner_id: int,
        set_id: int,
        time_multiplier: float,
        started_at: datetime,
    ) -> bool:
        """False, as the unique index on open runs would refuse a second open run."""
        if any(
            r.user_id == learner_id and r.set_id == set_id and r.finished_at is None
            for r in self._t.runs.values()
        ):
            return False
        self._t.runs[run_id] = RunRow(run_id, learner_id, set_id, time_multiplier, started_at)
        return True

    def add_problems(self, run_id: str, problems: Sequence[NewRunProblem]) -> None:
        for p in problems:
            row_id = self._t.new_id()
            self._t.run_problems[row_id] = RunProblemRow(
                row_id, run_id, p.position, p.revision_id, p.option_order,
                p.time_limit_seconds, p.max_attempts, p.variant,
            )  # fmt: skip

    def seen(self, learner_id: int, set_id: int) -> list[Seen]:
        return [
            Seen(self._db.revisions[p.revision_id].problem_id, p.variant)
            for p in self._t.run_problems.values()
            if p.first_viewed_at is not None
            and self._t.runs[p.run_id].user_id == learner_id
            and self._t.runs[p.run_id].set_id == set_id
        ]

    def find(self, run_id: str) -> RunRecord | None:
        found = self._t.runs.get(run_id)
        return None if found is None else _run_record(found)

    def get(self, run_id: str) -> RunRecord:
        return _run_record(self._t.runs[run_id])

    def problems(self, run_id: str) -> list[RunProblemRecord]:
        rows = sorted(
            (p for p in self._t.run_problems.values() if p.run_id == run_id),
            key=lambda p: p.position,
        )
        return [
            RunProblemRecord(
                position=p.position,
                revision_id=p.revision_id,
                content_hash=self._db.revisions[p.revision_id].content_hash,
                time_limit_seconds=p.time_limit_seconds,
                max_attempts=p.max_attempts,
                attempts_used=p.attempts_used,
                hint_used=p.hint_used_at is not None,
                outcome=p.outcome,
                started=p.deadline is not None,
            )
            for p in rows
        ]


def _run_record(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        user_id=row.user_id,
        set_id=row.set_id,
        started_at=row.started_at,
        finished=row.finished_at is not None,
        badge_awarded=row.badge_awarded,
    )


def _state(row: RunProblemRow) -> State:
    return State(
        position=row.position,
        deadline=row.deadline,
        attempts_used=row.attempts_used,
        hint_used=row.hint_used_at is not None,
        stored_outcome=row.outcome,
    )


class FakeRunProblems:
    """The guarded updates of app.persistence.run_problems, as plain conditions."""

    def __init__(self, tables: Tables, db: FakeDatabase) -> None:
        self._t = tables
        self._db = db

    def _row(self, run_id: str, number: int) -> RunProblemRow | None:
        return next(
            (
                p
                for p in self._t.run_problems.values()
                if p.run_id == run_id and p.position == number
            ),
            None,
        )

    def facts(self, *, run_id: str, number: int, learner_id: int) -> Facts:
        row = self._row(run_id, number)
        run = self._t.runs.get(run_id)
        if row is None or run is None or run.user_id != learner_id:
            raise NotFound("There is no such problem in your runs.")
        the_set = self._t.sets[run.set_id]
        revision = self._db.revisions[row.revision_id]
        executed = executed_for(revision.executed, row.variant)
        return Facts(
            id=row.id,
            run_id=run_id,
            position=number,
            total=max(p.position for p in self._t.run_problems.values() if p.run_id == run_id),
            user_id=run.user_id,
            set_slug=the_set.slug,
            set_title=the_set.title,
            topic=the_set.topic,
            revision_id=row.revision_id,
            content_hash=revision.content_hash,
            executed=dict(executed) if executed is not None else None,
            option_order=row.option_order,
            time_limit_seconds=row.time_limit_seconds,
            max_attempts=row.max_attempts,
            variant=row.variant,
        )

    def states(self, run_id: str) -> list[State]:
        rows = sorted(
            (p for p in self._t.run_problems.values() if p.run_id == run_id),
            key=lambda p: p.position,
        )
        return [_state(row) for row in rows]

    def state(self, record_id: int) -> State:
        return _state(self._t.run_problems[record_id])

    def start_clock(self, found: Facts, now: datetime) -> bool:
        row = self._t.run_problems[found.id]
        if row.deadline is not None:
            return False
        row.first_viewed_at = now
        row.deadline = deadline_from(now, found.time_limit_seconds)
        return True

    def use_attempt(
        self, record_id: int, now: datetime, option_index: int | None
    ) -> AttemptTaken | None:
        row = self._t.run_problems[record_id]
        if (
            row.outcome is not Outcome.PENDING
            or row.attempts_used >= row.max_attempts
            or row.deadline is None
            or row.deadline < now - GRACE
            or (option_index is not None and self.tried(record_id, option_index))
        ):
            return None
        row.attempts_used += 1
        return AttemptTaken(row.attempts_used, row.deadline)

    def record_attempt(
        self, record_id: int, number: int, now: datetime, text: str,
        option_index: int | None, correct: bool,
    ) -> None:  # fmt: skip
        attempt = AttemptRecord(number, text, option_index, correct)
        self._t.attempts.setdefault(record_id, []).append(attempt)

    def tried(self, record_id: int, option_index: int) -> bool:
        return any(a.option_index == option_index for a in self._t.attempts.get(record_id, []))

    def attempts(self, record_id: int) -> list[AttemptRecord]:
        return sorted(self._t.attempts.get(record_id, []), key=lambda a: a.number)

    def end(self, record_id: int, outcome: Outcome, now: datetime) -> bool:
        row = self._t.run_problems[record_id]
        if row.outcome is not Outcome.PENDING:
            return False
        row.outcome, row.finished_at = outcome, now
        return True

    def mark_hint_used(self, record_id: int, now: datetime) -> None:
        row = self._t.run_problems[record_id]
        if row.hint_used_at is None:
            row.hint_used_at = now


class FakeAwards:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def end_problem(self, run_id: str, position: int, outcome: Outcome, now: datetime) -> None:
        for row in self._t.run_problems.values():
            if (row.run_id, row.position, row.outcome) == (run_id, position, Outcome.PENDING):
                row.outcome, row.finished_at = outcome, now

    def finish_run(self, run_id: str) -> bool:
        run = self._t.runs[run_id]
        if run.finished_at is not None:
            return False
        ended = [p.finished_at for p in self._t.run_problems.values() if p.run_id == run_id]
        run.finished_at = max((e for e in ended if e is not None), default=None)
        return True

    def run_badge(self, run_id: str) -> RunBadge:
        run = self._t.runs[run_id]
        the_set = self._t.sets[run.set_id]
        return RunBadge(run.user_id, run.set_id, the_set.badge_name, the_set.badge_description)

    def holds_badge(self, user_id: int, set_id: int) -> bool:
        return any(a.user_id == user_id and a.set_id == set_id for a in self._t.awards)

    def award_badge(self, run_id: str, badge: RunBadge, now: datetime) -> bool:
        if badge.name is None or self.holds_badge(badge.user_id, badge.set_id):
            return False  # the unique index on (user, set)
        self._t.awards.append(
            AwardRow(
                str(uuid.uuid4()), badge.user_id, badge.set_id, run_id,
                badge.name, badge.description or "", now,
            )
        )  # fmt: skip
        self._t.runs[run_id].badge_awarded = True
        return True

    def of_learner(self, learner_id: int) -> list[AwardView]:
        found = sorted(
            (a for a in self._t.awards if a.user_id == learner_id),
            key=lambda a: a.awarded_at,
            reverse=True,
        )
        return [
            AwardView(
                a.id, a.badge_name, a.badge_description, self._t.sets[a.set_id].slug,
                self._t.sets[a.set_id].title, self._t.sets[a.set_id].topic, a.run_id,
                a.awarded_at,
            )
            for a in found
        ]  # fmt: skip


class FakeOpenRuns:
    def __init__(self, tables: Tables, db: FakeDatabase) -> None:
        self._t = tables
        self._db = db

    def unfinished_run_ids(self, *, learner_id: int, set_id: int) -> list[str]:
        found = [
            r
            for r in self._t.runs.values()
            if r.user_id == learner_id and r.set_id == set_id and r.finished_at is None
        ]
        return [r.id for r in sorted(found, key=lambda r: r.started_at, reverse=True)]

    def last_ended_at(self, *, learner_id: int, set_id: int) -> datetime | None:
        ended = [
            r.finished_at
            for r in self._t.runs.values()
            if r.user_id == learner_id and r.set_id == set_id and r.finished_at is not None
        ]
        return max(ended, default=None)

    def unfinished_problems(
        self, *, learner_id: int, now: datetime, limit: int | None = None
    ) -> list[UnfinishedProblem]:
        found = []
        runs = sorted(self._t.runs.values(), key=lambda r: r.started_at)
        for run in runs:
            if run.user_id != learner_id or run.finished_at is not None:
                continue
            for p in sorted(self._t.run_problems.values(), key=lambda p: p.position):
                if p.run_id != run.id or p.outcome is not Outcome.PENDING:
                    continue
                if p.deadline is not None and p.deadline < now - GRACE:
                    continue
                revision = self._db.revisions[p.revision_id]
                found.append(
                    UnfinishedProblem(
                        run.id, p.position, self._t.sets[run.set_id].title,
                        p.revision_id, revision.content_hash, p.variant,
                    )
                )  # fmt: skip
        return found[:limit] if limit is not None else found


class FakeLoginThrottle:
    """The guarded UPDATE of app.persistence.login_throttle: every SET reads the old row."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def reserve(
        self, key: str, *, now: datetime, limit: int, window_start: datetime, quiet_since: datetime
    ) -> bool:
        row = self._t.throttle.setdefault(key, ThrottleRow(0, now, 0, None, now))
        stale = row.window_started <= window_start
        unlocked = row.locked_until is None or row.locked_until <= now
        if not unlocked or not (row.failures < limit or stale):
            return False
        self._t.throttle[key] = ThrottleRow(
            failures=1 if stale else row.failures + 1,
            window_started=now if stale else row.window_started,
            locks=0 if row.last_at <= quiet_since else row.locks,
            locked_until=row.locked_until,
            last_at=now,
        )
        return True

    def touch(self, key: str, now: datetime) -> ThrottleState | None:
        if key in self._t.throttle:
            self._t.throttle[key].last_at = now
        return self.state(key)

    def state(self, key: str) -> ThrottleState | None:
        row = self._t.throttle.get(key)
        return None if row is None else ThrottleState(row.failures, row.locks, row.locked_until)

    def lock(self, key: str, *, now: datetime, until: datetime) -> None:
        row = self._t.throttle[key]
        self._t.throttle[key] = replace(
            row, locked_until=until, locks=row.locks + 1, failures=0, window_started=now
        )

    def uncount(self, key: str) -> None:
        row = self._t.throttle.get(key)
        if row is not None and row.failures > 0:
            row.failures -= 1

    def clear(self, key: str) -> None:
        self._t.throttle.pop(key, None)

    def forget_idle(self, before: datetime) -> None:
        for key, row in list(self._t.throttle.items()):
            if row.last_at < before and (row.locked_until is None or row.locked_until < before):
                del self._t.throttle[key]


class FakeSignIns:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def learner_of(self, session_id: str, now: datetime) -> int | None:
        row = self._t.sign_ins.get(session_id)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        return row.user_id

    def start(
        self, session_id: str, *, learner_id: int, now: datetime, expires_at: datetime
    ) -> None:
        self._t.sign_ins[session_id] = SessionRow(learner_id, expires_at)

    def revoke(self, session_id: str, now: datetime) -> None:
        row = self._t.sign_ins.get(session_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = now

    def revoke_all(self, learner_id: int, now: datetime, *, keeping: str | None) -> int:
        revoked = 0
        for key, row in self._t.sign_ins.items():
            if row.user_id == learner_id and row.revoked_at is None and key != keeping:
                row.revoked_at, revoked = now, revoked + 1
        return revoked


# -- the unit of work and its factory ------------------------------------------------


class FakeUnitOfWork:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._tables: Tables | None = None
        self.committed = False
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        if self._tables is not None:
            raise RuntimeError("a unit of work is entered once")
        self._tables = copy.deepcopy(self._db.tables)
        self._build(self._tables)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None  # what was not committed is dropped: the rollback

    def commit(self) -> None:
        if self._tables is None:
            raise RuntimeError("a unit of work is used inside its `with` block")
        self._db.tables = copy.deepcopy(self._tables)
        self.committed = True
        self.commits += 1

    def flush(self) -> None:
        """The fakes write at once: nothing is pending."""

    def _build(self, tables: Tables) -> None:
        self.sets = FakeSets(tables, self._db)
        self.set_content = self.sets  # reads of what loading stored: the same fake
        self.snippets = FakeSnippets(tables)
        self.learners = FakeLearners(tables)
        self.revisions = FakeRevisions(self._db)
        self.runs = FakeRuns(tables, self._db)
        self.run_problems = FakeRunProblems(tables, self._db)
        self.awards = FakeAwards(tables)
        self.open_runs = FakeOpenRuns(tables, self._db)
        self.login_throttle = FakeLoginThrottle(tables)
        self.sign_ins = FakeSignIns(tables)


class FakeUnits:
    """A unit-of-work factory over one FakeDatabase: what a service is given.

    Every unit it made is kept, so a test asks whether the service committed."""

    def __init__(self, db: FakeDatabase | None = None) -> None:
        self.db = db if db is not None else FakeDatabase()
        self.made: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        unit = FakeUnitOfWork(self.db)
        self.made.append(unit)
        return unit

    @property
    def committed(self) -> bool:
        """Whether the last unit made committed."""
        return bool(self.made) and self.made[-1].committed
