"""What a learner asks of the catalog: topic, level, search words, sort; and a set's level.

Plain values and rules: persistence turns a `CatalogQuery` into SQL, services apply
the level and the sort, pages and the API read a query string into one here.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from app.domain.challenge import ChallengeSet, Difficulty, Level
from app.domain.errors import InvalidInput

MAX_SEARCH_CHARS = 200  # longer than any title; a 10,000-character q is refused, not run
MAX_SEARCH_WORDS = 8  # each word is one more condition in the query
MAX_TOPIC_CHARS = 64  # the column's width

_Choice = TypeVar("_Choice", bound=StrEnum)


class Sort(StrEnum):
    TITLE = "title"
    LEVEL = "level"
    NEWEST = "newest"
    NOT_EARNED = "not-earned"

    @property
    def label(self) -> str:
        return _SORT_LABELS[self]


_SORT_LABELS = {
    Sort.TITLE: "Title, A to Z",
    Sort.LEVEL: "Level, beginner first",
    Sort.NEWEST: "Newest first",
    Sort.NOT_EARNED: "Not yet earned first",
}

# A pattern's quiz and practice items are rated easy/medium/hard; read as levels.
_DIFFICULTY_LEVEL = {
    Difficulty.EASY: Level.BEGINNER,
    Difficulty.MEDIUM: Level.INTERMEDIATE,
    Difficulty.HARD: Level.ADVANCED,
}


@dataclass(frozen=True)
class CatalogQuery:
    topic: str | None = None
    level: Level | None = None
    text: str = ""
    sort: Sort = Sort.TITLE

    @property
    def words(self) -> tuple[str, ...]:
        """The search words, lower-cased, each once: a set matches when it holds them all."""
        return tuple(dict.fromkeys(self.text.lower().split()))

    @property
    def filtered(self) -> bool:
        return bool(self.topic or self.level or self.words)


def read_query(
    *,
    topic: str | None = None,
    level: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> CatalogQuery:
    """The query from a URL's values; an empty value means "any". Bad values raise
    InvalidInput with a message saying what is accepted."""
    topic = _plain(topic) or None
    if topic is not None and len(topic) > MAX_TOPIC_CHARS:
        raise InvalidInput(f"A topic has at most {MAX_TOPIC_CHARS} characters.")
    text = _plain(q)
    if len(text) > MAX_SEARCH_CHARS:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_CHARS} characters.")
    query = CatalogQuery(
        topic=topic,
        level=_choice(Level, level, "level"),
        text=text,
        sort=_choice(Sort, sort, "sort") or Sort.TITLE,
    )
    if len(query.words) > MAX_SEARCH_WORDS:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_WORDS} words.")
    return query


def _choice(enum: type[_Choice], value: str | None, name: str) -> _Choice | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise InvalidInput(f"Unknown {name}; use one of: {known}.") from None


def _plain(value: str | None) -> str:
    """Spaces collapsed; control characters are no one's words, and SQLite ends a
    string at a NUL (a search for "\\0x" would match everything)."""
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value or "")
    return " ".join(text.split())


def level_of(challenge_set: ChallengeSet) -> Level | None:
    """A set's level: the most common level of its problems (a pattern: of its flashcards,
    else of its quiz and practice items); a tie goes to the higher level, since a set half
    of whose problems are intermediate is not a beginner's set. None when it holds none."""
    levels: list[Level] = [problem.level for problem in challenge_set.problems]
    pattern = challenge_set.pattern
    if pattern is not None:
        rated = [item.level for item in pattern.quiz] + [item.level for item in pattern.practice]
        levels = [card.level for card in pattern.flashcards] or [
            _DIFFICULTY_LEVEL[difficulty] for difficulty in rated
        ]
    if not levels:
        return None
    counts = Counter(levels)
    order = list(Level)
    return max(counts, key=lambda level: (counts[level], order.index(level)))


def level_rank(level: Level | None) -> int:
    """Beginner first, sets without a level last."""
    return len(Level) if level is None else list(Level).index(level)
