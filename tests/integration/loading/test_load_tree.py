"""Loading challenge files into SQLite: idempotent, revisioned, one transaction per file.

Learners' history (runs, run problems, attempts, awards) is written straight into the
tables here, pointing at the revision it was taken on; every reload must leave it so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.authoring.errors import AuthoringError
from app.authoring.loader import ParsedFile, parse_tree
from app.domain.clock import FakeClock
from app.persistence.sets import SetRepository
from app.persistence.tables import (
    AttemptRow,
    AwardRow,
    ChallengeSetRow,
    ProblemRevisionRow,
    ProblemRow,
    RunProblemRow,
    RunRow,
    User,
)
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.loading import FileStatus, LoadReport, Verification, load_tree
from tests.conftest import unit_of
from tests.integration.loading.conftest import Load

SLUGS = ["small-challenge", "small-pattern"]


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert content.count(old) == 1, f"{old!r} is not in {path.name} exactly once"
    path.write_text(content.replace(old, new), encoding="utf-8")


def statuses(report: LoadReport) -> dict[str, FileStatus]:
    return {Path(outcome.source).name: outcome.status for outcome in report.files}


def revision_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ProblemRevisionRow)) or 0


def set_row(session: Session, slug: str) -> ChallengeSetRow:
    return session.scalars(select(ChallengeSetRow).where(ChallengeSetRow.slug == slug)).one()


def problem_row(session: Session, slug: str, key: str) -> ProblemRow:
    return session.scalars(
        select(ProblemRow)
        .join(ChallengeSetRow)
        .where(ChallengeSetRow.slug == slug, ProblemRow.key == key)
    ).one()


def take_run(sessions: sessionmaker[Session], clock: FakeClock) -> int:
    """A learner's finished run of small-challenge, as the web app would have stored it.

    Returns the id of the run problem taken on linear-shape's current revision.
    """
    with sessions() as session, session.begin():
        challenge = set_row(session, "small-challenge")
        user = User(username="ada", password_hash="x", created_at=clock())
        session.add(user)
        session.flush()
        run = RunRow(
            id="run-1",
            user_id=user.id,
            set_id=challenge.id,
            started_at=clock(),
            finished_at=clock(),
            badge_awarded=True,
        )
        session.add(run)
        session.flush()
        taken = []
        for position, problem in enumerate(challenge.problems, start=1):
            assert problem.current_revision_id is not None
            row = RunProblemRow(
                run_id=run.id,
                position=position,
                revision_id=problem.current_revision_id,
                time_limit_seconds=90,
                max_attempts=2,
                outcome="correct",
            )
            session.add(row)
            taken.append(row)
        session.flush()
        session.add(
            AttemptRow(
                run_problem_id=taken[0].id,
                number=1,
                submitted_at=clock(),
                answer_text="(8, 2)",
                option_index=None,
                correct=True,
            )
        )
        session.add(
            AwardRow(
                id="award-1",
                user_id=user.id,
                set_id=challenge.id,
                run_id=run.id,
                badge_name="Small Badge",
                badge_description="d",
                awarded_at=clock(),
            )
        )
        return taken[0].id


def test_first_load_stores_every_set_and_one_revision_per_problem(
    load: Load, db_sessions: sessionmaker[Session]
) -> None:
    report = load()

    assert report.ok
    assert statuses(report) == {
        "small-challenge.yaml": FileStatus.LOADED,
        "small-pattern.yaml": FileStatus.LOADED,
    }
    assert revision_count(db_sessions) == 3
    with db_sessions() as session:
        sets = SetRepository(session)
        assert sorted(s.slug for s in sets.active()) == SLUGS
        challenge = sets.get("small-challenge")
        assert challenge is not None
        assert [p.key for p in challenge.problems] == [
            "linear-shape",
            "relu-range",
            "matmul-error",
        ]
        pattern = sets.get("small-pattern")
        assert pattern is not None
        assert pattern.pattern is not None
        assert len(pattern.pattern.quiz) == 2


def test_loaded_sets_read_back_equal_to_the_parsed_ones(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    load()

    parsed = {
        item.challenge_set.slug: item.challenge_set
        for item in parse_tree(challenges_dir)
        if item.challenge_set
    }
    with db_sessions() as session:
        stored = {s.slug: s for s in SetRepository(session).active()}
    assert stored == parsed


def test_reloading_unchanged_files_changes_nothing(
    load: Load, db_sessions: sessionmaker[Session]
) -> None:
    load()
    with db_sessions() as session:
        before = {row.slug: row.loaded_at for row in SetRepository(session).all_rows()}

    report = load()

    assert report.ok
    assert set(statuses(report).values()) == {FileStatus.UNCHANGED}
    assert all(o.save is not None and o.save.new_revisions == 0 for o in report.files)
    assert report.retired == []
    assert revision_count(db_sessions) == 3
    with db_sessions() as session:
        after = {row.slug: row.loaded_at for row in SetRepository(session).all_rows()}
    assert after == before


def test_editing_one_problem_adds_exactly_one_revision_and_history_keeps_the_old_one(
    load: Load,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
) -> None:
    load()
    run_problem_id = take_run(db_sessions, load_clock)
    with db_sessions() as session:
        old = problem_row(session, "small-challenge", "linear-shape").current_revision
        assert old is not None
        old_id, old_content = old.id, old.content

    edit(challenges_dir / "small-challenge.yaml", "What is the shape of `y`?", "Shape of `y`?")
    report = load()

    assert statuses(report)["small-challenge.yaml"] is FileStatus.UPDATED
    assert statuses(report)["small-pattern.yaml"] is FileStatus.UNCHANGED
    outcome = report.files[0]
    assert outcome.save is not None
    assert outcome.save.new_revisions == 1
    assert revision_count(db_sessions) == 4
    with db_sessions() as session:
        current = problem_row(session, "small-challenge", "linear-shape").current_revision
        assert current is not None
        assert current.id != old_id
        assert current.content["prompt"] == "Shape of `y`?"
        kept = session.get_one(ProblemRevisionRow, old_id)
        assert kept.content == old_content
        taken = session.get_one(RunProblemRow, run_problem_id)
        assert taken.revision_id == old_id
        assert SetRepository(session).revision(taken.revision_id).prompt == (
            "What is the shape of `y`?"
        )
        assert session.scalar(select(func.count()).select_from(AttemptRow)) == 1
        challenge = SetRepository(session).get("small-challenge")
        assert challenge is not None
        assert challenge.problems[0].prompt == "Shape of `y`?"


def test_a_defaults_change_is_a_content_change_of_every_problem_it_reaches(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    load()

    # linear-shape sets its own time limit; the other two take the default.
    edit(challenges_dir / "small-challenge.yaml", 'time_limit: "1:30"', 'time_limit: "1:45"')
    report = load()

    assert report.files[0].save is not None
    assert report.files[0].save.new_revisions == 2
    assert revision_count(db_sessions) == 5


def test_changing_only_the_set_updates_it_without_new_revisions(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    load()

    edit(challenges_dir / "small-challenge.yaml", "title: Small Challenge", "title: Renamed")
    report = load()

    assert statuses(report)["small-challenge.yaml"] is FileStatus.UPDATED
    assert report.files[0].save is not None
    assert report.files[0].save.new_revisions == 0
    assert revision_count(db_sessions) == 3
    with db_sessions() as session:
        assert set_row(session, "small-challenge").title == "Renamed"


def test_a_reverted_edit_reuses_the_earlier_revision(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    path = challenges_dir / "small-challenge.yaml"
    original = path.read_text(encoding="utf-8")
    load()
    with db_sessions() as session:
        first_id = problem_row(session, "small-challenge", "relu-range").current_revision_id

    edit(path, "hint: Draw the function.", "hint: Sketch it.")
    load()
    path.write_text(original, encoding="utf-8")
    report = load()

    assert statuses(report)["small-challenge.yaml"] is FileStatus.UPDATED
    assert report.files[0].save is not None
    assert report.files[0].save.new_revisions == 0
    assert revision_count(db_sessions) == 4  # 3 first, 1 for the edit, none for the revert
    with db_sessions() as session:
        assert problem_row(session, "small-challenge", "relu-range").current_revision_id == (
            first_id
        )


def test_a_removed_problem_is_retired_and_comes_back_with_its_revision(
    load: Load,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
) -> None:
    path = challenges_dir / "small-challenge.yaml"
    original = path.read_text(encoding="utf-8")
    load()
    run_problem_id = take_run(db_sessions, load_clock)
    start = original.index("  - id: matmul-error")

    path.write_text(original[:start], encoding="utf-8")
    report = load()

    assert report.files[0].save is not None
    assert report.files[0].save.retired_problems == 1
    with db_sessions() as session:
        challenge = SetRepository(session).get("small-challenge")
        assert challenge is not None
        assert [p.key for p in challenge.problems] == ["linear-shape", "relu-range"]
        gone = problem_row(session, "small-challenge", "matmul-error")
        assert gone.retired_at == load_clock()
        assert session.get_one(RunProblemRow, run_problem_id) is not None
        runs = session.scalars(select(RunProblemRow).where(RunProblemRow.run_id == "run-1"))
        assert len(list(runs)) == 3  # the run still holds the retired problem

    path.write_text(original, encoding="utf-8")
    report = load()

    assert report.files[0].save is not None
    assert report.files[0].save.new_revisions == 0
    with db_sessions() as session:
        challenge = SetRepository(session).get("small-challenge")
        assert challenge is not None
        assert [p.key for p in challenge.problems][-1] == "matmul-error"
        assert problem_row(session, "small-challenge", "matmul-error").retired_at is None


def test_reordering_problems_keeps_their_revisions(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    path = challenges_dir / "small-challenge.yaml"
    original = path.read_text(encoding="utf-8")
    load()
    first = original.index("  - id: linear-shape")
    second = original.index("  - id: relu-range")

    path.write_text(
        original[:first] + original[second:] + "\n" + original[first:second], encoding="utf-8"
    )
    report = load()

    assert report.files[0].save is not None
    assert report.files[0].save.new_revisions == 0
    with db_sessions() as session:
        challenge = SetRepository(session).get("small-challenge")
        assert challenge is not None
        assert [p.key for p in challenge.problems] == [
            "relu-range",
            "matmul-error",
            "linear-shape",
        ]


def test_a_removed_file_retires_its_set_and_keeps_history_until_it_returns(
    load: Load,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
    tmp_path: Path,
) -> None:
    load()
    run_problem_id = take_run(db_sessions, load_clock)
    parked = tmp_path / "parked.yaml"
    shutil.move(challenges_dir / "small-challenge.yaml", parked)

    report = load()

    assert report.ok
    assert report.retired == ["small-challenge"]
    with db_sessions() as session:
        sets = SetRepository(session)
        assert [s.slug for s in sets.active()] == ["small-pattern"]
        assert sets.get("small-challenge") is None
        assert sets.get("small-challenge", include_retired=True) is not None
        assert set_row(session, "small-challenge").retired_at == load_clock()
        assert session.get_one(RunRow, "run-1").set_id == set_row(session, "small-challenge").id
        assert session.get_one(RunProblemRow, run_problem_id) is not None
        assert session.get_one(AwardRow, "award-1") is not None

    assert load().retired == []  # retiring happens once

    shutil.move(parked, challenges_dir / "small-challenge.yaml")
    report = load()

    assert statuses(report)["small-challenge.yaml"] is FileStatus.UPDATED
    assert revision_count(db_sessions) == 3
    with db_sessions() as session:
        assert sorted(s.slug for s in SetRepository(session).active()) == SLUGS
        assert set_row(session, "small-challenge").retired_at is None


def test_a_moved_file_keeps_its_set(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    load()
    (challenges_dir / "sub").mkdir()
    shutil.move(challenges_dir / "small-pattern.yaml", challenges_dir / "sub" / "renamed.yaml")

    report = load()

    assert report.retired == []
    with db_sessions() as session:
        row = set_row(session, "small-pattern")
        assert row.retired_at is None
        assert row.source_path.endswith("sub/renamed.yaml")


def test_a_bad_file_beside_good_ones_fails_alone_and_keeps_its_earlier_state(
    load: Load, db_sessions: sessionmaker[Session], challenges_dir: Path
) -> None:
    load()
    with db_sessions() as session:
        before = set_row(session, "small-challenge")
        before_state = (before.title, before.content_hash, before.loaded_at, before.retired_at)
    edit(challenges_dir / "small-challenge.yaml", "title: Small Challenge", "title: Broken")
    edit(challenges_dir / "small-challenge.yaml", 'time_limit: "1:30"', 'time_limit: "2:75"')
    edit(challenges_dir / "small-pattern.yaml", "title: Small Pattern", "title: Edited")
    (challenges_dir / "new.yaml").write_text(
        (challenges_dir / "small-pattern.yaml").read_text().replace("small-pattern", "new-set"),
        encoding="utf-8",
    )

    report = load()

    assert not report.ok
    assert statuses(report) == {
        "new.yaml": FileStatus.LOADED,
        "small-challenge.yaml": FileStatus.FAILED,
        "small-pattern.yaml": FileStatus.UPDATED,
    }
    assert [str(error).split(": ", 1)[1] for error in report.failed[0].errors] == [
        'defaults.time_limit: "2:75" is not a time; write m:ss or whole seconds'
    ]
    assert report.retired == []  # a file that is there but broken does not retire its set
    with db_sessions() as session:
        after = set_row(session, "small-challenge")
        assert (after.title, after.content_hash, after.loaded_at, after.retired_at) == (
            before_state
        )
        assert set_row(session, "small-pattern").title == "Edited"
        assert set_row(session, "new-set").retired_at is None
    assert revision_count(db_sessions) == 3


def test_a_file_that_fails_to_save_leaves_nothing_behind(
    db_units: UnitOfWorkFactory,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail_midway(self: SetRepository, slug: str, key: str, executed: object) -> None:
        raise OperationalError("UPDATE problem_revisions", {}, Exception("disk I/O error"))

    def verify(parsed: ParsedFile) -> Verification:
        slug = parsed.challenge_set.slug if parsed.challenge_set else ""
        executed: dict[str, dict[str, object]] = {}
        if slug == "small-challenge":
            executed["linear-shape"] = {"shape": [8, 2]}
        return Verification(executed=executed)

    monkeypatch.setattr(SetRepository, "set_executed", fail_midway)

    report = load_tree(db_units, challenges_dir, clock=load_clock, verify=verify)

    assert statuses(report) == {
        "small-challenge.yaml": FileStatus.FAILED,
        "small-pattern.yaml": FileStatus.LOADED,
    }
    assert report.failed[0].errors[0].message.startswith("could not be saved: OperationalError")
    # The set row and its problems were flushed before the failure; none was committed.
    with db_sessions() as session:
        assert [row.slug for row in SetRepository(session).all_rows()] == ["small-pattern"]
        assert session.scalar(select(func.count()).select_from(ProblemRow)) == 0
    assert revision_count(db_sessions) == 0


def test_verification_errors_keep_a_set_out_and_executed_results_are_stored(
    db_units: UnitOfWorkFactory,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
) -> None:
    def verify(parsed: ParsedFile) -> Verification:
        assert parsed.challenge_set is not None
        if parsed.challenge_set.slug == "small-pattern":
            lie = AuthoringError(parsed.source, 9, ("quiz", 0), "the snippet lies")
            return Verification(errors=[lie])
        return Verification(executed={"linear-shape": {"shape": [8, 2]}})

    report = load_tree(db_units, challenges_dir, clock=load_clock, verify=verify)

    assert statuses(report) == {
        "small-challenge.yaml": FileStatus.LOADED,
        "small-pattern.yaml": FileStatus.FAILED,
    }
    with db_sessions() as session:
        assert [row.slug for row in SetRepository(session).all_rows()] == ["small-challenge"]
        revision = problem_row(session, "small-challenge", "linear-shape").current_revision
        assert revision is not None
        assert revision.executed == {"shape": [8, 2]}


def test_loading_one_file_retires_nothing_else(
    db_units: UnitOfWorkFactory,
    load: Load,
    db_sessions: sessionmaker[Session],
    challenges_dir: Path,
    load_clock: FakeClock,
) -> None:
    load()

    report = load_tree(db_units, challenges_dir / "small-pattern.yaml", clock=load_clock)

    assert statuses(report) == {"small-pattern.yaml": FileStatus.UNCHANGED}
    assert report.retired == []
    with db_sessions() as session:
        assert sorted(s.slug for s in SetRepository(session).active()) == SLUGS


def test_sets_of_another_folder_are_not_retired(
    db_units: UnitOfWorkFactory,
    load: Load,
    db_sessions: sessionmaker[Session],
    tmp_path: Path,
    load_clock: FakeClock,
) -> None:
    load()
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "extra.yaml").write_text("kind: pattern\ntitle: Extra\n", encoding="utf-8")

    report = load_tree(db_units, other, clock=load_clock)

    assert statuses(report) == {"extra.yaml": FileStatus.LOADED}
    assert report.retired == []
    with db_sessions() as session:
        assert len(SetRepository(session).active()) == 3


def test_a_missing_folder_is_a_failed_load(
    db_units: UnitOfWorkFactory,
    db_sessions: sessionmaker[Session],
    tmp_path: Path,
    load_clock: FakeClock,
) -> None:
    report = load_tree(db_units, tmp_path / "nowhere", clock=load_clock)

    assert not report.ok
    assert [str(e) for e in report.failed[0].errors] == [
        f"{tmp_path / 'nowhere'}:1: no such file or folder"
    ]


@pytest.mark.sqlite_only("its PRAGMAs; PostgreSQL always enforces foreign keys")
def test_sqlite_has_foreign_keys_and_wal_on(
    db_sessions: sessionmaker[Session], load_clock: FakeClock
) -> None:
    with db_sessions() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"

    # And foreign keys are enforced: a run of a set that does not exist is refused.
    with unit_of(db_sessions) as uow:
        uow.session.add(User(id=1, username="ada", password_hash="x", created_at=load_clock()))
        uow.flush()
        uow.session.add(RunRow(id="r", user_id=1, set_id=999, started_at=load_clock()))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            uow.flush()
