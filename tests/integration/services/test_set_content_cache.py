"""A set's content is cached per process (app.persistence.set_content), and checked
against the set's stamp on each use: loading in another process, on another engine's
connection, is seen at once by the intro page's read and by the next run started."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import FakeClock
from app.domain.errors import NotFound
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, catalog, runs
from tests import builders
from tests.conftest import FAST_HASHER, PASSWORD

SLUG = "gru-test"


def load(units: UnitOfWorkFactory, clock: FakeClock, challenge_set: object) -> None:
    """`quiz load` of one set, in whichever process `units` belongs to."""
    with units() as uow:
        uow.sets.save(challenge_set, source_path="test", now=clock())  # type: ignore[arg-type]
        uow.commit()


def learner(units: UnitOfWorkFactory, clock: FakeClock, name: str) -> int:
    return accounts.register(units, FAST_HASHER, clock=clock, username=name, password=PASSWORD).id


def titles_taken(units: UnitOfWorkFactory, clock: FakeClock, learner_id: int) -> list[str]:
    started = runs.start_run(units, clock, learner_id, slug=SLUG, rng=random.Random(3))
    return [problem.title for problem in started.problems]


def test_a_load_in_another_process_is_seen_by_the_intro_and_a_new_run(
    units: UnitOfWorkFactory,
    other_process: UnitOfWorkFactory,
    loaded: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    ada, grace = learner(units, clock, "ada"), learner(units, clock, "grace")
    before = catalog.get_set(units, clock, ada, SLUG)  # read, and cached, here
    assert before.problem_count == 3
    first = ["Output of GRU layer", "Question gate", "Question debug"]
    assert titles_taken(units, clock, ada) == first
    assert catalog.get_set(units, clock, ada, SLUG).challenge_set == before.challenge_set

    changed = replace(builders.choice("gate", 1), title="Which gate?")
    load(other_process, clock, builders.challenge(problems=(changed,), title="GRU, revised"))

    after = catalog.get_set(units, clock, grace, SLUG)
    assert after.challenge_set.title == "GRU, revised"
    assert [p.title for p in after.challenge_set.problems] == ["Which gate?"]
    assert after.problem_count == 1
    assert titles_taken(units, clock, grace) == ["Which gate?"]  # the new revision


def test_a_set_retired_in_another_process_is_gone_here(
    units: UnitOfWorkFactory,
    other_process: UnitOfWorkFactory,
    loaded: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    ada = learner(units, clock, "ada")
    catalog.get_set(units, clock, ada, SLUG)  # cached while active
    with other_process() as uow:
        assert SLUG in uow.sets.retire_missing({"seq-pattern"}, clock())
        uow.commit()
    with pytest.raises(NotFound):
        catalog.get_set(units, clock, ada, SLUG)
    with pytest.raises(NotFound):
        runs.start_run(units, clock, ada, slug=SLUG)

    load(other_process, clock, builders.challenge())  # loaded again: back
    assert catalog.get_set(units, clock, ada, SLUG).problem_count == 3
    assert len(runs.start_run(units, clock, ada, slug=SLUG).problems) == 3


def test_a_load_that_changes_nothing_keeps_the_stamp(
    units: UnitOfWorkFactory,
    other_process: UnitOfWorkFactory,
    loaded: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    """Every process keeps its cache across a `quiz load` of unchanged files (start-up)."""
    ada = learner(units, clock, "ada")

    def stamp() -> str | None:
        with units() as uow:
            found = uow.connection.exec_driver_sql(
                f"SELECT content_stamp FROM challenge_sets WHERE slug = '{SLUG}'"
            ).scalar()
        return None if found is None else str(found)

    before = stamp()
    assert before is not None
    assert len(before) == 32  # random: no other load shares it
    clock.advance(60)
    load(other_process, clock, builders.challenge())
    assert stamp() == before
    assert catalog.get_set(units, clock, ada, SLUG).problem_count == 3
