"""Scoring a free-text explanation by the concepts it covers ("You got 2/3 concepts").

A concept is covered when any of its keywords, or a known synonym of one, appears in
the text. Words are compared by their Snowball stems ("remembers" ~ "remember"), and
a multi-word keyword must appear as consecutive words ("cell state").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from app.domain.challenge import Concept

_WORD = re.compile(r"[a-z0-9_]+")

# Everyday words learners use for the ideas authors name; each group is symmetric.
_SYNONYM_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"remember", "memory", "retain", "recall", "store", "keep", "memorise", "memorize"}),
    frozenset({"earlier", "previous", "past", "prior", "preceding", "before"}),
    frozenset({"sequential", "order", "ordered", "sequence"}),
    frozenset({"summary", "summarize", "summarise", "represent", "representation", "encode"}),
    frozenset({"ignore", "skip", "exclude", "disregard"}),
    frozenset({"pad", "padding", "fill"}),
    frozenset({"batch", "minibatch", "group"}),
    frozenset({"efficient", "efficiency", "fast", "faster", "speed", "quick"}),
    frozenset({"classifier", "classify", "classification"}),
    frozenset({"label", "class", "category"}),
    frozenset({"gate", "gating"}),
    frozenset({"long", "longrange", "longterm"}),
)


@dataclass(frozen=True)
class ConceptScore:
    covered: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.missed)

    @property
    def summary(self) -> str:
        return f"You got {len(self.covered)}/{self.total} concepts."


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def stems(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("-", " "))
    return list(_stemmer().stemWords(words))


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in _SYNONYM_GROUPS:
        stemmed = {stem for word in group for stem in stems(word)}
        for stem in stemmed:
            table.setdefault(stem, set()).update(stemmed)
    return {stem: frozenset(group) for stem, group in table.items()}


def _variants(keyword: str) -> list[list[str]]:
    """The keyword's stem sequence, plus single-word synonyms of one-word keywords."""
    base = stems(keyword)
    if not base:
        return []
    variants = [base]
    if len(base) == 1:
        variants += [[other] for other in _synonyms().get(base[0], ()) if other != base[0]]
    else:
        variants.append(["".join(base)])  # "long-term" written as "longterm"
    return variants


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    size = len(needle)
    return any(
        list(haystack[i : i + size]) == list(needle) for i in range(len(haystack) - size + 1)
    )


def covers(text_stems: Sequence[str], concept: Concept) -> bool:
    keywords = concept.keywords or (concept.name,)
    return any(_contains(text_stems, variant) for kw in keywords for variant in _variants(kw))


def score_explanation(text: str, concepts: Sequence[Concept]) -> ConceptScore:
    text_stems = stems(text)
    covered = tuple(c.name for c in concepts if covers(text_stems, c))
    missed = tuple(c.name for c in concepts if c.name not in covered)
    return ConceptScore(covered=covered, missed=missed)
