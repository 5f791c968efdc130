"""The catalog against a real database: topic and search in SQL, level, sort, topics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import CatalogQuery, Sort, read_query
from app.domain.challenge import ChallengeSet, Level, Problem
from app.domain.clock import FakeClock
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import catalog
from app.services.catalog import CatalogEntry
from tests import builders
from tests.conftest import save_sets


def _problem(key: str, level: Level, prompt: str, title: str = "A question") -> Problem:
    return replace(builders.choice(key, 0), level=level, prompt=prompt, title=title)


def convolutions() -> ChallengeSet:
    return replace(
        builders.challenge("cnn-basics", title="Convolution shapes"),
        topic="CNNs",
        summary="Output sizes of Conv2d layers.",
        problems=(
            _problem("a", Level.BEGINNER, "Given kernel_size=3 and padding=1, what is H?"),
            _problem("b", Level.BEGINNER, "Which layer halves the width?", title="Pooling"),
            _problem("c", Level.INTERMEDIATE, "What does stride do?"),
        ),
    )


def attention() -> ChallengeSet:
    return replace(
        builders.challenge("attention", title="Scaled dot-product attention"),
        topic="Attention",
        summary="Masks, heads, and 100% of the scaling.",
        problems=(
            _problem("a", Level.ADVANCED, "Over which axis does the SOFTMAX run?"),
            _problem("b", Level.ADVANCED, "Why divide by the square root of d_k?"),
            _problem("c", Level.EXPERT, "What does a causal mask hide?"),
        ),
    )


@pytest.fixture
def shelf(sessions: sessionmaker[Session], clock: FakeClock) -> sessionmaker[Session]:
    """Four sets loaded a minute apart: GRU (NLP), pattern (NLP), CNNs, Attention."""
    for found in (builders.challenge(), replace(builders.pattern(), topic="NLP")):
        save_sets(sessions, clock, found)
        clock.advance(60)
    save_sets(sessions, clock, convolutions())
    clock.advance(60)
    save_sets(sessions, clock, attention())
    return sessions


def slugs(
    units: UnitOfWorkFactory, clock: FakeClock, query: CatalogQuery | None = None
) -> list[str]:
    page = catalog.browse(units, clock, None, query or CatalogQuery())
    return [entry.challenge_set.slug for entry in page.entries]


def test_topics_come_from_the_loaded_sets(
    units: UnitOfWorkFactory, shelf: sessionmaker[Session], clock: FakeClock
) -> None:
    page = catalog.browse(units, clock, None, CatalogQuery())
    assert page.topics == ["Attention", "CNNs", "NLP"]
    assert page.active_count == 4


def test_unfiltered_is_every_set_by_title(
    units: UnitOfWorkFactory, shelf: sessionmaker[Session], clock: FakeClock
) -> None:
    assert slugs(units, clock) == ["cnn-basics", "gru-test", "attention", "seq-pattern"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"topic": "cnns"}, ["cnn-basics"]),  # any case
        ({"topic": "NLP"}, ["gru-test", "seq-pattern"]),  # patterns carry their topic too
        ({"topic": "Unknown"}, []),
        ({"level": "beginner"}, ["cnn-basics"]),
        ({"level": "advanced"}, ["attention"]),
        ({"level": "intermediate"}, ["gru-test", "seq-pattern"]),
        ({"level": "expert"}, []),
        ({"topic": "NLP", "level": "beginner"}, []),
        ({"q": "CONVOLUTION"}, ["cnn-basics"]),  # a title, any case
        ({"q": "conv2d"}, ["cnn-basics"]),  # a summary
        ({"q": "softmax"}, ["attention"]),  # a problem's prompt
        ({"q": "pooling"}, ["cnn-basics"]),  # a problem's title
        ({"q": "attention"}, ["attention"]),  # a topic
        ({"q": "softmax dot-product"}, ["attention"]),  # every word, in different fields
        ({"q": "softmax convolution"}, []),
        ({"q": "kernel_size"}, ["cnn-basics"]),
        ({"q": "kernel%size"}, []),  # % is a percent sign, not a wildcard
        ({"q": "kernel_ize"}, []),
        ({"q": "k_rnel"}, []),  # _ is an underscore, not any one character
        ({"q": "100%"}, ["attention"]),
        ({"q": "%"}, ["attention"]),
        ({"q": "\\"}, []),  # the escape character itself is plain text
        ({"q": "sequence", "topic": "NLP"}, ["seq-pattern"]),
    ],
)
def test_filters_and_search(
    units: UnitOfWorkFactory,
    shelf: sessionmaker[Session],
    clock: FakeClock,
    values: dict[str, str],
    expected: list[str],
) -> None:
    assert slugs(units, clock, read_query(**values)) == expected


def test_a_retired_problem_is_not_searched(
    units: UnitOfWorkFactory, shelf: sessionmaker[Session], clock: FakeClock
) -> None:
    assert slugs(units, clock, read_query(q="causal")) == ["attention"]
    edited = attention()
    save_sets(shelf, clock, replace(edited, problems=edited.problems[:2]))
    assert slugs(units, clock, read_query(q="causal")) == []


def test_a_retired_set_is_not_listed_nor_its_topic(
    units: UnitOfWorkFactory, shelf: sessionmaker[Session], clock: FakeClock
) -> None:
    from app.persistence.tables import ChallengeSetRow

    with shelf() as session:
        row = session.query(ChallengeSetRow).filter_by(slug="cnn-basics").one()
        row.retired_at = clock()
        session.commit()
    page = catalog.browse(units, clock, None, read_query(q="conv2d"))
    assert page.entries == []
    assert page.topics == ["Attention", "NLP"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["cnn-basics", "gru-test", "attention", "seq-pattern"]),
        ("level", ["cnn-basics", "gru-test", "seq-pattern", "attention"]),
        ("newest", ["attention", "cnn-basics", "seq-pattern", "gru-test"]),
    ],
)
def test_sorts(
    units: UnitOfWorkFactory,
    shelf: sessionmaker[Session],
    clock: FakeClock,
    sort: str,
    expected: list[str],
) -> None:
    assert slugs(units, clock, read_query(sort=sort)) == expected


def test_not_yet_earned_first_keeps_title_order_within() -> None:
    earned = datetime(2026, 1, 2, tzinfo=UTC)

    def entry(title: str, earned_at: datetime | None) -> CatalogEntry:
        found = builders.challenge(title.lower(), title=title)
        return CatalogEntry(found, 3, 300, None, earned_at, None)

    entries = [entry("Alpha", earned), entry("bravo", None), entry("Charlie", earned)]
    entries.append(entry("Delta", None))
    ordered = catalog.sort_entries(entries, Sort.NOT_EARNED)
    assert [e.challenge_set.title for e in ordered] == ["bravo", "Delta", "Alpha", "Charlie"]
