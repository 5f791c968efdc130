"""Content health for instructors: what `quiz check` counted per file, and where the
curriculum has gaps (problems per topic and level, for `quiz stats` and the admin page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from app.authoring.loader import ParsedFile
from app.domain.challenge import ChallengeSet, Level, SetKind
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services.loading import Verification

UNSORTED = "(no topic)"


@dataclass(frozen=True)
class FileCounts:
    """One row of `quiz check`'s table (or the total of several)."""

    source: str
    sets: int = 0
    problems: int = 0  # challenge problems (pool members each) or pattern items
    variants: int = 0  # snippets made from `params`
    executed: int = 0  # snippets run in the sandbox
    cached: int = 0  # snippets answered without running
    failures: int = 0  # errors of every kind

    def numbers(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "source"}


def file_counts(parsed: ParsedFile, verification: Verification | None) -> FileCounts:
    """Counts for one checked file; `verification` is None when its snippets did not run."""
    ran = verification.ran if verification else 0
    reused = verification.reused if verification else 0
    challenge_set = parsed.challenge_set
    if challenge_set is None:
        return FileCounts(parsed.source, failures=len(parsed.errors))
    return FileCounts(
        parsed.source,
        sets=1,
        problems=_items(challenge_set),
        variants=sum(len(problem.variants) for problem in challenge_set.problems),
        executed=ran,
        cached=reused,
        failures=len(parsed.errors),
    )


def total(rows: Iterable[FileCounts]) -> FileCounts:
    sums = dict.fromkeys(FileCounts("").numbers(), 0)
    for row in rows:
        for name, value in row.numbers().items():
            sums[name] += value
    return FileCounts("total", **sums)


def _items(challenge_set: ChallengeSet) -> int:
    pattern = challenge_set.pattern
    if pattern is None:
        return len(challenge_set.problems)
    return (
        len(pattern.flashcards) + len(pattern.quiz) + len(pattern.explain) + len(pattern.practice)
    )


@dataclass
class Cell:
    """Problems of one topic at one level: every problem (pool members included), how
    many of them are pool members, and how many variants they add."""

    problems: int = 0
    pooled: int = 0
    variants: int = 0


@dataclass
class TopicRow:
    topic: str
    cells: dict[Level, Cell] = field(default_factory=lambda: {level: Cell() for level in Level})
    challenge_sets: int = 0
    pattern_sets: int = 0

    @property
    def problems(self) -> int:
        return sum(cell.problems for cell in self.cells.values())


def topic_grid(sets: Iterable[ChallengeSet]) -> list[TopicRow]:
    """One row per topic (alphabetical; sets without a topic last), a cell per level."""
    rows: dict[str, TopicRow] = {}
    for challenge_set in sets:
        topic = challenge_set.topic or UNSORTED
        row = rows.setdefault(topic, TopicRow(topic))
        if challenge_set.kind is SetKind.PATTERN:
            row.pattern_sets += 1
            continue
        row.challenge_sets += 1
        pooled = {key for pool in challenge_set.pools for key in pool}
        for problem in challenge_set.problems:
            cell = row.cells[problem.level]
            cell.problems += 1
            cell.pooled += problem.key in pooled
            cell.variants += len(problem.variants)
    return sorted(rows.values(), key=lambda row: (row.topic == UNSORTED, row.topic.casefold()))


def loaded_grid(units: UnitOfWorkFactory) -> list[TopicRow]:
    """The grid of the sets learners can take now (the admin content page)."""
    with units() as uow:
        sets = uow.sets.active()
    return topic_grid(sets)
