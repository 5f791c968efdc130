"""Variants and pools end to end in the services: loading executes each variant once,
a run draws a variant (seeded, unseen first) and a pool member, and grading uses the
learner's own variant's executed answer without calling the sandbox."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.persistence.tables import ProblemRevisionRow, RunProblemRow
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, analytics, awards, problems, runs
from app.services.checking import Checker
from app.services.loading import FileStatus, load_tree
from app.services.problem_views import ProblemView
from app.services.runs import RunSummary
from tests.conftest import FAST_HASHER, PASSWORD, unit_of
from tests.fakes import CountingSnippets

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"
SLUG = "variant-challenge"


@pytest.fixture
def snippets() -> CountingSnippets:
    return CountingSnippets()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "challenges"
    folder.mkdir()
    shutil.copy(GOOD / "variant-challenge.yaml", folder / "variant-challenge.yaml")
    return folder


@pytest.fixture
def variant_db(
    units: UnitOfWorkFactory,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    folder: Path,
    snippets: CountingSnippets,
) -> sessionmaker[Session]:
    checker = Checker(snippets, units=units, clock=clock, parallel=1)
    report = load_tree(units, folder, clock=clock, verify=checker)
    assert [f.status for f in report.files] == [FileStatus.LOADED], report.files
    return sessions


def learner(units: UnitOfWorkFactory, clock: FakeClock, name: str) -> int:
    who = accounts.register(units, FAST_HASHER, clock=clock, username=name, password=PASSWORD)
    return who.id


def first_problem(
    units: UnitOfWorkFactory, sessions: sessionmaker[Session], clock: FakeClock, *, seed: int
) -> tuple[int, RunSummary, ProblemView]:
    """A new learner's run (drawn with `seed`) and its first problem as they see it."""
    ada = learner(units, clock, "ada")
    run = runs.start_run(units, clock=clock, learner_id=ada, slug=SLUG, rng=random.Random(seed))
    view = problems.view_problem(units, clock=clock, learner_id=ada, run_id=run.run_id, number=1)
    return ada, run, view


def shown_values(prompt: str) -> tuple[int, int]:
    """What the learner reads on the page: 'a batch of 4 and `hidden_size=7`'."""
    found = re.search(r"batch of (\d+) and `hidden_size=(\d+)`", prompt)
    assert found, prompt
    return int(found.group(1)), int(found.group(2))


def test_loading_executes_each_variant_once_and_a_reload_none(
    units: UnitOfWorkFactory,
    variant_db: sessionmaker[Session],
    clock: FakeClock,
    folder: Path,
    snippets: CountingSnippets,
) -> None:
    assert snippets.count == 4  # batch [2, 4] x hidden [5, 7]; the pool has no code
    assert len({job.code for job in snippets.jobs}) == 4

    (folder / "variant-challenge.yaml").write_text(
        (folder / "variant-challenge.yaml").read_text() + "\n# an edit elsewhere\n"
    )
    checker = Checker(snippets, units=units, clock=clock, parallel=1)
    load_tree(units, folder, clock=clock, verify=checker)

    assert snippets.count == 4  # every variant came from the cache, by content hash
    with unit_of(variant_db) as uow:
        executed = [
            row.executed
            for row in uow.session.scalars(select(ProblemRevisionRow))
            if row.executed and "variants" in row.executed
        ]
    assert len(executed) == 1
    assert [(v["values"], v["shape"]) for v in executed[0]["variants"]] == [
        ({"batch": 2, "hidden": 5}, [2, 3, 5]),
        ({"batch": 2, "hidden": 7}, [2, 3, 7]),
        ({"batch": 4, "hidden": 5}, [4, 3, 5]),
        ({"batch": 4, "hidden": 7}, [4, 3, 7]),
    ]


def test_a_run_is_graded_against_the_learners_variant(
    units: UnitOfWorkFactory,
    variant_db: sessionmaker[Session],
    clock: FakeClock,
    snippets: CountingSnippets,
) -> None:
    ada, run, view = first_problem(units, variant_db, clock, seed=3)
    batch, hidden = shown_values(view.prompt)
    assert view.code is not None
    assert f"hidden_size={hidden}" in view.code
    assert f"torch.randn({batch}, 3, 4)" in view.code
    before = snippets.count

    other = f"({6 - batch}, 3, {hidden})"  # the other variant's batch: wrong here
    wrong = problems.submit_answer(
        units, clock=clock, learner_id=ada, run_id=run.run_id, number=1, raw=other
    )
    right = problems.submit_answer(
        units, clock=clock, learner_id=ada, run_id=run.run_id, number=1,
        raw=f"({batch}, 3, {hidden})",
    )  # fmt: skip

    assert (wrong.correct, right.correct) == (False, True)
    assert snippets.count == before  # no sandbox call on the answer path
    assert right.reveal is not None
    assert right.reveal.correct_answer == f"({batch}, 3, {hidden})"
    assert right.reveal.explanation == f"`output` is `({batch}, 3, {hidden})`."


def test_the_same_seed_draws_the_same_variant_and_a_reload_sees_it(
    units: UnitOfWorkFactory, variant_db: sessionmaker[Session], clock: FakeClock
) -> None:
    drawn = []
    for name in ("ada", "bob"):
        who = learner(units, clock, name)
        run = runs.start_run(units, clock=clock, learner_id=who, slug=SLUG, rng=random.Random(11))
        first = problems.view_problem(
            units, clock=clock, learner_id=who, run_id=run.run_id, number=1
        )
        again = problems.view_problem(
            units, clock=clock, learner_id=who, run_id=run.run_id, number=1
        )
        assert again.prompt == first.prompt
        drawn.append(first.prompt)
    assert drawn[0] == drawn[1]
    with unit_of(variant_db) as uow:
        stored = [row.variant for row in uow.session.scalars(select(RunProblemRow))]
    assert {shown_values(drawn[0])} == {(v["batch"], v["hidden"]) for v in stored if v is not None}


def test_retakes_draw_variants_and_pool_members_the_learner_has_not_seen(
    units: UnitOfWorkFactory, variant_db: sessionmaker[Session], clock: FakeClock
) -> None:
    ada = learner(units, clock, "ada")
    variants, members = [], []
    for seed in range(4):
        run = runs.start_run(units, clock=clock, learner_id=ada, slug=SLUG, rng=random.Random(seed))
        assert len(run.problems) == 2  # one per position: the pool serves one problem
        views = [
            problems.view_problem(units, clock=clock, learner_id=ada, run_id=run.run_id, number=n)
            for n in (1, 2)
        ]
        variants.append(shown_values(views[0].prompt))
        members.append(views[1].title)
        clock.advance(3600)

    assert sorted(variants) == [(2, 5), (2, 7), (4, 5), (4, 7)]  # all four, none twice
    assert sorted(members[:2]) == ["Reset gate", "Update gate"]


def test_the_badge_needs_every_position_right(
    units: UnitOfWorkFactory, variant_db: sessionmaker[Session], clock: FakeClock
) -> None:
    ada, run, first = first_problem(units, variant_db, clock, seed=5)
    batch, hidden = shown_values(first.prompt)
    problems.submit_answer(
        units, clock=clock, learner_id=ada, run_id=run.run_id, number=1,
        raw=f"{batch}x3x{hidden}",
    )  # fmt: skip
    second = problems.view_problem(units, clock=clock, learner_id=ada, run_id=run.run_id, number=2)
    right = next(i for i, text in enumerate(second.options) if text.startswith(("Drops", "Mixes")))
    problems.submit_answer(
        units, clock=clock, learner_id=ada, run_id=run.run_id, number=2, raw=right
    )

    summary = runs.run_summary(units, clock=clock, learner_id=ada, run_id=run.run_id)
    assert summary.finished
    assert summary.badge_awarded
    assert [a.badge_name for a in awards.list_awards(units, ada)] == ["Variant Master"]


def test_analytics_split_a_variant_problem_by_values_and_mark_pools(
    units: UnitOfWorkFactory, variant_db: sessionmaker[Session], clock: FakeClock
) -> None:
    labels = {}
    for name, seed, answers in (("ada", 1, ["right"]), ("bob", 2, ["(1, 1)", "(1, 2)"])):
        who = learner(units, clock, name)
        run = runs.start_run(units, clock=clock, learner_id=who, slug=SLUG, rng=random.Random(seed))
        view = problems.view_problem(
            units, clock=clock, learner_id=who, run_id=run.run_id, number=1
        )
        batch, hidden = shown_values(view.prompt)
        labels[name] = f"batch={batch}, hidden={hidden}"
        for raw in answers:
            text = f"({batch}, 3, {hidden})" if raw == "right" else raw
            problems.submit_answer(
                units, clock=clock, learner_id=who, run_id=run.run_id, number=1, raw=text
            )

    stats = analytics.set_stats(units, clock=clock, slug=SLUG)
    shape = next(p for p in stats.problems if p.key == "gru-shape")
    by_label = {v.label: (v.takes, v.right_final) for v in shape.variants}
    assert len(by_label) == 4
    expected = {label: (0, 0) for label in by_label}
    for name, label in labels.items():
        takes, right = expected[label]
        expected[label] = (takes + 1, right + (name == "ada"))
    assert by_label == expected
    assert f"(1, 1) (for {labels['bob']})" in {s.shape for s in shape.wrong_shapes}
    assert {p.key: p.pooled for p in stats.problems} == {
        "gru-shape": False, "gate-a": True, "gate-b": True,
    }  # fmt: skip
    assert len(stats.score_distribution) == 3  # 0, 1 or 2 positions right
